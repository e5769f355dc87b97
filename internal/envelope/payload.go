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

// Labels for the one-step key derivation. Each fits, with the 4-byte
// counter and the 32-byte DEK, in one SHA-256 block.
const (
	labelPayloadKey = "credvault/v1 key"
	labelCommitment = "credvault/v1 commit"
)

// DeriveKeys derives the payload key and the key commitment from a DEK
// with the one-step KDF of NIST SP 800-56C Rev. 2 (section 4.1, option 1:
// H(counter || Z || FixedInfo) with H = SHA-256 and counter = 1), once
// per label. The commitment is stored in the clear and compared before
// decryption, so a record opens under the one DEK that produced it: two
// DEKs with equal commitments would be a SHA-256 collision. This plays
// the role of the AWS Encryption SDK's HKDF-derived commitment key, but
// costs one SHA-256 block per output instead of an HMAC per output, which
// matters when every DEK is used exactly once.
func DeriveKeys(dek []byte) (payloadKey, commitment [32]byte, err error) {
	if len(dek) != DEKSize {
		return payloadKey, commitment, fmt.Errorf("%w: DEK size %d", ErrMalformed, len(dek))
	}
	return oneStepKDF(dek, labelPayloadKey), oneStepKDF(dek, labelCommitment), nil
}

// oneStepKDF is SHA-256(0x00000001 || z || label) on a stack buffer that
// is cleared before returning.
func oneStepKDF(z []byte, label string) [32]byte {
	var buf [4 + DEKSize + 32]byte
	buf[3] = 1
	n := 4 + copy(buf[4:], z)
	n += copy(buf[n:], label)
	out := sha256.Sum256(buf[:n])
	clear(buf[:])
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
