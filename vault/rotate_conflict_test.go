package vault_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/credvault/credvault/vault"
)

// corruptFirst is a store where, just before the first record write, a
// concurrent writer stores an envelope that does not parse at that key:
// the job loses its compare-and-swap to a corrupt record.
type corruptFirst struct {
	vault.Store
	once sync.Once
}

func (s *corruptFirst) corrupt(ctx context.Context, k vault.Key) {
	s.once.Do(func() {
		cur, _ := s.Store.Get(ctx, k)
		cur.Envelope = []byte{1, 1}
		_, _ = s.Store.Put(ctx, cur, cur.Version)
	})
}

func (s *corruptFirst) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	s.corrupt(ctx, rec.Key)
	return s.Store.Put(ctx, rec, expect)
}

func (s *corruptFirst) PutBatch(ctx context.Context, recs []vault.Record, expects []int64) ([]int64, []error) {
	s.corrupt(ctx, recs[0].Key)
	return s.Store.(vault.BatchPutter).PutBatch(ctx, recs, expects)
}

// TestRotateDEKsCountsCorruptRecordAfterLostRace: a record found corrupt
// when the job re-reads it after a lost compare-and-swap is a failure
// naming its key (ErrCorrupt), not a record "changed meanwhile".
func TestRotateDEKsCountsCorruptRecordAfterLostRace(t *testing.T) {
	for name, wrap := range map[string]func(*corruptFirst) vault.Store{
		"batched":          func(s *corruptFirst) vault.Store { return s },
		"record by record": func(s *corruptFirst) vault.Store { return storeOnly{s} },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			ks := fill(t, e, 5)
			v := mustVault(t, wrap(&corruptFirst{Store: e.store}), e.keys)
			s, err := v.RotateDEKs(t.Context(), vault.RotateOptions{Org: "acme", Workers: 1})
			if err != nil || s.Failed != 1 || s.Skipped != 0 || s.Done != 4 {
				t.Fatalf("summary %+v, err %v", s.Progress, err)
			}
			if re := s.Errors[0]; re.Key != ks[0] || !errors.Is(re, vault.ErrCorrupt) || !strings.Contains(re.Error(), ks[0].String()) {
				t.Fatalf("record error %v, want ErrCorrupt at %s", re, ks[0])
			}
		})
	}
}
