package vault

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Store errors, matched with errors.Is.
var (
	// ErrNotFound: no record at that reference.
	ErrNotFound = errors.New("vault: record not found")
	// ErrConflict: a compare-and-swap lost: the stored version is not the
	// expected one (or the record exists when creation was expected).
	ErrConflict = errors.New("vault: version conflict")
)

// A Key addresses one record: an organization and a registry within it.
type Key struct {
	Org      string `json:"org"`
	Registry string `json:"registry"`
}

// A Record is one sealed registry credential as a Store keeps it. Only
// Envelope carries ciphertext; KeyID duplicates the envelope's KEK key ID so
// stores can list records by the key that wraps them.
type Record struct {
	Key
	// Version is the compare-and-swap token: assigned by the store,
	// NewRecordVersion() on creation and incremented by every successful
	// Put. A record deleted and created again starts at a fresh random
	// version, so a writer holding the old record's version cannot
	// overwrite the new one (the ABA race a counter restarting at 1 has).
	Version int64
	// KeyID is the KEK key version that wrapped the record's DEK.
	KeyID string
	// Envelope is the sealed record (internal/envelope wire format).
	Envelope []byte
	// UpdatedAt is set by the store on every successful Put.
	UpdatedAt time.Time
}

// errEmptyKeyID refuses a record without a key ID: stored, it would skip
// the key ID check on open, and KeyUsage would count it under "" instead
// of under the KEK version that wraps it.
var errEmptyKeyID = fmt.Errorf("%w: record has an empty key ID", ErrInvalidEntry)

// CheckWritable returns an error wrapping [ErrInvalidEntry] if a Store
// must refuse to write r. Every Store's Put and PutBatch call it.
func (r Record) CheckWritable() error {
	if r.KeyID == "" {
		return errEmptyKeyID
	}
	return nil
}

// A Query selects records for List. Results are ordered by (Org, Registry)
// and start strictly after After; the zero Key starts at the beginning.
type Query struct {
	Org   string // only this org when set
	KeyID string // only records wrapped by this key ID when set
	After Key    // cursor: the last key of the previous page
	Limit int    // page size; stores cap it at MaxPageSize, 0 means DefaultPageSize
}

// Page sizes for Store.List.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// PageSize returns the page size a store uses for q: DefaultPageSize for
// a zero or negative Limit, capped at MaxPageSize.
func (q Query) PageSize() int {
	switch {
	case q.Limit <= 0:
		return DefaultPageSize
	case q.Limit > MaxPageSize:
		return MaxPageSize
	}
	return q.Limit
}

// A Page is one page of List results. Next is the cursor for the following
// page; it is meaningful only when More is true.
type Page struct {
	Records []Record
	Next    Key
	More    bool
}

// A Store keeps sealed records. It never sees plaintext. Implementations are
// safe for concurrent use; vault/storetest is their conformance suite.
type Store interface {
	// Get returns the record at k or ErrNotFound.
	Get(ctx context.Context, k Key) (Record, error)
	// Put writes rec (its Key, KeyID and Envelope) if the stored version
	// equals expect, where expect 0 means the record must not exist. It
	// returns the new version, or ErrConflict leaving the store unchanged.
	// It refuses a record rec.CheckWritable refuses, writing nothing.
	// Put must not retain rec.Envelope after it returns.
	Put(ctx context.Context, rec Record, expect int64) (version int64, err error)
	// Delete removes the record at k if its version equals expect, or
	// unconditionally when expect is 0. ErrNotFound if absent, ErrConflict
	// on a version mismatch.
	Delete(ctx context.Context, k Key, expect int64) error
	// List returns one page of records matching q.
	List(ctx context.Context, q Query) (Page, error)
	// KeyUsage counts records per KEK key ID, for one org or all ("").
	KeyUsage(ctx context.Context, org string) (map[string]int64, error)
}

// NewRecordVersion returns the version a store gives a record it creates:
// random in [1, 2^62), so that increments never overflow and a recreated
// record's versions practically never meet its predecessor's.
func NewRecordVersion() int64 {
	var b [8]byte
	rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:])>>2) | 1
}
