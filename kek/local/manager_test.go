package local_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"os"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local"
)

// ExampleManager creates an org keyset, wraps a DEK, rotates, and still
// unwraps the DEK under the key ID recorded at wrap time.
func ExampleManager() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "keysets")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	root, err := local.GenerateRootKey() // in production: RootKeyFromFile
	if err != nil {
		log.Fatal(err)
	}
	m, err := local.Open(dir, root)
	if err != nil {
		log.Fatal(err)
	}
	if err := m.Create(ctx, "acme"); err != nil {
		log.Fatal(err)
	}
	k, err := m.KEK(ctx, "acme")
	if err != nil {
		log.Fatal(err)
	}

	dek := bytes.Repeat([]byte{0x2a}, 32)
	aad := []byte("v1|acme|registry-42")
	wrapped, oldKeyID, err := k.Wrap(ctx, dek, kek.AAD{Data: aad})
	if err != nil {
		log.Fatal(err)
	}

	newKeyID, err := m.Rotate(ctx, "acme")
	if err != nil {
		log.Fatal(err)
	}
	current, _ := k.CurrentKeyID(ctx)
	fmt.Println("rotated:", newKeyID != oldKeyID, current == newKeyID)

	got, err := k.Unwrap(ctx, oldKeyID, wrapped, kek.AAD{Data: aad})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("old DEK unwraps:", bytes.Equal(got, dek))

	versions, _ := m.Versions(ctx, "acme")
	for _, v := range versions {
		fmt.Println(v.Status, v.Primary)
	}
	// Output:
	// rotated: true true
	// old DEK unwraps: true
	// enabled false
	// enabled true
}
