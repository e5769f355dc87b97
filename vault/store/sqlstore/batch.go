package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/credvault/credvault/vault"
)

var _ vault.BatchPutter = (*Store)(nil)

// PutBatch implements [vault.BatchPutter]: it writes recs in one
// transaction, each row under its own compare-and-swap, and returns the
// outcome per record as Put would. A row whose statement fails (rather
// than losing its compare-and-swap) makes the Store roll back and write
// each record in a transaction of its own, so it cannot fail the others.
// On SQLite the batch goes through the Store's writer as one request. A
// record with an empty KeyID fails, as Put refuses it, without a write.
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
	for i, rec := range recs {
		errs[i] = rec.CheckWritable()
	}
	if s.dialect == Postgres && uniqueKeys(recs) {
		s.updateManyPostgres(ctx, recs, expects, versions, errs)
	}
	items, idx, next := s.batchItems(recs, expects, errs, versions)
	results := s.execItems(ctx, items)
	for j, res := range results {
		i := idx[j]
		if errs[i] = oneRow(res.rows, res.err, "put"); errs[i] == nil {
			versions[i] = next[j]
		}
	}
	return versions, errs
}

// batchItems builds the write statements for the records not yet done
// (versions[i] == 0 and errs[i] == nil); a negative expected version fails
// its record at once. idx maps items back to records.
func (s *Store) batchItems(recs []vault.Record, expects []int64, errs []error, versions []int64) (items []writeItem, idx []int, next []int64) {
	at := s.dialect.timeArg(s.now())
	items, idx, next = make([]writeItem, 0, len(recs)), make([]int, 0, len(recs)), make([]int64, 0, len(recs))
	for i, rec := range recs {
		if versions[i] != 0 || errs[i] != nil {
			continue
		}
		if expects[i] < 0 {
			errs[i] = vault.ErrConflict
			continue
		}
		env := nonNil(rec.Envelope)
		v := expects[i] + 1
		it := writeItem{stmt: s.stmts.update, args: []any{rec.KeyID, env, at, rec.Org, rec.Registry, expects[i]}}
		if expects[i] == 0 {
			v = s.newVersion()
			it = writeItem{stmt: s.stmts.insert, args: []any{rec.Org, rec.Registry, v, rec.KeyID, env, at}}
		}
		items, idx, next = append(items, it), append(idx, i), append(next, v)
	}
	return items, idx, next
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
	results, failed, err := runTx(ctx, s.db, readCommitted, items)
	switch {
	case err == nil:
		return results
	case failed < 0 || ctx.Err() != nil:
		return failAll(len(items), err)
	}
	results = make([]writeResult, len(items))
	for i, it := range items {
		rows, err := execRetry(ctx, it.stmt, it.args)
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

// updateManyPostgresSQL updates many records, each under its own
// compare-and-swap, in one statement and one round trip; it returns the
// keys it updated.
const updateManyPostgresSQL = `UPDATE credvault_records AS r
	SET version = r.version + 1, key_id = v.key_id, envelope = v.envelope, updated_at = $1
	FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::bytea[])
		AS v(org, registry, expect, key_id, envelope)
	WHERE r.org = v.org AND r.registry = v.registry AND r.version = v.expect
	RETURNING r.org, r.registry`

// updateManyPostgres writes the updates among recs (expects[i] > 0) not
// already failed (errs[i] == nil) with one statement: a record it updated
// gets its version, one it did not lost its compare-and-swap. If the
// statement fails, it leaves every record to the per-record path (versions
// and errs untouched).
func (s *Store) updateManyPostgres(ctx context.Context, recs []vault.Record, expects, versions []int64, errs []error) {
	var orgs, regs, keyIDs []string
	var exps []int64
	var envs [][]byte
	for i, rec := range recs {
		if expects[i] > 0 && errs[i] == nil {
			orgs, regs, exps = append(orgs, rec.Org), append(regs, rec.Registry), append(exps, expects[i])
			keyIDs, envs = append(keyIDs, rec.KeyID), append(envs, nonNil(rec.Envelope))
		}
	}
	if len(orgs) == 0 {
		return
	}
	rows, err := s.db.QueryContext(ctx, updateManyPostgresSQL, s.dialect.timeArg(s.now()), orgs, regs, exps, keyIDs, envs)
	if err != nil {
		return
	}
	updated, err := scanKeys(rows)
	if err != nil {
		return // the statement's transaction rolled back: nothing was written
	}
	for i, rec := range recs {
		switch {
		case expects[i] <= 0, errs[i] != nil:
		case updated[rec.Key]:
			versions[i] = expects[i] + 1
		default:
			errs[i] = vault.ErrConflict
		}
	}
}

// scanKeys reads and closes rows of (org, registry).
func scanKeys(rows *sql.Rows) (keys map[vault.Key]bool, err error) {
	defer func() { err = errors.Join(err, rows.Close()) }()
	keys = make(map[vault.Key]bool)
	for rows.Next() {
		var k vault.Key
		if err := rows.Scan(&k.Org, &k.Registry); err != nil {
			return nil, err
		}
		keys[k] = true
	}
	return keys, rows.Err()
}

// uniqueKeys reports whether no key appears twice in recs.
func uniqueKeys(recs []vault.Record) bool {
	seen := make(map[vault.Key]struct{}, len(recs))
	for _, r := range recs {
		if _, dup := seen[r.Key]; dup {
			return false
		}
		seen[r.Key] = struct{}{}
	}
	return true
}

// nonNil returns b, or an empty slice for nil (the column is NOT NULL).
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
