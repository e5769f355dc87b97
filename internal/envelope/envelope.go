// Package envelope is credvault's sealed-record wire format and the
// associated-data encoding that binds a record to its place.
//
// # Wire format (version 1)
//
//	offset  size  field
//	0       1     version (0x01)
//	1       1     payload AEAD (AlgChaCha20Poly1305, AlgXChaCha20Poly1305
//	              or AlgAES256GCM)
//	2       2+n   kind        (u16 big-endian length, n <= MaxKindSize)
//	        2+n   meta        (u16 length, n <= MaxMetaSize; non-secret metadata)
//	        2+n   key ID      (u16 length, n <= kek.MaxKeyIDSize)
//	        2+n   wrapped DEK (u16 length, n <= kek.MaxWrappedSize)
//	        32    key commitment
//	        0/24  nonce: absent for AlgChaCha20Poly1305, whose nonce is fixed
//	              at zero; 24 bytes for the others (AES-GCM uses the first
//	              12; the rest are zero)
//	        4+n   ciphertext  (u32 length, n <= MaxCiphertextSize)
//
// The algorithm byte is checked before anything after it is read, since
// it sets the nonce field's size. Every length is checked against its cap
// and against the remaining input before slicing; trailing bytes are
// refused. Parsing never panics.
//
// # Payload algorithms
//
// AlgChaCha20Poly1305, the default, encrypts under the DEK itself with
// the all-zero nonce: every DEK is drawn fresh for one write and
// encrypts exactly one payload (a rewrap keeps the DEK and its one
// ciphertext; a re-seal draws a new DEK), so a (key, nonce) pair never
// repeats. That is the argument that lets the AWS Encryption SDK derive
// deterministic IVs under per-message keys; SECURITY.md states it in
// full. AlgXChaCha20Poly1305 (random 24-byte nonce) and AlgAES256GCM
// (random 12-byte nonce, key derived from the DEK) are what earlier
// releases sealed with; both still seal and open.
//
// # Associated data
//
// Both AADs are a label followed by u32-length-prefixed fields, so no two
// distinct field tuples encode alike. The DEK-wrap AAD binds version, org,
// registry and kind; the payload AAD binds version, algorithm, org,
// registry, kind and metadata (see [PayloadAAD]).
//
// # Keys
//
// The DEK only ever enters a PRF or a hash: the commitment is a one-step
// KDF of it (see [Commit]); ChaCha20-Poly1305 takes it as the key of the
// ChaCha20 PRF; XChaCha20-Poly1305 takes it as the key of its HChaCha20
// step, which derives the per-nonce subkey that encrypts; and
// AES-256-GCM's key is a one-step KDF of it (see [Seal]).
package envelope

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek"
)

// Format constants.
const (
	Version1 byte = 1

	AlgXChaCha20Poly1305 byte = 1
	AlgAES256GCM         byte = 2
	AlgChaCha20Poly1305  byte = 3

	CommitmentSize    = 32
	NonceSize         = 24
	MaxKindSize       = 64
	MaxMetaSize       = 48 << 10 // room for a CA bundle (16 KiB before them)
	MaxCiphertextSize = 1 << 20
)

// Errors, matched with errors.Is.
var (
	// ErrMalformed: the bytes are not a well-formed envelope.
	ErrMalformed = errors.New("envelope: malformed record")
	// ErrUnsupportedVersion: an unknown format version or algorithm.
	ErrUnsupportedVersion = errors.New("envelope: unsupported version")
)

// An Envelope is one parsed sealed record. Slices alias the parsed input.
type Envelope struct {
	Version    byte
	Alg        byte
	Kind       string
	Meta       []byte
	KeyID      string
	WrappedDEK []byte
	Commitment [CommitmentSize]byte
	Nonce      [NonceSize]byte
	Ciphertext []byte
}

// HeaderSize returns the encoded size of everything before the ciphertext.
func (e *Envelope) HeaderSize() int {
	return 2 + 2 + len(e.Kind) + 2 + len(e.Meta) + 2 + len(e.KeyID) + 2 + len(e.WrappedDEK) +
		CommitmentSize + nonceField(e.Alg) + 4
}

// AppendHeader appends the encoded header (up to and including the
// ciphertext length) for a ciphertext of ctLen bytes.
func (e *Envelope) AppendHeader(b []byte, ctLen int) ([]byte, error) {
	if err := e.checkCaps(ctLen); err != nil {
		return nil, err
	}
	b = append(b, e.Version, e.Alg)
	b = appendU16(b, []byte(e.Kind))
	b = appendU16(b, e.Meta)
	b = appendU16(b, []byte(e.KeyID))
	b = appendU16(b, e.WrappedDEK)
	b = append(b, e.Commitment[:]...)
	b = append(b, e.Nonce[:nonceField(e.Alg)]...)
	return binary.BigEndian.AppendUint32(b, uint32(ctLen)), nil
}

