package local_test

import (
	"fmt"
	"log"

	"github.com/credvault/credvault/kek/local"
)

// ExampleRootKey shows that a root key never prints.
func ExampleRootKey() {
	root, err := local.GenerateRootKey()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(root)
	fmt.Printf("%x\n", root)
	// Output:
	// local.RootKey(REDACTED)
	// local.RootKey(REDACTED)
}
