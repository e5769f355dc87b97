// Package memstore is an in-memory [vault.Store].
//
// It suits tests, examples and short-lived processes: records vanish with the
// process. It keeps records in a slice sorted by (Org, Registry) and a sorted
// index per KEK key ID, so Get and Put cost a binary search (plus the slice
// copy of an insertion) and List costs a binary search plus the page it
// returns.
//
// # Copies
//
// Envelope bytes are copied on the way in and on the way out: a caller that
// mutates a slice it passed to Put, or one it received from Get or List, does
// not change what the store holds.
//
// # Errors
//
// Methods return [vault.ErrNotFound] and [vault.ErrConflict] as the
// [vault.Store] contract describes, and the context's error when ctx is done
// before the call starts.
package memstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/credvault/credvault/vault"
)

var _ vault.Store = (*Store)(nil)

// Store is an in-memory [vault.Store], safe for concurrent use. The zero
// value is not ready: create one with [New].
type Store struct {
	mu sync.RWMutex
	// recs holds every record, sorted by key, envelopes owned by the store.
	recs []vault.Record
	// byKeyID indexes, per KEK key ID, the keys of its records.
	byKeyID map[string]*keyIndex
	// usage counts records per org and key ID.
	usage map[string]map[string]int64
	// now returns the time stamped on writes.
	now func() time.Time
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		byKeyID: make(map[string]*keyIndex),
		usage:   make(map[string]map[string]int64),
		now:     func() time.Time { return time.Now().UTC().Round(0) },
	}
}

// compareKeys orders keys by Org, then Registry, byte-wise.
func compareKeys(a, b vault.Key) int {
	if c := cmp.Compare(a.Org, b.Org); c != 0 {
		return c
	}
	return cmp.Compare(a.Registry, b.Registry)
}

// find returns the position of k in s.recs and whether it is there.
func (s *Store) find(k vault.Key) (int, bool) {
	return slices.BinarySearchFunc(s.recs, k, func(r vault.Record, k vault.Key) int {
		return compareKeys(r.Key, k)
	})
}

// clone returns r with its own copy of the envelope.
func clone(r vault.Record) vault.Record {
	r.Envelope = slices.Clone(r.Envelope)
	if r.Envelope == nil {
		r.Envelope = []byte{}
	}
	return r
}

