package vault

import (
	"context"
	"errors"
)

// ErrBatchLength: PutBatch was given a different number of records and
// expected versions.
var ErrBatchLength = errors.New("vault: batch has mismatched records and versions")

// A BatchPutter is an optional [Store] capability: writing many records
// in one round trip (one transaction where the store has them), each
// under its own compare-and-swap. Rotation jobs write each page of
// rotated records with it, at the cost of one commit; a store without it
// gets one Put per record instead. sqlstore and memstore implement it.
type BatchPutter interface {
	// PutBatch writes every recs[i] as Put(ctx, recs[i], expects[i])
	// would, and returns, per record, the new version or the error Put
	// would have returned. A record whose write fails (ErrConflict, a
	// database error) is left unchanged and does not affect the others.
	// If len(expects) != len(recs), every record fails with
	// ErrBatchLength and nothing is written. If ctx ends before the batch
	// starts, every record fails with ctx's error. Like Put, PutBatch must
	// not retain the records' envelopes after it returns.
	PutBatch(ctx context.Context, recs []Record, expects []int64) (versions []int64, errs []error)
}

// A PageLister is an optional [Store] capability: listing into memory the
// caller provides, so that a job paging through many records reuses one
// page's memory for a later page instead of allocating every page anew.
// Rotation jobs list every page with it; for a store without it, they
// copy what List returns. memstore and sqlstore implement it.
type PageLister interface {
	// ListInto returns what List(ctx, q) would, with the page's records
	// appended to recs[:0] and their envelopes copied into buf[:0],
	// grown as needed, each capped at its own end. It also returns the
	// buffer, possibly grown. The page's records and the buffer belong
	// to the caller, who may pass them to a later call once done with
	// the page.
	ListInto(ctx context.Context, q Query, recs []Record, buf []byte) (Page, []byte, error)
}
