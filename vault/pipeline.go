package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// A rotation is what a job does to each record. prepare rotates rec in
// memory without writing (dst is room the rotated envelope may be
// appended to; in a dry run it only checks that rec would rotate); the
// page's results are written in one PutBatch. For a record whose
// compare-and-swap was lost there, retry rotates cur, the record re-read
// at the key where read was listed, or returns errSkip if cur needs no
// rotation any more.
type rotation struct {
	prepare func(ctx context.Context, rec Record, dst []byte) (Record, error)
	retry   func(ctx context.Context, read, cur Record) (Record, error)
}

// errNotRun marks a record of a page the job stopped before preparing.
var errNotRun = errors.New("not run")

// run pages through q from its cursor, rotating every record with the
// worker pool and writing each page in one batch, and saves the
// checkpoint after each complete page. It is a pipeline of three stages
// that overlap, so that the worker pool is busy while the store lists
// and writes:
//
//   - a lister goroutine pages through q, at most four pages ahead of
//     the page being written (one waiting to be prepared, one being
//     prepared, one waiting to be written, one it holds);
//   - a preparer goroutine rotates each page in memory with the worker
//     pool (prepare);
//   - the calling goroutine writes each prepared page with one PutBatch,
//     settles it and saves the checkpoint after it (write).
//
// Pages pass through the stages in order, so a page is checkpointed only
// once it and every page before it have settled. Listing ahead is safe: a
// page's writes touch only keys at or before its cursor, and a record that
// changes after it was listed loses its compare-and-swap and is settled by
// retry. When the writer must stop (the job halted, a checkpoint
// failed, ctx ended), the other stages are cancelled, and the pages they
// had listed or prepared are dropped, neither written nor counted.
func (j *job) run(ctx context.Context, q Query, r rotation) error {
	q.Limit = j.opts.PageSize
	ahead, cancel := context.WithCancel(ctx)
	defer cancel()
	j.spare = make(chan *pageBatch, 4) // every batch in flight, once settled
	pages, batches := make(chan *pageBatch, 1), make(chan *pageBatch, 1)
	var listErr error
	go func() {
		defer close(pages)
		listErr = j.list(ahead, q, pages)
	}()
	go func() {
		defer close(batches)
		for b := range pages { // until the lister has returned
			if ahead.Err() != nil {
				continue
			}
			j.prepare(ahead, b, r)
			select {
			case batches <- b:
			case <-ahead.Done():
			}
		}
	}()
	var err error
	wroteLast := false
	for b := range batches { // after an error, drains until the preparer stops
		if err == nil {
			last := !b.page.More
			if err = j.write(ctx, b, r); err != nil {
				cancel()
			}
			wroteLast = last && err == nil
		}
	}
	// batches is closed: the preparer has returned, after the lister.
	switch {
	case err != nil:
	case listErr != nil:
		err = fmt.Errorf("vault: rotation: list: %w", listErr)
	case !wroteLast: // ctx ended after the last page was listed, which the preparer dropped
		err = ctx.Err()
	}
	return err
}

// list sends q's pages to out, each in a batch, in order, until the last
// page, an error or the end of ctx. It lists into the memory of a settled
// batch.
func (j *job) list(ctx context.Context, q Query, out chan<- *pageBatch) error {
	for {
		b := j.batch()
		p, listed, err := j.store.ListInto(ctx, q, b.records, b.listed)
		if err != nil {
			return err
		}
		b.listed = listed
		if p.Records != nil { // b.records' array, or a larger one
			b.records = p.Records[:0]
		}
		b.page = p
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !p.More {
			return nil
		}
		q.After = p.Next
	}
}

// A pageBatch is one page of records rotated in memory and written with
// one PutBatch. Once settled, its buffers are reused for a later page.
type pageBatch struct {
	page    Page
	records []Record // page.Records' array, kept for reuse
	listed  []byte   // the page's envelopes

	next  []Record // rotated records, where errs is nil
	errs  []error  // per record: preparation, then write outcome
	rooms []int    // record i's room in arena is arena[rooms[i]:rooms[i+1]]
	arena []byte   // holds the rotated envelopes that fit their rooms

	// The PutBatch arguments: the records prepared without error, their
	// expected versions, and their indexes in page.
	recs    []Record
	expects []int64
	idx     []int
}

// envelopeSlack is the growth a rotated envelope may have over the
// original (a longer key ID or wrapped DEK) and still fit its room in a
// page's arena; a larger one gets its own allocation.
const envelopeSlack = 64

