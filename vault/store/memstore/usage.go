package memstore

import (
	"context"

	"github.com/credvault/credvault/vault"
)

// A tally counts the records of one org wrapped by one KEK key ID, and
// points at that key ID's ordered list.
type tally struct {
	org, keyID string
	n          int64
	list       *ordered
}

// tallyFor returns the tally of org and keyID, creating it (and the key
// ID's list) if needed. Writes come in runs of one org and key ID, so the
// last tally looked up is tried first.
func (s *Store) tallyFor(org, keyID string) *tally {
	if t := s.last; t != nil && t.org == org && t.keyID == keyID {
		return t
	}
	byID := s.tallies[org]
	if byID == nil {
		byID = make(map[string]*tally)
		s.tallies[org] = byID
	}
	t := byID[keyID]
	if t == nil {
		list := s.byKeyID[keyID]
		if list == nil {
			list = &ordered{}
			s.byKeyID[keyID] = list
		}
		t = &tally{org: org, keyID: keyID, list: list}
		byID[keyID] = t
	}
	s.last = t
	return t
}

// A finger is where the entry last removed from a key ID's list was: the
// entry there now is its successor, which a batch written in key order (a
// rotation's page) usually updates next.
type finger struct {
	list  *ordered
	ci, i int
}

// lookup returns the entry at k, or nil. It tries the finger first: a
// comparison of keys that usually share their strings, where the map
// would hash k and miss the cache.
func (s *Store) lookup(k vault.Key) *entry {
	if s.finger.list != nil {
		if e := s.finger.list.at(s.finger.ci, s.finger.i); e != nil && e.rec.Key == k {
			return e
		}
	}
	return s.byKey[k]
}

// index adds e to its key ID's list and count.
func (s *Store) index(e *entry) {
	t := s.tallyFor(e.rec.Org, e.rec.KeyID)
	t.n++
	t.list.insert(e)
	e.tally = t
}

// unindex removes e from its key ID's list and count, dropping the count
// and the list once empty.
func (s *Store) unindex(e *entry) {
	t := e.tally
	e.tally = nil
	ci, i := t.list.remove(e.rec.Key)
	s.finger = finger{t.list, ci, i}
	if t.list.n == 0 {
		delete(s.byKeyID, t.keyID)
	}
	if t.n--; t.n > 0 {
		return
	}
	if s.last == t {
		s.last = nil
	}
	byID := s.tallies[t.org]
	delete(byID, t.keyID)
	if len(byID) == 0 {
		delete(s.tallies, t.org)
	}
}

// KeyUsage counts records per KEK key ID, for one org or for all ("").
func (s *Store) KeyUsage(ctx context.Context, org string) (map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(map[string]int64)
	if org != "" {
		for id, t := range s.tallies[org] {
			out[id] = t.n
		}
		return out, nil
	}
	for _, byID := range s.tallies {
		for id, t := range byID {
			out[id] += t.n
		}
	}
	return out, nil
}
