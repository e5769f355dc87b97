package memstore

import (
	"context"

	"github.com/credvault/credvault/vault"
)

var _ vault.BatchPutter = (*Store)(nil)

// PutBatch implements [vault.BatchPutter]: it writes every recs[i] as
// Put(ctx, recs[i], expects[i]) would, under one lock, and returns the
// outcome per record. The records written share one UpdatedAt.
func (s *Store) PutBatch(ctx context.Context, recs []vault.Record, expects []int64) ([]int64, []error) {
	versions, errs := make([]int64, len(recs)), make([]error, len(recs))
	err := ctx.Err()
	if len(expects) != len(recs) {
		err = vault.ErrBatchLength
	}
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return versions, errs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for i, rec := range recs {
		versions[i], errs[i] = s.putLocked(rec, expects[i], now)
	}
	return versions, errs
}
