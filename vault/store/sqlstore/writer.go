package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
)

// maxBatch bounds how many writes share one SQLite transaction.
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

// A writeReq is one statement to execute in a batch.
type writeReq struct {
	ctx  context.Context
	stmt *sql.Stmt
	args []any
	done chan writeResult // buffered: the writer never blocks on it
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
	req := &writeReq{ctx: ctx, stmt: stmt, args: args, done: make(chan writeResult, 1)}
	select {
	case w.reqs <- req:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-w.quit:
		return 0, ErrClosed
	}
	res := <-req.done
	return res.rows, res.err
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
// than changing no row), the batch is rolled back and each request is
// retried in a transaction of its own, so one bad write cannot fail others.
func (w *writer) commit(batch []*writeReq) {
	live := make([]*writeReq, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- writeResult{err: err}
			continue
		}
		live = append(live, r)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- w.alone(live[0])
		return
	}
	results, failed, err := w.inTx(live)
	switch {
	case err == nil:
		for i, r := range live {
			r.done <- results[i]
		}
	case failed >= 0 && len(live) > 1:
		for _, r := range live {
			r.done <- w.alone(r)
		}
	default:
		for _, r := range live {
			r.done <- writeResult{err: err}
		}
	}
}

// alone executes r on its own, as a single-statement transaction.
func (w *writer) alone(r *writeReq) writeResult {
	rows, err := execRows(context.Background(), r.stmt, r.args)
	return writeResult{rows: rows, err: err}
}

// inTx executes reqs in one transaction and commits it. On error nothing
// is committed, and failed is the index of the request whose statement
// failed, or -1 when the transaction itself failed. Statements run without
// the callers' contexts: interrupting one would roll back the whole batch.
func (w *writer) inTx(reqs []*writeReq) (results []writeResult, failed int, err error) {
	ctx := context.Background()
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, -1, err
	}
	txStmts := make(map[*sql.Stmt]*sql.Stmt, 2)
	results = make([]writeResult, len(reqs))
	for i, r := range reqs {
		ts, ok := txStmts[r.stmt]
		if !ok {
			ts = tx.StmtContext(ctx, r.stmt)
			txStmts[r.stmt] = ts
		}
		if results[i].rows, err = execRows(ctx, ts, r.args); err != nil {
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
