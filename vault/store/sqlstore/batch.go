package sqlstore

import (
	"context"

	"github.com/credvault/credvault/vault"
)

var _ vault.BatchPutter = (*Store)(nil)

// PutBatch implements [vault.BatchPutter]: it writes recs in one
// transaction, each row under its own compare-and-swap, and returns the
// outcome per record as Put would. A row whose statement fails (rather
// than losing its compare-and-swap) makes the Store roll back and write
// each record in a transaction of its own, so it cannot fail the others.
// On SQLite the batch goes through the Store's writer as one request.
func (s *Store) PutBatch(ctx context.Context, recs []vault.Record, expects []int64) ([]int64, []error) {
	versions, errs := make([]int64, len(recs)), make([]error, len(recs))
	if len(expects) != len(recs) {
		fill(errs, vault.ErrBatchLength)
		return versions, errs
	}
	if err := s.check(ctx); err != nil {
		fill(errs, err)
		return versions, errs
	}
	items, idx := s.batchItems(recs, expects, errs)
	results := s.execItems(ctx, items)
	for j, res := range results {
		i := idx[j]
		if errs[i] = oneRow(res.rows, res.err, "put"); errs[i] == nil {
			versions[i] = expects[i] + 1
		}
	}
	return versions, errs
}

// batchItems builds the write statements for recs; a negative expected
// version fails its record at once. idx maps items back to records.
func (s *Store) batchItems(recs []vault.Record, expects []int64, errs []error) (items []writeItem, idx []int) {
	at := s.dialect.timeArg(s.now())
	items, idx = make([]writeItem, 0, len(recs)), make([]int, 0, len(recs))
	for i, rec := range recs {
		if expects[i] < 0 {
			errs[i] = vault.ErrConflict
			continue
		}
		env := rec.Envelope
		if env == nil {
			env = []byte{}
		}
		it := writeItem{stmt: s.stmts.insert, args: []any{rec.Org, rec.Registry, rec.KeyID, env, at}}
		if expects[i] > 0 {
			it = writeItem{stmt: s.stmts.update, args: []any{rec.KeyID, env, at, rec.Org, rec.Registry, expects[i]}}
		}
		items, idx = append(items, it), append(idx, i)
	}
	return items, idx
}

// execItems runs items as one batch: through the writer on SQLite, in one
// transaction on PostgreSQL (each item alone if a statement fails).
func (s *Store) execItems(ctx context.Context, items []writeItem) []writeResult {
	if len(items) == 0 {
		return nil
	}
	if s.writer != nil {
		return s.writer.execItems(ctx, items)
	}
	results, failed, err := runTx(ctx, s.db, items)
	switch {
	case err == nil:
		return results
	case failed < 0 || ctx.Err() != nil:
		return failAll(len(items), err)
	}
	results = make([]writeResult, len(items))
	for i, it := range items {
		rows, err := execRows(ctx, it.stmt, it.args)
		results[i] = writeResult{rows: rows, err: err}
	}
	return results
}

// fill sets every element of errs to err.
func fill(errs []error, err error) {
	for i := range errs {
		errs[i] = err
	}
}
