package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
)

// maxBatch bounds how many write requests (a PutBatch is one) share one
// SQLite transaction.
const maxBatch = 256

// A writer funnels a Store's SQLite writes through one goroutine and
// commits the writes that arrive together in one transaction (group
// commit). SQLite runs one writer at a time and a commit costs far more
// than an UPDATE, so concurrent writers, such as a rotation job's workers,
// share commits instead of queueing for the file lock one by one. Each
// write in a batch keeps its own outcome: a compare-and-swap that loses
// changes no row and does not affect the others.
type writer struct {
	db     *sql.DB
	reqs   chan *writeReq // unbuffered: a received request is always answered
	quit   chan struct{}
	exited chan struct{}
}

// A writeReq is what one caller asks the writer to execute: one
// statement, or several (a PutBatch) that each keep their own outcome.
type writeReq struct {
	ctx   context.Context
	items []writeItem
	done  chan []writeResult // buffered: the writer never blocks on it
}

// A writeItem is one statement with its arguments.
type writeItem struct {
	stmt *sql.Stmt
	args []any
}

// A writeResult is the outcome of one write: rows changed, or an error.
type writeResult struct {
	rows int64
	err  error
}

// startWriter starts the writer goroutine for db.
func startWriter(db *sql.DB) *writer {
	w := &writer{
		db:     db,
		reqs:   make(chan *writeReq),
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	go w.run()
	return w
}

// stop ends the writer after the batch in progress.
func (w *writer) stop() {
	close(w.quit)
	<-w.exited
}

// exec runs stmt with args in the next batch and returns the rows it
// changed. It returns ctx's error if ctx ends before the write starts; once
// started, a write runs to its commit, so its outcome is never ambiguous.
func (w *writer) exec(ctx context.Context, stmt *sql.Stmt, args ...any) (int64, error) {
	res := w.execItems(ctx, []writeItem{{stmt: stmt, args: args}})
	return res[0].rows, res[0].err
}

// execItems runs items in the next batch and returns one result per item,
// under the same rules as exec.
func (w *writer) execItems(ctx context.Context, items []writeItem) []writeResult {
	req := &writeReq{ctx: ctx, items: items, done: make(chan []writeResult, 1)}
	select {
	case w.reqs <- req:
	case <-ctx.Done():
		return failAll(len(items), ctx.Err())
	case <-w.quit:
		return failAll(len(items), ErrClosed)
	}
	return <-req.done
}

// failAll returns n results carrying err.
func failAll(n int, err error) []writeResult {
	res := make([]writeResult, n)
	for i := range res {
		res[i].err = err
	}
	return res
}

// run serves batches until stop.
func (w *writer) run() {
	defer close(w.exited)
	for {
		select {
		case <-w.quit:
			return
		case first := <-w.reqs:
			w.commit(w.collect(first))
		}
	}
}

// collect gathers the requests already waiting, up to maxBatch. Between
// rounds it yields the processor so that writers just answered by the
// previous batch can queue again: without that, batches shrink to one
// write each under steady load.
func (w *writer) collect(first *writeReq) []*writeReq {
	batch := []*writeReq{first}
	for len(batch) < maxBatch {
		runtime.Gosched()
		n := len(batch)
		batch = w.drain(batch)
		if len(batch) == n {
			return batch
		}
	}
	return batch
}

// drain appends the requests waiting right now to batch, up to maxBatch.
func (w *writer) drain(batch []*writeReq) []*writeReq {
	for len(batch) < maxBatch {
		select {
		case r := <-w.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit executes a batch and answers every request in it. Requests whose
// context ended while queued are refused. If a statement fails (rather
// than changing no row), the batch is rolled back and each statement is
// retried in a transaction of its own, so one bad write cannot fail others.
func (w *writer) commit(batch []*writeReq) {
	live := make([]*writeReq, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- failAll(len(r.items), err)
			continue
		}
		live = append(live, r)
	}
	var items []writeItem
	for _, r := range live {
		items = append(items, r.items...)
	}
	if len(items) == 0 {
		return
	}
	results, err := w.run1(items)
	for _, r := range live {
		if err != nil {
			r.done <- failAll(len(r.items), err)
			continue
		}
		r.done <- results[:len(r.items):len(r.items)]
		results = results[len(r.items):]
	}
}

// run1 executes items in one transaction; if a statement fails, it rolls
// back and executes each item alone. err is set only when the transaction
// itself failed.
func (w *writer) run1(items []writeItem) ([]writeResult, error) {
	if len(items) == 1 {
		return []writeResult{alone(items[0])}, nil
	}
	results, failed, err := w.inTx(items)
	switch {
	case err == nil:
		return results, nil
	case failed >= 0:
		results = make([]writeResult, len(items))
		for i, it := range items {
			results[i] = alone(it)
		}
		return results, nil
	}
	return nil, err
}

// alone executes it on its own, as a single-statement transaction.
func alone(it writeItem) writeResult {
	rows, err := execRows(context.Background(), it.stmt, it.args)
	return writeResult{rows: rows, err: err}
}

// inTx executes items in one transaction and commits it. On error nothing
// is committed, and failed is the index of the item whose statement
// failed, or -1 when the transaction itself failed. Statements run without
// the callers' contexts: interrupting one would roll back the whole batch.
func (w *writer) inTx(items []writeItem) (results []writeResult, failed int, err error) {
	return runTx(context.Background(), w.db, nil, items)
}

// runTx executes items in one transaction on db, begun with opts, and
// commits it, as inTx describes.
func runTx(ctx context.Context, db *sql.DB, opts *sql.TxOptions, items []writeItem) (results []writeResult, failed int, err error) {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, -1, err
	}
	txStmts := make(map[*sql.Stmt]*sql.Stmt, 2)
	results = make([]writeResult, len(items))
	for i, it := range items {
		ts, ok := txStmts[it.stmt]
		if !ok {
			ts = tx.StmtContext(ctx, it.stmt)
			txStmts[it.stmt] = ts
		}
		if results[i].rows, err = execRows(ctx, ts, it.args); err != nil {
			return nil, i, errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, -1, err
	}
	return results, -1, nil
}

// execRows executes stmt and returns the number of rows it changed.
func execRows(ctx context.Context, stmt *sql.Stmt, args []any) (int64, error) {
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
