package envelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
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
	okm, err := hkdf.Expand(sha256.New, dek, deriveInfo, 64)
	if err != nil {
		return payloadKey, commitment, err
	}
	copy(payloadKey[:], okm[:32])
	copy(commitment[:], okm[32:])
	clear(okm)
	return payloadKey, commitment, nil
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
