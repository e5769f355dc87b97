package apikey_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/credvault/credvault/apikey"
)

func Example() {
	key, stored, err := apikey.New("hg_ak_")
	if err != nil {
		fmt.Println(err)
		return
	}
	plaintext := key.Reveal() // show once to the user, never store
	fmt.Println(strings.HasPrefix(plaintext, "hg_ak_"+stored.ID+"_"))

	row := stored.String() // what the server stores; not secret
	fmt.Println(strings.HasPrefix(row, "sha256:hg_ak_:"))

	// A request presents the key: find the row by its lookup ID, then verify.
	id, _ := apikey.LookupID(plaintext)
	back, err := apikey.ParseHash(row)
	fmt.Println(id == back.ID, err)
	fmt.Println(apikey.Verify(back, plaintext))
	fmt.Println(apikey.Verify(back, plaintext+"x"))
	// Output:
	// true
	// true
	// true <nil>
	// true
	// false
}

// Issue a key into a store and verify it as a request presents it.
func ExampleVerifier() {
	ctx := context.Background()
	store := new(apikey.MemStore) // or a *sqlstore.Store, beside the sealed records
	key, rec, err := apikey.Issue(ctx, store, apikey.Grant{
		Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleDeveloper, Label: "CI",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Show key.Reveal() to the user once; the store holds only rec.Hash.
	v := &apikey.Verifier{Store: store}
	got, err := v.Verify(ctx, key.Reveal())
	fmt.Println(got.Org, got.Role, got.Role.Allows(apikey.RoleAdmin), err)

	_ = store.RevokeKey(ctx, "acme", rec.Hash.ID, time.Now())
	_, err = v.Verify(ctx, key.Reveal())
	fmt.Println(errors.Is(err, apikey.ErrUnauthorized))
	// Output:
	// acme developer false <nil>
	// true
}
