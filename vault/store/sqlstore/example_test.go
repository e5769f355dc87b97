package sqlstore_test

import (
	"context"
	"fmt"
	"log"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// Open an in-memory SQLite store, create a record, and update it with
// compare-and-swap.
func Example() {
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, "sqlite::memory:")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	rec := vault.Record{
		Key:      vault.Key{Org: "acme", Registry: "acme/prod/+"},
		KeyID:    "local://acme/v1",
		Envelope: []byte("sealed bytes"),
	}
	v, err := s.Put(ctx, rec, 0) // 0: create
	fmt.Println(v, err)
	_, err = s.Put(ctx, rec, 0) // already exists
	fmt.Println(err)
	v, err = s.Put(ctx, rec, v) // compare-and-swap on version 1
	fmt.Println(v, err)
	usage, _ := s.KeyUsage(ctx, "acme")
	fmt.Println(usage)
	// Output:
	// 1 <nil>
	// vault: version conflict
	// 2 <nil>
	// map[local://acme/v1:1]
}
