// Package kek defines the key-encryption-key contract credvault wraps data
// keys with, and the errors every implementation reports.
//
// Implementations: kek/local (Tink keysets on disk, encrypted under a root
// key), kek/awskms (AWS KMS) and kek/gocloud (any gocloud.dev/secrets
// Keeper). kek/kektest is the conformance suite each of them passes.
//
// # Key IDs
//
// Wrap reports the exact key ID that wrapped the DEK: a URI naming the key
// and its version (for example "local://acme#v=2041534455" or a KMS key ARN).
// The vault records it next to the wrapped DEK; Unwrap is given it back so
// it goes to that exact key, and rotation jobs list records by it.
//
// # Associated data and names
//
// Every wrap binds an AAD: opaque Data that every KEK binds, and readable
// Labels that KEKs with an audit trail record (see AAD). The vault binds
// each DEK to its org and registry, whose names follow the one rule of
// ValidateOrg and ValidateRegistry; the resolvers and kek/local check org
// names with the same function.
//
// # Errors
//
// Implementations wrap one of the sentinels below so callers can branch with
// errors.Is regardless of backend. Errors never carry key material or DEKs.
package kek

import (
	"context"
	"errors"
)

// MaxDEKSize bounds the plaintext a KEK wraps. DEKs are 32 bytes; the slack
// lets an implementation bind AAD inside the plaintext.
const MaxDEKSize = 4096

// MaxWrappedSize bounds a wrapped DEK accepted by any parser (AWS KMS
// ciphertext blobs are at most 6144 bytes).
const MaxWrappedSize = 6144

// MaxKeyIDSize bounds a key ID.
const MaxKeyIDSize = 2048

// A KEK wraps and unwraps data-encryption keys under associated data.
//
// Wrap must bind aad.Data so that Unwrap with any other Data fails. A KEK
// that records aad.Labels may bind them too (see AAD): callers give Unwrap
// and Rewrap the same AAD as Wrap. Unwrap must fail, never return wrong
// bytes, for an altered, truncated or foreign ciphertext. Implementations
// are safe for concurrent use.
type KEK interface {
	// Wrap encrypts dek under the current primary key and returns the
	// wrapped bytes and the ID of the key version that wrapped them.
	Wrap(ctx context.Context, dek []byte, aad AAD) (wrapped []byte, keyID string, err error)
	// Unwrap decrypts a DEK wrapped by the key version keyID under aad.
	Unwrap(ctx context.Context, keyID string, wrapped []byte, aad AAD) (dek []byte, err error)
	// CurrentKeyID reports the key ID Wrap would use now.
	CurrentKeyID(ctx context.Context) (string, error)
}

// A Rewrapper moves a wrapped DEK to the KEK's current key without the
// plaintext DEK entering the process (AWS KMS ReEncrypt). Rotation jobs use
// it when a KEK offers it and fall back to Unwrap+Wrap otherwise. aad is
// the AAD the DEK was wrapped under; the result is wrapped under the same
// AAD and unwraps only with it.
type Rewrapper interface {
	Rewrap(ctx context.Context, keyID string, wrapped []byte, aad AAD) (newWrapped []byte, newKeyID string, err error)
}

// Sentinel errors shared by every KEK implementation.
var (
	// ErrUnwrap: the wrapped DEK did not authenticate (altered, truncated,
	// wrong AAD, or wrapped by another key).
	ErrUnwrap = errors.New("kek: unwrap failed")
	// ErrKeyNotFound: the key or key version does not exist.
	ErrKeyNotFound = errors.New("kek: key not found")
	// ErrKeyDisabled: the key version exists but is disabled.
	ErrKeyDisabled = errors.New("kek: key disabled")
	// ErrKeyDestroyed: the key version was destroyed; its DEKs are lost.
	ErrKeyDestroyed = errors.New("kek: key destroyed")
	// ErrKeyInUse: a key version cannot be destroyed while records use it.
	ErrKeyInUse = errors.New("kek: key version still in use")
	// ErrAccessDenied: the caller is not allowed to use the key.
	ErrAccessDenied = errors.New("kek: access denied")
	// ErrContextMismatch: the KMS rejected the encryption context.
	ErrContextMismatch = errors.New("kek: encryption context mismatch")
	// ErrUnavailable: the KMS could not be reached or kept failing.
	ErrUnavailable = errors.New("kek: unavailable")
	// ErrInvalidInput: a DEK, AAD, key ID, name or wrapped value is out of
	// bounds.
	ErrInvalidInput = errors.New("kek: invalid input")
)
