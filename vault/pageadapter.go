package vault

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// A pageStore is the store as a rotation job's pipeline uses it: with
// both optional capabilities, [BatchPutter] and [PageLister]. Where the
// vault's store lacks one, adaptStore fills it in from the plain [Store]
// methods, so that the pipeline has one way to list and one to write.
type pageStore struct {
	Store
	BatchPutter
	PageLister
}

// adaptStore returns s with the capabilities it offers, and adapters for
// those it does not: PutBatch writing record by record, workers at a
// time, and ListInto copying what List returns.
func adaptStore(s Store, workers int) pageStore {
	ps := pageStore{Store: s, BatchPutter: putEach{s, workers}, PageLister: listCopy{s}}
	if bp, ok := s.(BatchPutter); ok {
		ps.BatchPutter = bp
	}
	if pl, ok := s.(PageLister); ok {
		ps.PageLister = pl
	}
	return ps
}

// putEach is a BatchPutter over a Store without one: each record of a
// batch is one Put, at most workers of them at once.
type putEach struct {
	s       Store
	workers int
}

// PutBatch implements [BatchPutter] with one Put per record.
func (p putEach) PutBatch(ctx context.Context, recs []Record, expects []int64) ([]int64, []error) {
	versions, errs := make([]int64, len(recs)), make([]error, len(recs))
	err := ctx.Err()
	if len(expects) != len(recs) {
		err = ErrBatchLength
	}
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return versions, errs
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(max(p.workers, 1), len(recs)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(recs); i = int(next.Add(1)) - 1 {
				versions[i], errs[i] = p.s.Put(ctx, recs[i], expects[i])
			}
		})
	}
	wg.Wait()
	return versions, errs
}

// listCopy is a PageLister over a Store without one: it lists with List
// and copies the page into the caller's memory.
type listCopy struct{ s Store }

// ListInto implements [PageLister] with List.
func (l listCopy) ListInto(ctx context.Context, q Query, recs []Record, buf []byte) (Page, []byte, error) {
	p, err := l.s.List(ctx, q)
	if err != nil || len(p.Records) == 0 {
		return p, buf, err
	}
	size := 0
	for _, r := range p.Records {
		size += len(r.Envelope)
	}
	recs, buf = append(recs[:0], p.Records...), slices.Grow(buf[:0], size)
	for i, r := range recs {
		start := len(buf)
		buf = append(buf, r.Envelope...)
		recs[i].Envelope = buf[start:len(buf):len(buf)]
	}
	p.Records = recs
	return p, buf, nil
}