func (e *Envelope) checkCaps(ctLen int) error {
	switch {
	case e.Version != Version1:
		return fmt.Errorf("%w: version %d", ErrUnsupportedVersion, e.Version)
	case !knownAlg(e.Alg):
		return fmt.Errorf("%w: algorithm %d", ErrUnsupportedVersion, e.Alg)
	case len(e.Kind) == 0 || len(e.Kind) > MaxKindSize:
		return fmt.Errorf("%w: kind length %d", ErrMalformed, len(e.Kind))
	case len(e.Meta) > MaxMetaSize:
		return fmt.Errorf("%w: metadata length %d", ErrMalformed, len(e.Meta))
	case len(e.KeyID) == 0 || len(e.KeyID) > kek.MaxKeyIDSize:
		return fmt.Errorf("%w: key ID length %d", ErrMalformed, len(e.KeyID))
	case len(e.WrappedDEK) == 0 || len(e.WrappedDEK) > kek.MaxWrappedSize:
		return fmt.Errorf("%w: wrapped DEK length %d", ErrMalformed, len(e.WrappedDEK))
	case ctLen < 0 || ctLen > MaxCiphertextSize:
		return fmt.Errorf("%w: ciphertext length %d", ErrMalformed, ctLen)
	case !allZero(e.Nonce[NonceLen(e.Alg):]):
		return fmt.Errorf("%w: nonce bytes past the algorithm's %d are not zero", ErrMalformed, NonceLen(e.Alg))
	}
	return nil
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func appendU16(b, field []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(field)))
	return append(b, field...)
}

// Marshal encodes e, header and ciphertext, into a new slice.
func (e *Envelope) Marshal() ([]byte, error) {
	return e.Append(nil)
}

// Append appends the encoded e, header and ciphertext, to dst, growing it
// at most once.
func (e *Envelope) Append(dst []byte) ([]byte, error) {
	out, err := e.AppendHeader(slices.Grow(dst, e.HeaderSize()+len(e.Ciphertext)), len(e.Ciphertext))
	if err != nil {
		return nil, err
	}
	return append(out, e.Ciphertext...), nil
}

// Parse decodes an envelope. The returned Envelope aliases b.
func Parse(b []byte) (Envelope, error) {
	return parse(b, "")
}

// ParseStored decodes an envelope read from a store row whose key ID
// column holds keyID, and refuses it with ErrMalformed when the column is
// empty or the envelope names another key ID: rotation and key
// retirement find a record's KEK version by that column alone. The
// returned Envelope aliases b and keyID.
func ParseStored(b []byte, keyID string) (Envelope, error) {
	if keyID == "" {
		return Envelope{}, fmt.Errorf("%w: the store's key ID column is empty", ErrMalformed)
	}
	return parse(b, keyID)
}

// parse decodes b; a non-empty keyID is the key ID b must name.
func parse(b []byte, keyID string) (e Envelope, err error) {
	r := reader{b: b}
	e.Version, e.Alg = r.byte(), r.byte()
	switch {
	case r.err != nil:
		return Envelope{}, r.err
	case e.Version != Version1:
		return Envelope{}, fmt.Errorf("%w: version %d", ErrUnsupportedVersion, e.Version)
	case !knownAlg(e.Alg):
		return Envelope{}, fmt.Errorf("%w: algorithm %d", ErrUnsupportedVersion, e.Alg)
	}
	e.Kind = kindName(r.u16Field("kind", MaxKindSize))
	e.Meta = r.u16Field("metadata", MaxMetaSize)
	e.KeyID = keyIDField(&r, keyID)
	e.WrappedDEK = r.u16Field("wrapped DEK", kek.MaxWrappedSize)
	copy(e.Commitment[:], r.fixed(CommitmentSize))
	copy(e.Nonce[:], r.fixed(nonceField(e.Alg)))
	ctLen := r.u32()
	if r.err == nil && ctLen > MaxCiphertextSize {
		r.fail("ciphertext length %d over cap", ctLen)
	}
	e.Ciphertext = r.fixed(int(ctLen))
	if r.err == nil && r.off != len(b) {
		r.fail("%d trailing bytes", len(b)-r.off)
	}
	if r.err != nil {
		return Envelope{}, r.err
	}
	if err := e.checkCaps(len(e.Ciphertext)); err != nil {
		return Envelope{}, err
	}
	return e, nil
}

// kinds are the names kindName returns without a copy.
var kinds = credentials.Kinds()

// kindName returns b as a string, sharing the constant when b names a
// known credential kind. Unknown kinds still parse: the payload decoder
// is what refuses them.
func kindName(b []byte) string {
	for _, k := range kinds {
		if string(b) == string(k) {
			return string(k)
		}
	}
	return string(b)
}

// keyIDField reads the key ID; a non-empty want is the one it must be,
// returned without a copy.
func keyIDField(r *reader, want string) string {
	b := r.u16Field("key ID", kek.MaxKeyIDSize)
	switch {
	case r.err != nil || want == "":
		return string(b)
	case string(b) != want:
		r.fail("key ID disagrees with the store's key ID column")
		return ""
	}
	return want
}

// reader is a bounds-checked cursor; after the first error every read
// returns zero values and the error sticks.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (r *reader) fixed(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail("truncated at offset %d", r.off)
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}

func (r *reader) byte() byte {
	if s := r.fixed(1); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if s := r.fixed(4); s != nil {
		return binary.BigEndian.Uint32(s)
	}
	return 0
}

func (r *reader) u16Field(name string, max int) []byte {
	s := r.fixed(2)
	if s == nil {
		return nil
	}
	n := int(binary.BigEndian.Uint16(s))
	if n > max {
		r.fail("%s length %d over cap %d", name, n, max)
		return nil
	}
	return r.fixed(n)
}