// Get returns the record at k or [vault.ErrNotFound].
func (s *Store) Get(ctx context.Context, k vault.Key) (vault.Record, error) {
	if err := ctx.Err(); err != nil {
		return vault.Record{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.find(k)
	if !ok {
		return vault.Record{}, vault.ErrNotFound
	}
	return clone(s.recs[i]), nil
}

// Put writes rec's Key, KeyID and Envelope if the stored version equals
// expect (0: the record must not exist) and returns the new version, or
// [vault.ErrConflict] leaving the store unchanged.
func (s *Store) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocked(rec, expect)
}

// putLocked is Put with s.mu held.
func (s *Store) putLocked(rec vault.Record, expect int64) (int64, error) {
	stored := clone(rec)
	i, ok := s.find(rec.Key)
	switch {
	case expect == 0 && !ok:
		stored.Version = vault.NewRecordVersion()
		stored.UpdatedAt = s.now()
		s.recs = slices.Insert(s.recs, i, stored)
	case expect > 0 && ok && s.recs[i].Version == expect:
		s.unindex(s.recs[i])
		stored.Version = expect + 1
		stored.UpdatedAt = s.now()
		s.recs[i] = stored
	default:
		return 0, vault.ErrConflict
	}
	s.index(stored)
	return stored.Version, nil
}

// Delete removes the record at k if its version equals expect, or
// unconditionally when expect is 0.
func (s *Store) Delete(ctx context.Context, k vault.Key, expect int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.find(k)
	if !ok {
		return vault.ErrNotFound
	}
	if expect != 0 && s.recs[i].Version != expect {
		return vault.ErrConflict
	}
	s.unindex(s.recs[i])
	s.recs = slices.Delete(s.recs, i, i+1)
	return nil
}

// index adds r to the key ID index and the usage counts. Records are
// usually indexed in key order (creation in order, rotation jobs), so the
// insertion is usually an append.
func (s *Store) index(r vault.Record) {
	ix := s.byKeyID[r.KeyID]
	if ix == nil {
		ix = &keyIndex{}
		s.byKeyID[r.KeyID] = ix
	}
	if i, ok := slices.BinarySearchFunc(ix.keys, r.Key, compareKeys); ok {
		ix.stale-- // a stale entry for r's key is live again
	} else {
		ix.keys = slices.Insert(ix.keys, i, r.Key)
	}
	counts := s.usage[r.Org]
	if counts == nil {
		counts = make(map[string]int64)
		s.usage[r.Org] = counts
	}
	counts[r.KeyID]++
}

// unindex removes r from the usage counts and marks its key ID index
// entry stale: List skips stale entries, and the index is compacted once
// they are half of it, so removing costs O(1) amortized instead of a
// slice copy per record.
func (s *Store) unindex(r vault.Record) {
	if ix := s.byKeyID[r.KeyID]; ix != nil {
		ix.stale++
		switch {
		case ix.stale == len(ix.keys):
			delete(s.byKeyID, r.KeyID)
		case ix.stale > len(ix.keys)/2:
			s.compact(r.KeyID, ix, r.Key)
		}
	}
	counts := s.usage[r.Org]
	if counts[r.KeyID]--; counts[r.KeyID] <= 0 {
		delete(counts, r.KeyID)
	}
	if len(counts) == 0 {
		delete(s.usage, r.Org)
	}
}

// compact drops the stale entries of keyID's index; gone is the key being
// unindexed right now (s.recs still shows it under keyID).
func (s *Store) compact(keyID string, ix *keyIndex, gone vault.Key) {
	ix.keys = slices.DeleteFunc(ix.keys, func(k vault.Key) bool { return k == gone || !s.holds(k, keyID) })
	ix.stale = 0
}

// holds reports whether the record at k exists and is wrapped by keyID.
func (s *Store) holds(k vault.Key, keyID string) bool {
	i, ok := s.find(k)
	return ok && s.recs[i].KeyID == keyID
}

// A keyIndex lists, sorted, the keys of the records one KEK key ID wraps,
// plus stale entries (records since deleted or rewrapped) that List skips.
type keyIndex struct {
	keys  []vault.Key
	stale int
}

// List returns one page of records matching q, ordered by (Org, Registry).
func (s *Store) List(ctx context.Context, q vault.Query) (vault.Page, error) {
	if err := ctx.Err(); err != nil {
		return vault.Page{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := pager{org: q.Org, size: q.PageSize()}
	if q.KeyID == "" {
		for _, r := range s.recs[start(len(s.recs), s.recKey, q):] {
			if !p.add(r) {
				break
			}
		}
		return p.page, nil
	}
	ix := s.byKeyID[q.KeyID]
	if ix == nil {
		return p.page, nil
	}
	keyAt := func(i int) vault.Key { return ix.keys[i] }
	for _, k := range ix.keys[start(len(ix.keys), keyAt, q):] {
		i, ok := s.find(k)
		if !ok || s.recs[i].KeyID != q.KeyID {
			continue // stale entry
		}
		if !p.add(s.recs[i]) {
			break
		}
	}
	return p.page, nil
}

// recKey returns the key of the i-th record.
func (s *Store) recKey(i int) vault.Key { return s.recs[i].Key }

// A pager fills one page from records visited in key order.
type pager struct {
	page vault.Page
	org  string
	size int
}

// add appends a copy of r to the page and reports whether to continue.
func (p *pager) add(r vault.Record) bool {
	if p.org != "" && r.Org != p.org {
		return false // keys are sorted: no more records of this org
	}
	if len(p.page.Records) == p.size {
		p.page.More = true
		p.page.Next = p.page.Records[p.size-1].Key
		return false
	}
	p.page.Records = append(p.page.Records, clone(r))
	return true
}

// start returns the first index, in a sorted sequence of n keys, that List
// visits for q: the first key after q.After, or the first key of q.Org when
// that org sorts after q.After.
func start(n int, key func(int) vault.Key, q vault.Query) int {
	if q.Org != "" && q.Org > q.After.Org {
		return search(n, key, vault.Key{Org: q.Org}, false)
	}
	return search(n, key, q.After, true)
}

// search returns the first index whose key sorts after target (strictly
// when strict is set, or equal otherwise) in a sorted sequence of n keys.
func search(n int, key func(int) vault.Key, target vault.Key, strict bool) int {
	lo, hi := 0, n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		c := compareKeys(key(mid), target)
		if c < 0 || (strict && c == 0) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// KeyUsage counts records per KEK key ID, for one org or for all ("").
func (s *Store) KeyUsage(ctx context.Context, org string) (map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]int64)
	for o, counts := range s.usage {
		if org != "" && o != org {
			continue
		}
		for id, n := range counts {
			out[id] += n
		}
	}
	return out, nil
}
