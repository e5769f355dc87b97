package pull_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/pull"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// Find the record that serves an image and the credential to pull it
// with. A GHCR personal access token is presented as stored, so this runs
// offline; an ECR, ACR or GAR record is exchanged the same way once its
// adapter (or providers/all) is imported.
func ExampleAuthorizer_Authorize() {
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

	a := pull.New(v, pull.Options{})
	m, err := a.Match(ctx, "acme", "ghcr.io", "acme/app")
	if err != nil {
		fmt.Println(err)
		return
	}
	cred, err := a.Authorize(ctx, m.Key, "acme/app")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Key.Registry, cred.Username, cred.Secret, cred.Expires.IsZero())

	_, err = a.Match(ctx, "acme", "ghcr.io.evil.example", "acme/app")
	fmt.Println(errors.Is(err, pull.ErrNoMatch), err)
	// Output:
	// ghcr-acme deploy-bot [REDACTED] true
	// true pull from ghcr.io.evil.example: no record of org acme serves this host
}
