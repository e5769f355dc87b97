package apikey_test

import (
	"fmt"
	"strings"

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
