package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/credvault/credvault/vault"
)

var concurrencyChecks = []check{
	{"ConcurrentCompareAndSwap", testConcurrentCAS},
	{"ConcurrentCreate", testConcurrentCreate},
}

// Contention parameters: goroutines racing on one record, and how many
// read-modify-write attempts each makes.
const (
	racers   = 16
	attempts = 25
)

// winners records which racer won each version.
type winners struct {
	mu     sync.Mutex
	byVers map[int64]string
}

// win records that racer won version v and reports an error if another
// racer already had.
func (w *winners) win(v int64, racer string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, ok := w.byVers[v]; ok {
		return fmt.Errorf("version %d won by both %s and %s", v, prev, racer)
	}
	w.byVers[v] = racer
	return nil
}

// race makes attempts read-modify-write attempts on k as racer id.
func race(t *testing.T, s vault.Store, k vault.Key, id int, w *winners) {
	for a := range attempts {
		cur, err := s.Get(t.Context(), k)
		if err != nil {
			t.Errorf("racer %d: Get: %v", id, err)
			return
		}
		name := fmt.Sprintf("racer-%d-%d", id, a)
		next := vault.Record{Key: k, KeyID: name, Envelope: []byte(name)}
		v, err := s.Put(t.Context(), next, cur.Version)
		switch {
		case errors.Is(err, vault.ErrConflict):
		case err != nil:
			t.Errorf("racer %d: Put: %v", id, err)
			return
		case v != cur.Version+1:
			t.Errorf("racer %d: Put returned version %d, want %d", id, v, cur.Version+1)
		default:
			if err := w.win(v, name); err != nil {
				t.Error(err)
			}
		}
	}
}

func testConcurrentCAS(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "contended"}
	v0 := mustPut(t, s, record("org", "contended", "start", "start"), 0)
	w := &winners{byVers: make(map[int64]string)}
	var wg sync.WaitGroup
	for id := range racers {
		wg.Go(func() { race(t, s, k, id, w) })
	}
	wg.Wait()

	final := mustGet(t, s, k)
	requireTrue(t, len(w.byVers) > 0, "no racer ever won")
	requireEqual(t, v0+int64(len(w.byVers)), final.Version, "final version is not the first + successful puts")
	for v := v0 + 1; v <= final.Version; v++ {
		requireTrue(t, w.byVers[v] != "", "version %d has no winner", v)
	}
	last := w.byVers[final.Version]
	requireEqual(t, last, final.KeyID, "stored key ID is not the last winner's")
	requireEqual(t, last, string(final.Envelope), "stored envelope is not the last winner's")
}

func testConcurrentCreate(t *testing.T, s vault.Store) {
	k := vault.Key{Org: "org", Registry: "fresh"}
	w := &winners{byVers: make(map[int64]string)}
	var wg sync.WaitGroup
	for id := range racers {
		wg.Go(func() {
			name := fmt.Sprintf("creator-%d", id)
			v, err := s.Put(t.Context(), record(k.Org, k.Registry, name, name), 0)
			switch {
			case errors.Is(err, vault.ErrConflict):
			case err != nil:
				t.Errorf("%s: Put: %v", name, err)
			default:
				if err := w.win(v, name); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	requireLen(t, w.byVers, 1, "creations that succeeded")
	got := mustGet(t, s, k)
	requireEqual(t, w.byVers[got.Version], got.KeyID, "stored record is not the winner's")
}
