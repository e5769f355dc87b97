// Package kmsemu is an in-process AWS KMS emulator for tests. It speaks the
// real AWS JSON 1.1 wire protocol, so the real aws-sdk-go-v2 kms client (and
// anything built on it, such as gocloud.dev/secrets/awskms) can be pointed at
// it with BaseEndpoint and exercised end to end without a network.
//
// # Protocol
//
// Every call is "POST /" with "X-Amz-Target: TrentService.<Operation>",
// "Content-Type: application/x-amz-json-1.1" and a JSON body whose binary
// fields (Plaintext, CiphertextBlob) are standard base64. Errors are HTTP
// 400 (500 for KMSInternalException, 503 for DependencyTimeoutException,
// 403 for a missing signature) with a body {"__type":"<Exception>",
// "message":"..."}, which the SDK maps to its typed errors
// (*types.NotFoundException and so on).
//
// The emulator requires a SigV4 Authorization header whose credential scope
// names the "kms" service and the emulator's region (WithRegion); like real
// KMS it answers a request signed for another service or region with
// InvalidSignatureException, so a client aimed at the wrong region fails
// here as it would against AWS. It does not verify the signature itself.
//
// # Keys and ciphertexts
//
// Keys are AES-256-GCM keys with one or more backing versions
// (RotateKeyOnDemand adds one; old versions keep decrypting). Key IDs are
// UUIDs, or "mrk-<hex>" for multi-Region keys; KeyId parameters accept a key
// ID, key ARN, alias name or alias ARN. Ciphertext blobs use the emulator's
// own format (see the blob type): they embed the key ID and backing version
// and bind the canonicalised EncryptionContext as associated data, so
// Decrypt requires exactly the context used at encryption, as real KMS does.
//
// # Faults
//
// Latency, throttling (next N calls or a fraction of calls), internal
// errors, dropped connections and an access-deny list can be set at any time,
// concurrently with requests. Per-operation call counters support
// assertions and benchmarks.
//
// The emulator is test infrastructure: its key material lives in memory and
// it makes no attempt at side-channel resistance.
package kmsemu
