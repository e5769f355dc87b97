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

// payloadAEAD returns alg's AEAD keyed from the DEK:
//   - ChaCha20-Poly1305 takes the DEK as its key: ChaCha20 is a PRF, and
//     the DEK encrypts exactly one payload, under the fixed zero nonce.
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
	case AlgChaCha20Poly1305:
		return chacha20poly1305.New(dek)
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
// payload key of dek (see [Commit] for the commitment), to dst. The
// AEAD takes the first NonceLen(alg) bytes of nonce; AlgChaCha20Poly1305
// takes none: its nonce is fixed at zero, and nonce may be nil.
func Seal(dst []byte, alg byte, dek []byte, nonce *[NonceSize]byte, plaintext, aad []byte) ([]byte, error) {
	a, err := payloadAEAD(alg, dek)
	if err != nil {
		return nil, err
	}
	return a.Seal(dst, aeadNonce(alg, nonce), plaintext, aad), nil
}

// zeroNonce is AlgChaCha20Poly1305's nonce.
var zeroNonce [chacha20poly1305.NonceSize]byte

// aeadNonce returns the nonce alg's AEAD takes from a record's nonce.
func aeadNonce(alg byte, nonce *[NonceSize]byte) []byte {
	if alg == AlgChaCha20Poly1305 {
		return zeroNonce[:]
	}
	return nonce[:NonceLen(alg)]
}

// Open decrypts ciphertext sealed by [Seal] into dst, returning
// ErrDecrypt on any authentication failure.
func Open(dst []byte, alg byte, dek []byte, nonce *[NonceSize]byte, ciphertext, aad []byte) ([]byte, error) {
	a, err := payloadAEAD(alg, dek)
	if err != nil {
		return nil, err
	}
	out, err := a.Open(dst, aeadNonce(alg, nonce), ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// knownAlg reports whether alg is a payload algorithm of this format.
func knownAlg(alg byte) bool {
	return alg == AlgChaCha20Poly1305 || alg == AlgXChaCha20Poly1305 || alg == AlgAES256GCM
}

// NonceLen returns how many of a record's [NonceSize] nonce bytes alg
// uses and a sealer draws at random: none for AlgChaCha20Poly1305, whose
// nonce is fixed at zero. The rest must be zero, so that no byte of a
// record goes unauthenticated.
func NonceLen(alg byte) int {
	switch alg {
	case AlgChaCha20Poly1305:
		return 0
	case AlgAES256GCM:
		return 12
	}
	return NonceSize
}

// nonceField returns the size of the nonce field on the wire: absent for
// AlgChaCha20Poly1305, the full NonceSize for the algorithms that came
// before it.
func nonceField(alg byte) int {
	if alg == AlgChaCha20Poly1305 {
		return 0
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
