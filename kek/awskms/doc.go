// Package awskms is a kek.KEK backed by AWS KMS through aws-sdk-go-v2.
//
// A KEK is configured with a KMS key identifier in any form KMS accepts: a
// key ID, a key ARN, an alias name ("alias/acme") or an alias ARN, for
// single-Region or multi-Region ("mrk-") keys. It talks to KMS through the
// small KMSAPI interface, which *kms.Client satisfies.
//
// # Key IDs
//
// Wrap records as key ID the concrete key ARN KMS reports in the Encrypt
// response, never the alias, so Unwrap goes to the exact key even after an
// alias moves. Unwrap accepts only key ARNs. KMS automatic or on-demand
// rotation keeps the ARN (old backing keys keep decrypting), so it needs no
// rewrap; moving an alias to a new key does, and Rewrap does it with
// ReEncrypt without the plaintext DEK entering the process.
//
// Unwrap and Rewrap accept only DEKs recorded under this KEK's key: the
// current key (when the KEK is configured with a key ID or ARN this needs
// no call; with an alias it needs kms:DescribeKey) or an ARN listed with
// WithAllowedKeys. Credentials that reach many keys therefore do not let
// one org's KEK unwrap another's DEKs. Before retargeting an alias, list
// the old key's ARN with WithAllowedKeys until the rotation job is done.
//
// Multi-Region keys are used through the ARN of the client's Region; a DEK
// recorded with another Region's replica ARN must be unwrapped with a KEK
// (and client) in that Region: this package does not rewrite ARNs across
// Regions.
//
// CurrentKeyID resolves the configured identifier with DescribeKey and
// caches the ARN for a short time (WithKeyIDCacheTTL, default 30 seconds).
// A retargeted alias is therefore noticed by CurrentKeyID within that time,
// and by Wrap immediately (Wrap reports the ARN KMS actually used and
// refreshes the cache).
//
// # Encryption context
//
// KMS has no opaque associated data, so the AAD's Data is carried in the
// EncryptionContext as {"credvault:aad": base64url(SHA-256(Data))}; each of
// its Labels (the vault passes org and registry) is added as a
// "credvault:<name>" entry, so CloudTrail shows which org and registry a
// call was for. KMS requires the exact same context on Decrypt: other
// Data or other Labels fail (kek.ErrUnwrap or kek.ErrContextMismatch).
// Give Unwrap and Rewrap the same kek.AAD as Wrap. At most 8 labels are
// accepted, with distinct names of [a-z0-9_.-]{1,64} other than "aad" and
// values of at most kek.MaxRegistrySize bytes; others fail with
// kek.ErrInvalidInput. Records sealed before labels became a kek.AAD field
// (when they were attached to the context) have the same context and
// keep opening.
//
// # URLs
//
// Importing this package registers the "awskms" scheme with kek.Open and
// the kek resolvers, following gocloud's awskms URL convention (the key
// identifier is host and path; an ARN follows three slashes):
//
//	awskms://alias/credvault-acme?region=eu-west-1
//	awskms://mrk-1234abcd12ab34cd56ef1234567890ab?region=eu-west-1
//	awskms:///arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
//
// Parameters: region, endpoint, profile, max_attempts, allowed_key
// (repeatable) and key_id_cache_ttl; credentials come from
// config.LoadDefaultConfig. URL errors match ErrInvalidURL and never quote
// the query.
//
// # Errors
//
// Errors are *Error values that match a kek sentinel under errors.Is:
// NotFoundException → kek.ErrKeyNotFound; DisabledException and
// KMSInvalidStateException → kek.ErrKeyDisabled; AccessDeniedException
// (and signature/credential failures) → kek.ErrAccessDenied;
// InvalidCiphertextException and IncorrectKeyException → kek.ErrUnwrap;
// ValidationException and InvalidKeyUsageException → kek.ErrInvalidInput;
// throttling, KMS internal errors, timeouts and network failures (after
// the SDK's retries) → kek.ErrUnavailable. KMS reports a wrong encryption
// context as InvalidCiphertextException, indistinguishable from a corrupt
// ciphertext, so this package never returns kek.ErrContextMismatch. The
// SDK error stays reachable with errors.As; cancelled contexts also match
// context.Canceled or context.DeadlineExceeded.
//
// # Retries
//
// Retries are the SDK's: the client's retryer (standard mode: exponential
// backoff with jitter, throttling-aware) retries throttling, 5xx and
// transport errors. WithMaxAttempts overrides the attempt count for this
// KEK's calls. KMS quotas are shared per account and Region; rotation jobs
// should rate-limit on top.
package awskms
