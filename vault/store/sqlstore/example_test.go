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
	v, err := s.Put(ctx, rec, 0) // 0: create, at a fresh random version
	fmt.Println(v > 0, err)
	_, err = s.Put(ctx, rec, 0) // already exists
	fmt.Println(err)
	next, err := s.Put(ctx, rec, v) // compare-and-swap on the version read
	fmt.Println(next == v+1, err)
	usage, _ := s.KeyUsage(ctx, "acme")
	fmt.Println(usage)
	// Output:
	// true <nil>
	// vault: version conflict
	// true <nil>
	// map[local://acme/v1:1]
}
