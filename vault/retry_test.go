package vault_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/vault"
)

// alwaysBumped is a store where, just before every write, a concurrent
// writer re-stores the record unchanged (its version moves, its DEK and
// key do not), so that every compare-and-swap is lost. It counts the
// writes to each key.
type alwaysBumped struct {
	vault.Store
	mu     sync.Mutex
	writes map[vault.Key]int
}

func (s *alwaysBumped) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	s.mu.Lock()
	s.writes[rec.Key]++
	s.mu.Unlock()
	if cur, err := s.Store.Get(ctx, rec.Key); err == nil {
		if _, err := s.Store.Put(ctx, cur, cur.Version); err != nil {
			return 0, err
		}
	}
	return s.Store.Put(ctx, rec, expect)
}

// TestOneRetryPolicy: Put, a KEK rewrap and a DEK rotation that lose
// every compare-and-swap give up after the same number of writes, with
// an error matching ErrConflict (they used to give up after 9, 2 and 4).
func TestOneRetryPolicy(t *testing.T) {
	e := newEnv(t)
	ks := fill(t, e, 3)
	if _, err := e.keys.Rotate(t.Context(), "acme"); err != nil {
		t.Fatal(err)
	}
	st := &alwaysBumped{Store: e.store}
	v := mustVault(t, st, e.keys)
	job := vault.JobOptions{Org: "acme", Workers: 1}
	writes := map[string]int{}
	for name, run := range map[string]func() error{
		"put": func() error {
			c := credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret("new")}
			_, err := v.Put(t.Context(), ks[0], entry(c))
			return err
		},
		"rewrap": func() error { return jobError(v.RewrapKEK(t.Context(), vault.RewrapOptions{JobOptions: job})) },
		"dek":    func() error { return jobError(v.RotateDEKs(t.Context(), vault.DEKOptions{JobOptions: job})) },
	} {
		st.writes = map[vault.Key]int{}
		if err := run(); !errors.Is(err, vault.ErrConflict) {
			t.Fatalf("%s: %v, want ErrConflict", name, err)
		}
		writes[name] = st.writes[ks[0]]
	}
	if writes["put"] < 2 || writes["rewrap"] != writes["put"] || writes["dek"] != writes["put"] {
		t.Fatalf("writes to a record that keeps changing: %v; want one policy", writes)
	}
}

// jobError returns the first record's error of a job that failed every
// record, or what went wrong otherwise.
func jobError(s vault.Summary, err error) error {
	switch {
	case err != nil:
		return err
	case len(s.Errors) == 0 || s.Failed != s.Total:
		return errors.New("the job did not fail every record")
	}
	return s.Errors[0]
}