// prepare rotates p's records in memory with the worker pool. Each rotated
// envelope is appended to its own room in the batch's arena (stores copy
// what they are given), so a page costs no allocation per record.
func (j *job) prepare(ctx context.Context, b *pageBatch, r rotation) {
	p := b.page
	n := len(p.Records)
	b.next, b.errs, b.rooms = resize(b.next, n), resize(b.errs, n), resize(b.rooms, n+1)
	for i, rec := range p.Records {
		b.errs[i] = errNotRun
		b.rooms[i+1] = b.rooms[i] + len(rec.Envelope) + envelopeSlack
	}
	if size := b.rooms[n]; cap(b.arena) >= size {
		b.arena = b.arena[:size]
	} else {
		b.arena = make([]byte, size, size+size/4) // a quarter more, for pages of larger records
	}
	j.each(ctx, n, func(i int) {
		dst := b.arena[b.rooms[i]:b.rooms[i]:b.rooms[i+1]]
		b.next[i], b.errs[i] = r.prepare(ctx, p.Records[i], dst)
	})
}

// batch returns a settled batch for reuse, or a new one.
func (j *job) batch() *pageBatch {
	select {
	case b := <-j.spare:
		return b
	default:
		return new(pageBatch)
	}
}

// resize returns s with length n and every element zero, reusing its
// array when large enough.
func resize[T any](s []T, n int) []T {
	s = slices.Grow(s[:0], n)[:n]
	clear(s)
	return s
}

// write writes b's prepared records with one PutBatch, each by
// compare-and-swap on the version read (in a dry run, nothing), settles
// b and recycles it.
func (j *job) write(ctx context.Context, b *pageBatch, r rotation) error {
	b.recs, b.expects, b.idx = b.recs[:0], b.expects[:0], b.idx[:0]
	for i, err := range b.errs {
		if err == nil {
			b.recs, b.expects, b.idx = append(b.recs, b.next[i]), append(b.expects, b.page.Records[i].Version), append(b.idx, i)
		}
	}
	if len(b.recs) > 0 && !j.opts.DryRun {
		_, errs := j.store.PutBatch(ctx, b.recs, b.expects)
		for k, i := range b.idx {
			b.errs[i] = errBatchOutcome
			if k < len(errs) {
				b.errs[i] = errs[k]
			}
		}
	}
	err := j.settle(ctx, b, r)
	clear(b.recs) // the store has its own copies (BatchPutter)
	clear(b.page.Records)
	b.page = Page{}
	select {
	case j.spare <- b:
	default:
	}
	return err
}

// errBatchOutcome is a record's outcome when the store's PutBatch returned
// fewer outcomes than records, breaking the BatchPutter contract.
var errBatchOutcome = errors.New("vault: store's PutBatch reported no outcome for the record")

// settle counts b's outcomes, settles its lost compare-and-swaps with the
// worker pool (retryLost), and saves the checkpoint after it.
func (j *job) settle(ctx context.Context, b *pageBatch, r rotation) error {
	var lost []int
	for i, err := range b.errs {
		switch {
		case errors.Is(err, errNotRun):
		case errors.Is(err, ErrConflict):
			lost = append(lost, i)
		default:
			j.count(ctx, b.page.Records[i], err)
		}
	}
	j.each(ctx, len(lost), func(k int) {
		rec := b.page.Records[lost[k]]
		j.count(ctx, rec, j.retryLost(ctx, rec, r))
	})
	if err := j.stopErr(ctx); err != nil || !b.page.More {
		return err
	}
	if err := j.checkpoint(ctx, b.page.Next); err != nil {
		return err
	}
	j.report()
	return nil
}

// retryLost settles read, a record whose compare-and-swap was lost, by the
// retry policy: it re-reads the record, rotates it again with r.retry and
// writes it by compare-and-swap, while the write loses. A record deleted
// meanwhile needs nothing.
func (j *job) retryLost(ctx context.Context, read Record, r rotation) error {
	return retryLostCAS(func() error {
		cur, err := j.store.Get(ctx, read.Key)
		if errors.Is(err, ErrNotFound) {
			return errSkip
		}
		if err != nil {
			return err
		}
		next, err := r.retry(ctx, read, cur)
		if err != nil {
			return err
		}
		_, err = j.store.Put(ctx, next, cur.Version)
		return err
	})
}
