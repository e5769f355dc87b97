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
// fragment ("awskms:///arn:aws:kms:..."); an Azure URL must name a key
// version (see Rotation), so its key ID does. A base64key:// URL holds the key
// itself, so its key ID is "base64key://sha256:<16 hex digits>", the first
// 8 bytes of the SHA-256 of the key. Unwrap accepts only this KEK's key ID
// (kek.ErrKeyNotFound otherwise), except for Azure below.
//
// # Rotation
//
// AWS KMS and Cloud KMS ciphertexts record the key version that made
// them, so rotation inside the KMS (AWS automatic rotation, a new Cloud KMS
// primary version) keeps the URL and needs no rewrap.
//
// Azure Key Vault does not: gocloud decrypts with the version the URL
// names, or the latest one if it names none, and an RSA-OAEP ciphertext
// does not say which version made it. A versionless URL would make every
// DEK unopenable at the first rotation, so an azurekeyvault:// URL must
// name a version,
//
//	azurekeyvault://<vault>.vault.azure.net/keys/<key>/<version>
//
// and KeyID and Open refuse one without (kek.ErrInvalidInput and
// ErrKeyVersionRequired). The key ID names the version. To rotate, create
// the new version in Key Vault, point the org's URL at it (same vault, key
// and algorithm parameter), and run a KEK rewrap (vault.RewrapKEK): the KEK
// wraps under the new version and also unwraps the DEKs whose key ID names
// another version of the same key, opening a keeper for that version, so
// records keep opening while the rewrap moves them. Keep the old version
// enabled until no record uses it.
//
// Moving to another key (another AWS or Cloud KMS key, another Azure key
// name, a new base64key) means a new URL and a KEK that cannot unwrap the
// old key's DEKs (kek.ErrKeyNotFound): they need the old KEK's Unwrap and
// the new KEK's Wrap, which vault.RewrapKEK, unwrapping with the org's
// current KEK, does not do.
//
// # Errors
//
// Errors are *Error values matching a kek sentinel under errors.Is.
// kek.ErrUnwrap, which the vault reports as a corrupt record, means only
// that the ciphertext itself was refused: the AAD or key ID binding did not
// match, the Keeper reported gcerrors.InvalidArgument on Decrypt (AWS
// InvalidCiphertextException, a Cloud KMS INVALID_ARGUMENT, an Azure HTTP
// 400), AWS reported IncorrectKeyException, or the base64key (localsecrets)
// driver, which classifies no error and fails Decrypt only on a bad
// ciphertext, failed.
//
// Other errors, from gocloud's portable codes (gcerrors.Code) and, for
// gocloud's awskms driver, the AWS error code:
//
//	PermissionDenied, AWS AccessDeniedException and     → kek.ErrAccessDenied
//	  credential errors (ExpiredTokenException, ...)
//	FailedPrecondition, AWS DisabledException and       → kek.ErrKeyDisabled
//	  KMSInvalidStateException
//	NotFound                                            → kek.ErrKeyNotFound
//	InvalidArgument on Encrypt, AWS                     → kek.ErrInvalidInput
//	  InvalidKeyUsageException, ValidationException
//	everything else: cancellation, timeouts, throttling → kek.ErrUnavailable
//	  (AWS ThrottlingException), ResourceExhausted,
//	  Internal, network errors, and the Unknown code
//
// Drivers report many failures as Unknown: Azure HTTP 502/503/504, Cloud
// KMS UNAUTHENTICATED and ABORTED, and every hashivault error. These are
// kek.ErrUnavailable, never kek.ErrUnwrap, so an outage or a credential
// problem never makes intact records look tampered with. The price is for
// hashivault: it cannot tell a refused ciphertext from an outage, so a
// corrupt hashivault-wrapped DEK is reported as kek.ErrUnavailable too (the
// binding check still reports kek.ErrUnwrap for what Vault does decrypt).
//
// Errors never contain the URL's query, user info or a base64 key: Open
// does not even wrap gocloud's error, whose text may quote the URL, and
// reports only its code.
package gocloud
