package gocloud_test

import (
	"context"
	"fmt"
	"strings"

	_ "gocloud.dev/secrets/localsecrets" // the application chooses its drivers

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/gocloud"
)

func ExampleOpen() {
	ctx := context.Background()
	// In production the key comes from configuration, never from source.
	k, err := gocloud.Open(ctx, "base64key://smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4=")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer k.Close()

	dek := []byte("0123456789abcdef0123456789abcdef")
	wrapped, keyID, err := k.Wrap(ctx, dek, kek.AAD{Data: []byte("org=acme|registry=ghcr")})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: []byte("org=acme|registry=ghcr")})
	fmt.Println(strings.HasPrefix(keyID, "base64key://sha256:"), string(got) == string(dek), err)
	_, err = k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: []byte("org=evil|registry=ghcr")})
	fmt.Println(err != nil)
	// Output:
	// true true <nil>
	// true
}
