package local

import (
	"fmt"
	"os"
	"slices"

	"github.com/tink-crypto/tink-go/v2/aead/aesgcm"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// tinkPrefixSize is the size of Tink's output prefix: 0x01 and a 4-byte
// big-endian key ID.
const tinkPrefixSize = 5

// tinkPrefixByte starts every ciphertext of a key with the TINK prefix.
const tinkPrefixByte = 0x01

// version is one key version of a snapshot.
type version struct {
	status  Status
	primary bool
	aead    tink.AEAD // set only when status is StatusEnabled
}

// A snapshot is an immutable view of one org keyset: what Wrap and Unwrap
// read on the hot path through an atomic pointer. Every change builds a new
// snapshot, with primitives created once.
type snapshot struct {
	org          string
	prefix       string // "local://<org>#v="
	handle       *keyset.Handle
	primary      tink.AEAD
	primaryKeyID string
	order        []uint32 // keyset order, then destroyed versions ascending
	versions     map[uint32]version
	destroyed    []uint32    // sorted ascending, no duplicates
	file         os.FileInfo // the file read or written; nil until then
}

// newSnapshot checks that h holds only AES-256-GCM keys with the TINK prefix
// and builds their primitives. destroyed lists versions removed earlier.
func newSnapshot(org string, h *keyset.Handle, destroyed []uint32) (*snapshot, error) {
	s := &snapshot{
		org:       org,
		prefix:    keyIDPrefix(org),
		handle:    h,
		versions:  make(map[uint32]version, h.Len()+len(destroyed)),
		destroyed: destroyed,
	}
	for i := range h.Len() {
		if err := s.addEntry(h, i); err != nil {
			return nil, err
		}
	}
	if s.primary == nil {
		return nil, fmt.Errorf("%w: no enabled primary key", ErrBadKeyset)
	}
	return s, s.addDestroyed(destroyed)
}

func (s *snapshot) addEntry(h *keyset.Handle, i int) error {
	e, err := h.Entry(i)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadKeyset, err)
	}
	k, ok := e.Key().(*aesgcm.Key)
	if !ok || !supportedKey(k) || e.KeyID() != idRequirement(k) {
		return fmt.Errorf("%w: key %d is not AES-256-GCM with the TINK prefix", ErrBadKeyset, e.KeyID())
	}
	v := version{status: statusOf(e.KeyStatus()), primary: e.IsPrimary()}
	if v.status == StatusEnabled {
		if v.aead, err = aesgcm.NewAEAD(k); err != nil {
			return fmt.Errorf("%w: key %d: %w", ErrBadKeyset, e.KeyID(), err)
		}
	}
	if v.primary {
		s.primary, s.primaryKeyID = v.aead, formatKeyID(s.org, e.KeyID())
	}
	s.versions[e.KeyID()] = v
	s.order = append(s.order, e.KeyID())
	return nil
}

func (s *snapshot) addDestroyed(destroyed []uint32) error {
	for i, id := range destroyed {
		if i > 0 && destroyed[i-1] >= id {
			return fmt.Errorf("%w: destroyed versions not sorted", ErrBadKeyset)
		}
		if _, ok := s.versions[id]; ok {
			return fmt.Errorf("%w: key %d both present and destroyed", ErrBadKeyset, id)
		}
		s.versions[id] = version{status: StatusDestroyed}
		s.order = append(s.order, id)
	}
	return nil
}

func supportedKey(k *aesgcm.Key) bool {
	p, ok := k.Parameters().(*aesgcm.Parameters)
	return ok && p.KeySizeInBytes() == 32 && p.IVSizeInBytes() == 12 &&
		p.TagSizeInBytes() == 16 && p.Variant() == aesgcm.VariantTink
}

func idRequirement(k *aesgcm.Key) uint32 {
	id, _ := k.IDRequirement()
	return id
}

func statusOf(s keyset.KeyStatus) Status {
	switch s {
	case keyset.Enabled:
		return StatusEnabled
	case keyset.Disabled:
		return StatusDisabled
	default:
		return StatusDestroyed
	}
}

// list returns the versions in keyset order, destroyed ones last.
func (s *snapshot) list() []Version {
	out := make([]Version, 0, len(s.order))
	for _, id := range s.order {
		v := s.versions[id]
		out = append(out, Version{KeyID: formatKeyID(s.org, id), TinkID: id, Status: v.status, Primary: v.primary})
	}
	return out
}

// lookup finds the version a key ID names, or the kek error to report.
func (s *snapshot) lookup(keyID string) (uint32, version, error) {
	id, ok := parseVersion(s.prefix, keyID)
	if !ok {
		return 0, version{}, errForeignKeyID
	}
	v, ok := s.versions[id]
	if !ok {
		return 0, version{}, errNoSuchVersion
	}
	return id, v, nil
}

// withDestroyed returns a sorted copy of destroyed with id added.
func withDestroyed(destroyed []uint32, id uint32) []uint32 {
	out := append(slices.Clone(destroyed), id)
	slices.Sort(out)
	return slices.Compact(out)
}
