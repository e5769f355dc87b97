package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/credvault/credvault/apikey"
	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// keyPrefix is HarborGuard's organization API key prefix.
const keyPrefix = "hg_ak_"

// app is the server's state: the vault on local keysets and SQLite, the
// API-key store (the same SQLite database), and the example's own table.
type app struct {
	keys     *local.Manager
	store    *sqlstore.Store // sealed records, health results and API keys
	vault    *vault.Vault
	verifier *apikey.Verifier
	meta     *metaStore
	testOpts providers.Options
}

// openApp opens (creating on first use) everything under dir: root.key,
// keysets/, credvault.db and registries.db.
func openApp(ctx context.Context, dir string) (*app, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	root, err := rootKey(filepath.Join(dir, "root.key"))
	if err != nil {
		return nil, err
	}
	keys, err := local.Open(filepath.Join(dir, "keysets"), root)
	if err != nil {
		return nil, err
	}
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "credvault.db"))
	if err != nil {
		return nil, err
	}
	v, err := vault.New(store, keys)
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	m, err := openMeta(ctx, filepath.Join(dir, "registries.db"))
	if err != nil {
		return nil, errors.Join(err, store.Close())
	}
	return &app{keys: keys, store: store, vault: v, verifier: &apikey.Verifier{Store: store}, meta: m}, nil
}

// rootKey loads the root key at path, or makes one on first start.
func rootKey(path string) (local.RootKey, error) {
	root, err := local.RootKeyFromFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if root, err = local.GenerateRootKey(); err == nil {
			err = local.WriteRootKeyFile(path, root)
		}
	}
	if err != nil {
		return local.RootKey{}, fmt.Errorf("root key: %w", err)
	}
	return root, nil
}

func (a *app) close() error { return errors.Join(a.meta.close(), a.store.Close()) }

// issueKey makes org's keyset if it has none and issues it a key.
func (a *app) issueKey(ctx context.Context, org string, role apikey.Role, label string) (credentials.Secret, error) {
	if err := a.keys.Create(ctx, org); err != nil && !errors.Is(err, local.ErrExists) {
		return credentials.Secret{}, err
	}
	key, _, err := apikey.Issue(ctx, a.store, apikey.Grant{Prefix: keyPrefix, Org: org, Role: role, Label: label})
	return key, err
}

// firstAdminKey issues org an admin key if it has no key at all yet, and
// reports whether it did.
func (a *app) firstAdminKey(ctx context.Context, org string) (credentials.Secret, bool, error) {
	existing, err := a.store.ListKeys(ctx, org)
	if err != nil || len(existing) > 0 {
		return credentials.Secret{}, false, err
	}
	key, err := a.issueKey(ctx, org, apikey.RoleAdmin, "first admin key")
	return key, err == nil, err
}
