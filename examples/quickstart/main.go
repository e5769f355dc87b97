// Command quickstart walks through credvault offline, on the embedded
// defaults: a local Tink keyset per org (encrypted under a root key) and a
// SQLite file. It seals credentials for registries of several providers
// and orgs, lists their redacted views, opens one, rotates an org's KEK and
// shows that every record still opens.
//
//	go run ./examples/quickstart [-dir DIR]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// registry is one registry as an API client would POST it.
type registry struct {
	ref         string // org/registry, a Harness scope path, or a Buildkite slug
	provider    providers.Provider
	url         string
	credentials string // the API's untagged credentials JSON
}

// Obviously fake secrets, in the real formats.
var registries = []registry{
	{"acme/ghcr-main", providers.GHCR, "https://ghcr.io",
		`{"username":"deploy-bot","pat":"ghp_EXAMPLEexampleEXAMPLEexample0000"}`},
	{"acme/hub", providers.DockerHub, "",
		`{"username":"acme","pat":"dckr_pat_EXAMPLEexampleEXAMPLE00"}`},
	{"acme/ecr-prod", providers.AWSECR, "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
		`{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","region":"eu-west-1"}`},
	{"globex/harbor", providers.Harbor, "https://harbor.globex.example",
		`{"robotName":"robot$library+scanner","secret":"EXAMPLEharborRobotSecret0000"}`},
	{"globex/acr", providers.AzureACR, "https://globex.azurecr.io",
		`{"tenantId":"11111111-2222-4333-8444-555555555555","clientId":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","clientSecret":"EXAMPLE~azureClientSecret0000"}`},
	{"acc123/org456/proj789/docker-local/+", providers.HarnessAR, "https://pkg.harness.io",
		`{"username":"ci@acme.example","password":"pat.EXAMPLE.harness.token0000"}`},
	{"globex/containers", providers.Buildkite, "https://packages.buildkite.com",
		`{"username":"buildkite","pat":"bkua_EXAMPLEexampleEXAMPLE0000"}`},
}

func main() {
	dir := flag.String("dir", "", "working directory for the keysets and the SQLite file (default: a new temporary directory)")
	flag.Parse()
	if err := run(context.Background(), *dir); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, dir string) error {
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "credvault-quickstart-"); err != nil {
			return err
		}
	}
	fmt.Println("working directory:", dir)
	keys, v, closeStore, err := open(ctx, dir)
	if err != nil {
		return err
	}
	defer closeStore()

	var keysSealed []vault.Key
	for _, r := range registries {
		k, err := seal(ctx, keys, v, r)
		if err != nil {
			return fmt.Errorf("%s: %w", r.ref, err)
		}
		keysSealed = append(keysSealed, k)
	}
	if err := list(ctx, v); err != nil {
		return err
	}
	if err := openOne(ctx, v, keysSealed[0]); err != nil {
		return err
	}
	newKey, err := keys.Rotate(ctx, "acme")
	if err != nil {
		return err
	}
	fmt.Println("\nrotated acme's KEK; new writes are wrapped by", newKey)
	if _, err := seal(ctx, keys, v, registries[1]); err != nil { // a credential update: fresh DEK, new KEK version
		return err
	}
	return openAll(ctx, v, keysSealed)
}

// open sets up the root key, the keyset manager and the SQLite store.
func open(ctx context.Context, dir string) (*local.Manager, *vault.Vault, func(), error) {
	rootPath := filepath.Join(dir, "root.key")
	root, err := local.RootKeyFromFile(rootPath)
	if errors.Is(err, os.ErrNotExist) {
		if root, err = local.GenerateRootKey(); err == nil {
			err = local.WriteRootKeyFile(rootPath, root)
		}
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("root key: %w", err)
	}
	keys, err := local.Open(filepath.Join(dir, "keysets"), root)
	if err != nil {
		return nil, nil, nil, err
	}
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "credvault.db"))
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := vault.New(store, keys)
	if err != nil {
		store.Close()
		return nil, nil, nil, err
	}
	fmt.Println("root key:", rootPath, "(keep it out of the database backups)")
	return keys, v, func() { store.Close() }, nil
}

// seal parses and validates one registry's payload and seals it.
func seal(ctx context.Context, keys *local.Manager, v *vault.Vault, r registry) (vault.Key, error) {
	k, err := parseRef(r.ref)
	if err != nil {
		return k, err
	}
	cred, err := credentials.Parse([]byte(r.credentials))
	if err != nil {
		return k, err
	}
	if err := providers.Validate(r.provider, r.url, cred); err != nil {
		return k, err
	}
	if err := keys.Create(ctx, k.Org); err != nil && !errors.Is(err, local.ErrExists) {
		return k, err
	}
	_, err = v.Put(ctx, k, vault.Entry{Provider: r.provider, URL: r.url, Credential: cred})
	return k, err
}

func parseRef(ref string) (vault.Key, error) {
	switch {
	case len(ref) > 2 && ref[len(ref)-2:] == "/+":
		return vault.ParseHarnessRef(ref)
	default:
		return vault.ParseBuildkiteRef(ref) // any org/registry pair
	}
}

// list prints every org's redacted views: what a GET returns.
func list(ctx context.Context, v *vault.Vault) error {
	fmt.Println("\nsealed records (redacted views, no secrets):")
	q := vault.Query{Limit: 3}
	for {
		p, err := v.List(ctx, q)
		if err != nil {
			return err
		}
		for _, d := range p.Descriptions {
			fmt.Printf("  %-40s %-18s %-20s %s\n", d.Key, d.Provider, d.Kind, identity(d.View))
		}
		if !p.More {
			return nil
		}
		q.After = p.Next
	}
}

func identity(v credentials.View) string {
	for _, s := range []string{v.Username, v.RobotName, v.AccessKeyID, v.ClientID} {
		if s != "" {
			return s
		}
	}
	return "-"
}

// openOne decrypts one record; the secret stays a Secret when printed.
func openOne(ctx context.Context, v *vault.Vault, k vault.Key) error {
	e, version, err := v.Open(ctx, k)
	if err != nil {
		return err
	}
	pat := e.Credential.(credentials.UsernamePat)
	fmt.Printf("\nopened %s (version %d): %s at %s, user %s, pat %v (%d bytes, read with Reveal())\n",
		k, version, e.Provider, e.URL, pat.Username, pat.Pat, pat.Pat.Len())
	return nil
}

// openAll shows that every record, old key or new, still opens.
func openAll(ctx context.Context, v *vault.Vault, ks []vault.Key) error {
	for _, k := range ks {
		if _, _, err := v.Open(ctx, k); err != nil {
			return fmt.Errorf("open %s after rotation: %w", k, err)
		}
		d, err := v.Describe(ctx, k)
		if err != nil {
			return err
		}
		fmt.Printf("  opens: %-40s wrapped by %s\n", k, d.KeyID)
	}
	fmt.Println("\nall", len(ks), "records open after the rotation")
	return nil
}
