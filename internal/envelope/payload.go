package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// DEKSize is the size of every data-encryption key.
const DEKSize = 32

// ErrCommitment: the DEK does not match the record's key commitment, so the
// record was not sealed under this key.
var ErrCommitment = errors.New("envelope: key commitment mismatch")

// ErrDecrypt: the payload did not authenticate.
var ErrDecrypt = errors.New("envelope: payload authentication failed")

const deriveInfo = "credvault/v1 payload-key commitment"

// DeriveKeys expands a DEK into the payload key and the key commitment with
// HKDF-SHA256 (RFC 5869 Expand; the DEK is uniformly random, so Extract is
// not needed). As in the AWS Encryption SDK's committing suites, the
// commitment is an independent HKDF output stored in the clear: a record
// opens only under the one DEK that produced it.
func DeriveKeys(dek []byte) (payloadKey, commitment [32]byte, err error) {
	if len(dek) != DEKSize {
		return payloadKey, commitment, fmt.Errorf("%w: DEK size %d", ErrMalformed, len(dek))
	}
	var prk [32]byte
	copy(prk[:], dek)
	payloadKey = hmacSHA256(&prk, nil, 1)
	commitment = hmacSHA256(&prk, payloadKey[:], 2)
	clear(prk[:])
	return payloadKey, commitment, nil
}

// hmacSHA256 computes HKDF-Expand's block T(i) = HMAC-SHA256(prk, prev ||
// deriveInfo || i) with stack buffers: crypto/hmac allocates a hasher pair
// per key, which is most of the cost when every key is used once.
// TestDeriveKeysIsHKDF checks it against crypto/hkdf.
func hmacSHA256(prk *[32]byte, prev []byte, i byte) [32]byte {
	const block = sha256.BlockSize
	var inner [block + 32 + len(deriveInfo) + 1]byte
	var outer [block + sha256.Size]byte
	for j := range block {
		k := byte(0)
		if j < len(prk) {
			k = prk[j]
		}
		inner[j], outer[j] = k^0x36, k^0x5c
	}
	n := block + copy(inner[block:], prev)
	n += copy(inner[n:], deriveInfo)
	inner[n] = i
	sum := sha256.Sum256(inner[:n+1])
	copy(outer[block:], sum[:])
	out := sha256.Sum256(outer[:])
	clear(inner[:])
	clear(outer[:])
	return out
}

// CheckCommitment compares the commitment derived from a DEK with the one
// stored in the record, in constant time.
func CheckCommitment(derived, stored [32]byte) error {
	if subtle.ConstantTimeCompare(derived[:], stored[:]) != 1 {
		return ErrCommitment
	}
	return nil
}

func newAEAD(alg byte, key []byte) (cipher.AEAD, error) {
	switch alg {
	case AlgXChaCha20Poly1305:
		return chacha20poly1305.NewX(key)
	case AlgAES256GCM:
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(block)
	}
	return nil, fmt.Errorf("%w: algorithm %d", ErrUnsupportedVersion, alg)
}

// Seal appends the encrypted and authenticated plaintext to dst.
func Seal(dst []byte, alg byte, key *[32]byte, nonce *[NonceSize]byte, plaintext, aad []byte) ([]byte, error) {
	a, err := newAEAD(alg, key[:])
	if err != nil {
		return nil, err
	}
	return a.Seal(dst, nonce[:a.NonceSize()], plaintext, aad), nil
}

// Open decrypts ciphertext into dst, returning ErrDecrypt on any
// authentication failure.
func Open(dst []byte, alg byte, key *[32]byte, nonce *[NonceSize]byte, ciphertext, aad []byte) ([]byte, error) {
	a, err := newAEAD(alg, key[:])
	if err != nil {
		return nil, err
	}
	out, err := a.Open(dst, nonce[:a.NonceSize()], ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// Overhead returns the ciphertext expansion of alg.
func Overhead(alg byte) int {
	if alg == AlgAES256GCM {
		return 16
	}
	return chacha20poly1305.Overhead
}
