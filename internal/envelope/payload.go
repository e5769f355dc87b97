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

// Commit returns the key commitment of dek: the one-step KDF of NIST
// SP 800-56C Rev. 2 (section 4.1, option 1: H(counter || Z || FixedInfo)
// with H = SHA-256 and counter = 1) over the commitment label. It is
// stored in the clear and compared before decryption, so a record opens
// under the one DEK that produced it: two DEKs with equal commitments
// would be a SHA-256 collision. It plays the role of the AWS Encryption
// SDK's HKDF-derived commitment key at the cost of one SHA-256 block,
// which matters when every DEK is used exactly once.
func Commit(dek []byte) ([32]byte, error) {
	if len(dek) != DEKSize {
		return [32]byte{}, fmt.Errorf("%w: DEK size %d", ErrMalformed, len(dek))
	}
	return oneStepKDF(dek, labelCommitment), nil
}

// CheckCommitment derives dek's commitment and compares it with the one
// stored in the record, in constant time.
func CheckCommitment(dek []byte, stored *[32]byte) error {
	c, err := Commit(dek)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(c[:], stored[:]) != 1 {
		return ErrCommitment
	}
	return nil
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

// payloadAEAD returns alg's AEAD keyed from the DEK, never by the DEK as
// a bare cipher key:
//   - XChaCha20-Poly1305 takes the DEK as its key, because its first step
//     is already a key derivation: HChaCha20 (a PRF) turns the DEK and the
//     first 16 nonce bytes into the subkey ChaCha20-Poly1305 uses.
//   - AES-256-GCM has no such step, so its key is the one-step KDF of the
//     DEK over a payload label.
//
// Either way the DEK only enters PRFs and hashes, and the payload key is
// independent of the commitment.
func payloadAEAD(alg byte, dek []byte) (cipher.AEAD, error) {
	if len(dek) != DEKSize {
		return nil, fmt.Errorf("%w: DEK size %d", ErrMalformed, len(dek))
	}
	switch alg {
	case AlgXChaCha20Poly1305:
		return chacha20poly1305.NewX(dek)
	case AlgAES256GCM:
		key := oneStepKDF(dek, labelPayloadKey)
		defer clear(key[:])
		block, err := aes.NewCipher(key[:])
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(block)
	}
	return nil, fmt.Errorf("%w: algorithm %d", ErrUnsupportedVersion, alg)
}

// Seal appends the plaintext, encrypted and authenticated under the
// payload key of dek (see [Commit] for the commitment), to dst.
func Seal(dst []byte, alg byte, dek []byte, nonce *[NonceSize]byte, plaintext, aad []byte) ([]byte, error) {
	a, err := payloadAEAD(alg, dek)
	if err != nil {
		return nil, err
	}
	return a.Seal(dst, nonce[:a.NonceSize()], plaintext, aad), nil
}

// Open decrypts ciphertext sealed by [Seal] into dst, returning
// ErrDecrypt on any authentication failure.
func Open(dst []byte, alg byte, dek []byte, nonce *[NonceSize]byte, ciphertext, aad []byte) ([]byte, error) {
	a, err := payloadAEAD(alg, dek)
	if err != nil {
		return nil, err
	}
	out, err := a.Open(dst, nonce[:a.NonceSize()], ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// NonceLen returns how many of a record's [NonceSize] nonce bytes alg
// uses; the rest must be zero, so that no byte of a record goes
// unauthenticated.
func NonceLen(alg byte) int {
	if alg == AlgAES256GCM {
		return 12
	}
	return NonceSize
}

// Overhead returns the ciphertext expansion of alg.
func Overhead(alg byte) int {
	if alg == AlgAES256GCM {
		return 16
	}
	return chacha20poly1305.Overhead
}
