package keychain_test

import (
	"context"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/pull"
	"github.com/credvault/credvault/pull/keychain"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// Pull with the org's stored credentials: hand the keychain to
// remote.Image with remote.WithAuthFromKeychain(kc). Here it resolves two
// references offline: one its record serves, one it leaves to the next
// keychain (Anonymous).
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "credvault-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	keys, _ := local.Open(dir, root)
	_ = keys.Create(ctx, "acme")
	v, _ := vault.New(memstore.New(), keys)
	_, _ = v.Put(ctx, vault.Key{Org: "acme", Registry: "ghcr-acme"}, vault.Entry{
		Provider: providers.GHCR, URL: "https://ghcr.io/acme",
		Credential: credentials.UsernamePat{Username: "deploy-bot", Pat: credentials.NewSecret("ghp_example")},
	})

	kc := keychain.New(pull.New(v, pull.Options{}), "acme")
	for _, ref := range []string{"ghcr.io/acme/app:v1", "quay.io/other/app:v1"} {
		r, err := name.ParseReference(ref)
		if err != nil {
			fmt.Println(err)
			continue
		}
		auth, err := kc.Resolve(r.Context())
		if err != nil {
			fmt.Println(err)
			continue
		}
		if auth == authn.Anonymous {
			fmt.Println(ref, "anonymous")
			continue
		}
		cfg, err := authn.Authorization(ctx, auth)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(ref, cfg.Username, auth)
	}
	// Output:
	// ghcr.io/acme/app:v1 deploy-bot credvault record acme/ghcr-acme
	// quay.io/other/app:v1 anonymous
}
