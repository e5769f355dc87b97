package memstore_test

import (
	"context"
	"fmt"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// Page through an org's records with a cursor.
func Example() {
	ctx := context.Background()
	s := memstore.New()
	for _, reg := range []string{"ghcr", "acme/prod/+", "ecr", "harbor"} {
		rec := vault.Record{Key: vault.Key{Org: "acme", Registry: reg}, KeyID: "k1", Envelope: []byte("sealed")}
		if _, err := s.Put(ctx, rec, 0); err != nil {
			fmt.Println(err)
		}
	}
	q := vault.Query{Org: "acme", Limit: 3}
	for {
		page, err := s.List(ctx, q)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, r := range page.Records {
			fmt.Println(r.Registry, r.KeyID)
		}
		if !page.More {
			break
		}
		fmt.Println("-- next page after", page.Next.Registry)
		q.After = page.Next
	}
	// Output:
	// acme/prod/+ k1
	// ecr k1
	// ghcr k1
	// -- next page after ghcr
	// harbor k1
}
