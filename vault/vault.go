// Package vault seals registry credentials with envelope encryption and
// keeps them in a Store.
//
// Every write draws a fresh 256-bit data-encryption key (DEK). The DEK
// encrypts the canonical encoding of the credential with
// ChaCha20-Poly1305 under the all-zero nonce, and is wrapped by the owning
// org's key-encryption key (KEK). Associated data binds the payload and
// the wrapped DEK to the format version, org, registry and kind, so a
// record or wrapped DEK moved to another place fails to open. A key
// commitment derived from the DEK is checked, in constant time, before
// decryption, so a record opens under one DEK only. The record carries the
// exact KEK key ID that wrapped its DEK.
//
// # Choosing the payload cipher
//
// Each DEK is used for exactly one message: it is drawn fresh for every
// write, a KEK rewrap keeps the DEK together with its one ciphertext, and
// RotateDEKs draws a new one. A (key, nonce) pair therefore never repeats
// even with a fixed nonce, so the default, [ChaCha20Poly1305], stores no
// nonce and draws none (SECURITY.md gives the full argument).
// [XChaCha20Poly1305] (a random 24-byte nonce, the previous default) and
// [AES256GCM] (for FIPS-minded deployments; its key is derived from the
// DEK, and key expansion and GHASH tables are paid on every record) stay
// selectable with [WithCipher]. BenchmarkSealOpen measures all three.
// Records carry their algorithm, so every one opens whatever the vault's
// choice for new records.
//
// # Replicas, leases and health
//
// Replicas sharing a store run each rotation job in one replica at a
// time when the job is given [LeaseOptions] (the store as a [Leaser]):
// [RunLeased] takes the lease "<job>/<org>", renews it every third of
// its term, and cancels the job's context, with cause [ErrLeaseLost],
// two thirds into a term without a successful renewal, so a holder that
// loses its lease stops writing before another can take it. Every term
// has a larger fencing token ([Lease.Token], [LeaseFromContext]). A
// store that is a [HealthStore] keeps each record's latest connection
// test ([Vault.RecordHealth], [Vault.Health], [Vault.OrgHealth]). Package
// schedule runs rotations and health re-tests from a per-org policy.
//
// # Errors
//
// Store outcomes are [ErrNotFound] and [ErrConflict]; a record that fails
// to parse or authenticate is [ErrCorrupt] (and, when the KEK refused the
// wrapped DEK, kek.ErrUnwrap as well); KEK outages and disabled keys come
// through as the kek package's sentinels. Leased jobs add
// [ErrLeaseHeld] and [ErrLeaseLost]. No error carries plaintext.
package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/providers"
)

// Errors, matched with errors.Is.
var (
	// ErrCorrupt: a record failed to parse, authenticate or decode: it was
	// altered, truncated, moved, or sealed under another key.
	ErrCorrupt = errors.New("vault: record failed authentication")
	// ErrInvalidEntry: an entry to seal is incomplete or invalid.
	ErrInvalidEntry = errors.New("vault: invalid entry")
)

// A KEKResolver maps an org to its key-encryption key. kek/local's Manager
// implements it; so does any map-or-template resolver.
type KEKResolver interface {
	KEK(ctx context.Context, org string) (kek.KEK, error)
}

// An Entry is what the vault seals for one registry: where it is, what a
// connection test needs to reach it, and the credential that unlocks it.
// Every field but the credential is bound to the ciphertext (it is in the
// payload's associated data), so a row rewritten to point the credential
// elsewhere, or to trust another CA, fails to open.
type Entry struct {
	// Provider is the registry's provider; Put and Seal refuse one that
	// is not in the providers table.
	Provider providers.Provider
	// URL is the registry's URL; empty means the provider's default.
	URL string
	// Insecure allows plain http and unverified certificates, for
	// self-hosted registries only.
	Insecure bool
	// RobotPrefix is a Harbor instance's robot name prefix; empty means
	// credentials.DefaultRobotPrefix.
	RobotPrefix string
	// CABundle is PEM certificates to trust for this registry besides the
	// system roots (a self-hosted registry behind a private CA), at most
	// MaxCABundleSize bytes.
	CABundle []byte
	// Credential is sealed; it is the only secret field.
	Credential credentials.Credential
}

// Target returns where e's credential is used, for providers'
// validation and connection tests.
func (e Entry) Target() providers.Target {
	return providers.Target{Provider: e.Provider, URL: e.URL, Insecure: e.Insecure, RobotPrefix: e.RobotPrefix, CABundle: e.CABundle}
}

// A Description is the redacted view of a record, safe for a GET response:
// no secret, no ciphertext.
type Description struct {
	Key
	Version     int64              `json:"version"`
	Provider    providers.Provider `json:"provider"`
	URL         string             `json:"url,omitempty"`
	Insecure    bool               `json:"insecure,omitempty"`
	RobotPrefix string             `json:"robotPrefix,omitempty"`
	CABundle    []byte             `json:"caBundle,omitempty"` // PEM, base64 in JSON as every []byte
	Kind        credentials.Kind   `json:"kind"`
	View        credentials.View   `json:"view"`
	KeyID       string             `json:"keyId"`
	UpdatedAt   time.Time          `json:"updatedAt"`
}

// Cipher selects the payload AEAD for new records.
type Cipher byte

// Payload ciphers.
const (
	// ChaCha20Poly1305 under the record's single-use DEK and the zero
	// nonce: the default.
	ChaCha20Poly1305 Cipher = Cipher(envelope.AlgChaCha20Poly1305)
	// XChaCha20Poly1305 with a random 24-byte nonce.
	XChaCha20Poly1305 Cipher = Cipher(envelope.AlgXChaCha20Poly1305)
	// AES256GCM with a random 12-byte nonce, keyed by a KDF of the DEK.
	AES256GCM Cipher = Cipher(envelope.AlgAES256GCM)
)

// An Option configures a Vault.
type Option func(*Vault) error

// WithCipher selects the payload cipher for new records.
func WithCipher(c Cipher) Option {
	return func(v *Vault) error {
		if c != ChaCha20Poly1305 && c != XChaCha20Poly1305 && c != AES256GCM {
			return fmt.Errorf("%w: unknown cipher %d", ErrInvalidEntry, c)
		}
		v.alg = byte(c)
		return nil
	}
}

// A Vault seals, opens and lists registry credentials. It is safe for
// concurrent use.
type Vault struct {
	store Store
	keys  KEKResolver
	alg   byte
	cache *dekCache // nil unless WithDEKCache
	n     counters
}

// New returns a Vault over store, resolving each org's KEK through keys.
func New(store Store, keys KEKResolver, opts ...Option) (*Vault, error) {
	if store == nil || keys == nil {
		return nil, errors.New("vault: New needs a store and a KEK resolver")
	}
	v := &Vault{store: store, keys: keys, alg: envelope.AlgChaCha20Poly1305}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// Store returns the vault's store.
func (v *Vault) Store() Store { return v.store }
