// Package gocloud is a kek.KEK over any gocloud.dev/secrets Keeper, opened
// by URL: awskms://, gcpkms://, azurekeyvault://, hashivault://,
// base64key:// and any other registered scheme.
//
// # Drivers
//
// This package registers no drivers. The application blank-imports the
// ones it uses, as gocloud's documentation asks, so a binary carries only
// the clouds it needs:
//
//	import _ "gocloud.dev/secrets/gcpkms"
//
// # kek.Open
//
// Importing this package registers the gcpkms, azurekeyvault, hashivault
// and base64key schemes with kek.Open and the kek resolvers (the drivers
// still need their blank imports). It does not register awskms, which
// kek/awskms owns; gocloud's awskms driver stays reachable through this
// package's Open.
//
// # AAD binding
//
// A Keeper has no associated data, so the KEK binds the AAD itself: the
// plaintext given to the Keeper is
//
//	version (1 byte, 0x01) || SHA-256(uint16(len(keyID)) || keyID || aad) || DEK
//
// and Unwrap compares the hash in constant time, failing with kek.ErrUnwrap
// on a mismatch. The Keeper's own authenticated encryption protects the
// whole plaintext. The key ID is bound too because some Keepers (gocloud's
// awskms) decrypt any ciphertext the credentials can reach: binding it
// makes a KEK refuse DEKs wrapped by another KEK sharing those credentials.
//
// # Key IDs
//
// A Keeper exposes no key versions, so the key ID is the URL with every
// secret removed: scheme, host and path, without user info, query or
// fragment ("awskms:///arn:aws:kms:..."). A base64key:// URL holds the key
// itself, so its key ID is "base64key://sha256:<16 hex digits>", the first
// 8 bytes of the SHA-256 of the key. Unwrap accepts only this KEK's key ID
// (kek.ErrKeyNotFound otherwise). Rotation inside the KMS (for example AWS
// automatic rotation) keeps the URL and needs no rewrap; moving to another
// key means a new URL, a new KEK and an Unwrap+Wrap rotation.
//
// # Errors
//
// Errors are *Error values matching a kek sentinel under errors.Is, mapped
// from gocloud's portable codes (gcerrors.Code): NotFound →
// kek.ErrKeyNotFound, PermissionDenied → kek.ErrAccessDenied (gocloud's
// awskms driver also reports a disabled key this way), FailedPrecondition →
// kek.ErrKeyDisabled, cancellation, timeouts, exhaustion, internal and
// network errors → kek.ErrUnavailable, and a ciphertext the Keeper refuses
// → kek.ErrUnwrap. Errors never contain the URL's query, user info or a
// base64 key: Open does not even wrap gocloud's error, whose text may quote
// the URL, and reports only its code.
package gocloud
