package vault_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/vault"
)

// bumpingBatch is a BatchPutter whose PutBatch is preceded by a
// concurrent writer re-storing every record of the batch unchanged (what a
// KEK rewrap does to the version), so every record loses its
// compare-and-swap and is settled by the conflict path.
type bumpingBatch struct {
	vault.Store
	bp vault.BatchPutter
}

func (s bumpingBatch) PutBatch(ctx context.Context, recs []vault.Record, expects []int64) ([]int64, []error) {
	for _, r := range recs {
		cur, _ := s.Store.Get(ctx, r.Key)
		s.Store.Put(ctx, cur, cur.Version)
	}
	return s.bp.PutBatch(ctx, recs, expects)
}

// countingKEKs resolves KEKs that record the most Unwrap calls in flight.
type countingKEKs struct {
	vault.KEKResolver
	in, peak atomic.Int64
}

func (c *countingKEKs) KEK(ctx context.Context, org string) (kek.KEK, error) {
	k, err := c.KEKResolver.KEK(ctx, org)
	return countingKEK{k, c}, err
}

type countingKEK struct {
	kek.KEK
	c *countingKEKs
}

func (k countingKEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	n := k.c.in.Add(1)
	defer k.c.in.Add(-1)
	for p := k.c.peak.Load(); n > p && !k.c.peak.CompareAndSwap(p, n); p = k.c.peak.Load() {
	}
	time.Sleep(2 * time.Millisecond)
	return k.KEK.Unwrap(ctx, keyID, wrapped, aad)
}

// TestWorkersBoundsConcurrentRotations: RotateOptions.Workers
// "bounds concurrent record rotations". With a batching store, records
// whose compare-and-swap was lost are settled by a second worker pool in
// the writer while the preparer's pool rotates the next page.
func TestWorkersBoundsConcurrentRotations(t *testing.T) {
	e := newEnv(t)
	fill(t, e, 40)
	keys := &countingKEKs{KEKResolver: e.keys}
	v := mustVault(t, bumpingBatch{e.store, e.store}, keys)
	s, err := v.RotateDEKs(context.Background(), vault.RotateOptions{Org: "acme", PageSize: 4, Workers: 1})
	if err != nil || s.Done != 40 {
		t.Fatalf("summary %+v, err %v", s.Progress, err)
	}
	if p := keys.peak.Load(); p > 1 {
		t.Fatalf("Workers: 1, but %d record rotations called the KEK at once", p)
	}
}
