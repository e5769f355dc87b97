// Package memstore is an in-memory [vault.Store].
//
// It suits tests, examples and short-lived processes: records vanish with the
// process.
//
// # Structure and costs
//
// Each record lives in its own entry, found by a map from [vault.Key]: Get,
// Put and Delete cost one map lookup (expected O(1)) plus the copy of the
// envelope. Entries are also kept in key order, in ordered lists of entry
// pointers split into chunks of at most 512: one list of every record, and
// one per KEK key ID. Creating or deleting a record, or changing its key
// ID, updates those lists at O(log n) key comparisons plus moving at most
// one chunk of pointers (never the records themselves, though a chunk
// split or an emptied chunk moves the list's n/256 or so chunk headers); a
// Put that keeps the key ID touches no list. Writes in key order cost one comparison per
// list instead of a binary search: a key after the list's last is
// appended, the list's first key is removed from the front, and a record
// following the one a batch last moved off a key ID's list is found there
// without the map. A KEK rotation's PutBatch hits all three.
//
// List costs a binary search plus the page it returns, whether or not it
// filters by key ID: paging through a key ID's records never scans
// another's. KeyUsage costs one step per (org, key ID) pair counted.
//
// # Copies
//
// Envelope bytes are copied on the way in and on the way out: a caller that
// mutates a slice it passed to Put, or one it received from Get or List, does
// not change what the store holds. A Put that replaces a record reuses the
// store's own envelope buffer when it fits. The envelopes of one List page
// are copied into one buffer, each record's slice capped at its own end, so
// a page costs two allocations; keeping any record of a page keeps that
// buffer alive. ListInto ([vault.PageLister]) lists into the caller's
// record slice and buffer instead, allocating only when they are too
// small.
//
// # Errors
//
// Methods return [vault.ErrNotFound] and [vault.ErrConflict] as the
// [vault.Store] contract describes, and the context's error when ctx is done
// before the call starts. Put and PutBatch refuse a record with an empty
// KeyID with an error wrapping [vault.ErrInvalidEntry].
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/credvault/credvault/vault"
)

var _ vault.Store = (*Store)(nil)

// Store is an in-memory [vault.Store], safe for concurrent use. The zero
// value is not ready: create one with [New].
type Store struct {
	mu sync.RWMutex
	// byKey finds every record's entry.
	byKey map[vault.Key]*entry
	// all lists every entry in key order.
	all ordered
	// byKeyID lists, per KEK key ID, its records' entries in key order.
	byKeyID map[string]*ordered
	// tallies counts records per org, then key ID.
	tallies map[string]map[string]*tally
	// last is the tally most recently looked up, or nil.
	last *tally
	// finger is where an entry was last removed from a key ID's list.
	finger finger
	// now returns the time stamped on writes.
	now func() time.Time
	// leaseMu guards leases, the leases by name (see lease.go).
	leaseMu sync.Mutex
	leases  map[string]vault.Lease
}

// An entry holds one record, its envelope owned by the store.
type entry struct {
	rec vault.Record
	// tally counts the records of rec's org and key ID.
	tally *tally
	// health is the record's stored health, nil until PutHealth.
	health *vault.Health
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		byKey:   make(map[vault.Key]*entry),
		byKeyID: make(map[string]*ordered),
		tallies: make(map[string]map[string]*tally),
		now:     func() time.Time { return time.Now().UTC().Round(0) },
	}
}

// clone returns r with its own copy of the envelope, never nil.
func clone(r vault.Record) vault.Record {
	r.Envelope = append([]byte{}, r.Envelope...)
	return r
}

// Get returns the record at k or [vault.ErrNotFound].
func (s *Store) Get(ctx context.Context, k vault.Key) (vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return vault.Record{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.byKey[k]
	if e == nil {
		return vault.Record{}, vault.ErrNotFound
	}
	return clone(e.rec), nil
}

// Put writes rec's Key, KeyID and Envelope if the stored version equals
// expect (0: the record must not exist) and returns the new version, or
// [vault.ErrConflict] leaving the store unchanged. A record with an empty
// KeyID is refused with an error wrapping [vault.ErrInvalidEntry].
func (s *Store) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocked(rec, expect, s.now())
}

// putLocked is Put with s.mu held, stamping now on the record written.
func (s *Store) putLocked(rec vault.Record, expect int64, now time.Time) (int64, error) {
	if err := rec.CheckWritable(); err != nil {
		return 0, err
	}
	e := s.lookup(rec.Key)
	switch {
	case expect == 0 && e == nil:
		e = &entry{rec: clone(rec)}
		e.rec.Version, e.rec.UpdatedAt = vault.NewRecordVersion(), now
		s.byKey[rec.Key] = e
		s.all.insert(e)
		s.index(e)
	case expect > 0 && e != nil && e.rec.Version == expect:
		s.update(e, rec, now)
	default:
		return 0, vault.ErrConflict
	}
	return e.rec.Version, nil
}

// update writes rec's KeyID and Envelope over e's record, which has rec's
// key, and moves e to the key ID's list if that changed.
func (s *Store) update(e *entry, rec vault.Record, now time.Time) {
	e.rec.Envelope = reuse(e.rec.Envelope, rec.Envelope)
	e.rec.Version++
	e.rec.UpdatedAt = now
	if e.rec.KeyID != rec.KeyID {
		s.unindex(e)
		e.rec.KeyID = rec.KeyID
		s.index(e)
	}
}

// reuse returns a copy of src, in buf when buf is the store's own and
// large enough without wasting more than half of it.
func reuse(buf, src []byte) []byte {
	if cap(buf) >= len(src) && cap(buf) <= 2*len(src)+64 {
		return append(buf[:0], src...)
	}
	return append([]byte{}, src...)
}

// Delete removes the record at k if its version equals expect, or
// unconditionally when expect is 0.
func (s *Store) Delete(ctx context.Context, k vault.Key, expect int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.byKey[k]
	if e == nil {
		return vault.ErrNotFound
	}
	if expect != 0 && e.rec.Version != expect {
		return vault.ErrConflict
	}
	delete(s.byKey, k)
	s.all.remove(k)
	s.unindex(e)
	return nil
}
