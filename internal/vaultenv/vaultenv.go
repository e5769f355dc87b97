// Package vaultenv opens a vault the way credvault's commands are
// configured: a store DSN, a keyset directory and a root key from the
// environment. The operator CLI (cmd/credvault) and the docker credential
// helper (cmd/docker-credential-credvault) share it, so both read the same
// variables with the same rules.
package vaultenv

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
	_ "github.com/credvault/credvault/vault/store/sqlstore/pgsql" // the store DSN may name PostgreSQL
)

// Defaults for the store and keyset directory.
const (
	DefaultStore   = "sqlite:./credvault.db"
	DefaultKeysets = "./keysets"
)

// The environment variables the commands read.
const (
	EnvStore          = "CREDVAULT_STORE"
	EnvKeysets        = "CREDVAULT_KEYSETS"
	EnvRootKeyFile    = "CREDVAULT_ROOT_KEY_FILE"
	EnvRootKey        = "CREDVAULT_ROOT_KEY"
	EnvPassphraseFile = "CREDVAULT_ROOT_PASSPHRASE_FILE"
	EnvSaltFile       = "CREDVAULT_ROOT_SALT_FILE"
)

// ErrUnconfigured marks a configuration that is missing (no root key, a
// passphrase file without a salt file): a usage error for the commands.
var ErrUnconfigured = errors.New("not configured")

// ErrInvalid marks a configured value or an input that was refused (a root
// key that is not 32 bytes in base64, a file over its size cap).
var ErrInvalid = errors.New("invalid input")

// Config says where the vault lives and how to read the root key.
type Config struct {
	// Store is the store DSN (sqlstore.Open's forms).
	Store string
	// Keysets is the keyset directory.
	Keysets string
	// Getenv reads the root-key variables.
	Getenv func(string) string
}

// FromEnv returns the configuration getenv describes, with the defaults
// for unset variables.
func FromEnv(getenv func(string) string) Config {
	return Config{Store: Or(getenv, EnvStore, DefaultStore), Keysets: Or(getenv, EnvKeysets, DefaultKeysets), Getenv: getenv}
}

// Or returns the environment variable name, or def when it is empty.
func Or(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// OpenStore opens the configured store. The caller closes it.
func (c Config) OpenStore(ctx context.Context) (*sqlstore.Store, error) {
	st, err := sqlstore.Open(ctx, c.Store)
	if err != nil {
		return nil, fmt.Errorf("opening the store: %w", err)
	}
	return st, nil
}

// OpenKeys opens the keyset directory under the configured root key.
func (c Config) OpenKeys() (*local.Manager, error) {
	root, err := c.RootKey()
	if err != nil {
		return nil, err
	}
	return local.Open(c.Keysets, root)
}

// OpenVault opens the keys and the store and returns a vault over them.
// The caller closes the store.
func (c Config) OpenVault(ctx context.Context) (*vault.Vault, *sqlstore.Store, *local.Manager, error) {
	keys, err := c.OpenKeys()
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := c.OpenStore(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := vault.New(st, hintingKeys{keys})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return v, st, keys, nil
}

// RootKey reads the root key from the first configured source.
func (c Config) RootKey() (local.RootKey, error) {
	if path := c.Getenv(EnvRootKeyFile); path != "" {
		return local.RootKeyFromFile(path)
	}
	if b64 := c.Getenv(EnvRootKey); b64 != "" {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		defer clear(raw)
		if err != nil {
			return local.RootKey{}, fmt.Errorf("%w: %s is not base64", ErrInvalid, EnvRootKey)
		}
		root, err := local.RootKeyFromBytes(raw)
		if err != nil {
			return local.RootKey{}, fmt.Errorf("%w: %s: %w", ErrInvalid, EnvRootKey, err)
		}
		return root, nil
	}
	if path := c.Getenv(EnvPassphraseFile); path != "" {
		return c.rootKeyFromPassphrase(path)
	}
	return local.RootKey{}, fmt.Errorf("%w: no root key: set %s, %s or %s", ErrUnconfigured, EnvRootKeyFile, EnvRootKey, EnvPassphraseFile)
}

// rootKeyFromPassphrase derives the root key from the passphrase file and
// the salt file.
func (c Config) rootKeyFromPassphrase(path string) (local.RootKey, error) {
	saltPath := c.Getenv(EnvSaltFile)
	if saltPath == "" {
		return local.RootKey{}, fmt.Errorf("%w: %s needs %s", ErrUnconfigured, EnvPassphraseFile, EnvSaltFile)
	}
	pass, err := ReadCapped(path, 4096)
	defer clear(pass)
	if err != nil {
		return local.RootKey{}, fmt.Errorf("reading the passphrase file: %w", err)
	}
	salt, err := ReadCapped(saltPath, 4096)
	if err != nil {
		return local.RootKey{}, fmt.Errorf("reading the salt file: %w", err)
	}
	return local.RootKeyFromPassphrase([]byte(strings.TrimRight(string(pass), "\r\n")), salt)
}

// ReadCapped reads at most limit bytes of the file at path.
func ReadCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAllCapped(f, limit)
}

// ReadAllCapped reads r to its end, refusing more than limit bytes with
// ErrInvalid.
func ReadAllCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		clear(b)
		return nil, fmt.Errorf("%w: input larger than %d bytes", ErrInvalid, limit)
	}
	return b, nil
}

// KeysetHint adds to err, when it says that org has no keyset, the
// command that creates one; other errors it returns as they are.
func KeysetHint(org string, err error) error {
	if errors.Is(err, kek.ErrKeyNotFound) {
		return fmt.Errorf("%w: create the org's keyset with: credvault keys create %s", err, org)
	}
	return err
}

// hintingKeys resolves org KEKs from local keysets, and says how to
// create a missing one (KeysetHint).
type hintingKeys struct{ *local.Manager }

// KEK implements vault.KEKResolver.
func (h hintingKeys) KEK(ctx context.Context, org string) (kek.KEK, error) {
	k, err := h.Manager.KEK(ctx, org)
	return k, KeysetHint(org, err)
}
