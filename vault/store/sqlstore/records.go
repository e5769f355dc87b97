package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/credvault/credvault/vault"
)

// Get returns the record at k or [vault.ErrNotFound].
func (s *Store) Get(ctx context.Context, k vault.Key) (vault.Record, error) {
	if err := s.check(ctx); err != nil {
		return vault.Record{}, err
	}
	var rec vault.Record
	err := retry(ctx, func() error {
		rec = vault.Record{Key: k}
		return s.stmts.get.QueryRowContext(ctx, k.Org, k.Registry).
			Scan(&rec.Version, &rec.KeyID, &rec.Envelope, utcTime{&rec.UpdatedAt})
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.Record{}, vault.ErrNotFound
	case err != nil:
		return vault.Record{}, dbError("get", err)
	}
	return rec, nil
}

// Put writes rec's Key, KeyID and Envelope if the stored version equals
// expect (0: the record must not exist) and returns the new version, or
// [vault.ErrConflict] leaving the store unchanged. A record with an empty
// KeyID is refused with an error wrapping [vault.ErrInvalidEntry].
func (s *Store) Put(ctx context.Context, rec vault.Record, expect int64) (int64, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if err := rec.CheckWritable(); err != nil {
		return 0, err
	}
	if expect < 0 {
		return 0, vault.ErrConflict
	}
	env := rec.Envelope
	if env == nil {
		env = []byte{}
	}
	at := s.dialect.timeArg(s.now())
	var n int64
	var err error
	version := expect + 1
	if expect == 0 {
		version = s.newVersion()
		n, err = s.exec(ctx, s.stmts.insert, rec.Org, rec.Registry, version, rec.KeyID, env, at)
	} else {
		n, err = s.exec(ctx, s.stmts.update, rec.KeyID, env, at, rec.Org, rec.Registry, expect)
	}
	if err := oneRow(n, err, "put"); err != nil {
		return 0, err
	}
	return version, nil
}

// exec runs a write statement and returns the number of rows it changed:
// on SQLite through the Store's writer, directly on PostgreSQL.
func (s *Store) exec(ctx context.Context, stmt *sql.Stmt, args ...any) (int64, error) {
	if s.writer != nil {
		return s.writer.exec(ctx, stmt, args...)
	}
	return execRetry(ctx, stmt, args)
}

// readCommitted is the isolation of the Store's PostgreSQL transactions:
// a compare-and-swap that loses under it changes no row, where under
// REPEATABLE READ or SERIALIZABLE (a server, database or role default) it
// fails with a serialization error.
var readCommitted = &sql.TxOptions{Isolation: sql.LevelReadCommitted}

// maxAttempts bounds how often retry runs a statement.
const maxAttempts = 10

// execRetry executes stmt on its own (a single-statement transaction on
// PostgreSQL) and returns the number of rows it changed. A statement that
// PostgreSQL aborted with a serialization failure or a deadlock, as it
// can when the default isolation is stricter than READ COMMITTED, wrote
// nothing: it is run again, on a fresh snapshot, where a compare-and-swap
// that lost changes no row.
func execRetry(ctx context.Context, stmt *sql.Stmt, args []any) (n int64, err error) {
	err = retry(ctx, func() error {
		n, err = execRows(ctx, stmt, args)
		return err
	})
	return n, err
}

// retry runs op, and again while PostgreSQL aborts it with a
// serialization failure or a deadlock, at most maxAttempts times. Under a
// SERIALIZABLE default even a read-only statement can be aborted that
// way; it changed nothing and runs again on a fresh snapshot.
func retry(ctx context.Context, op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || attempt == maxAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

// oneRow checks that a write succeeded and changed exactly one row; no
// row changed means the compare-and-swap lost. The context's own errors
// and ErrClosed pass through unwrapped.
func oneRow(n int64, err error, op string) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrClosed):
		return err
	case err != nil:
		return dbError(op, err)
	case n == 0:
		return vault.ErrConflict
	case n != 1:
		return fmt.Errorf("sqlstore: %s: %d rows changed, want 1", op, n)
	}
	return nil
}

// Delete removes the record at k if its version equals expect, or
// unconditionally when expect is 0.
func (s *Store) Delete(ctx context.Context, k vault.Key, expect int64) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	var n int64
	var err error
	if expect == 0 {
		n, err = s.exec(ctx, s.stmts.deleteAny, k.Org, k.Registry)
	} else {
		n, err = s.exec(ctx, s.stmts.deleteVersion, k.Org, k.Registry, expect)
	}
	err = oneRow(n, err, "delete")
	if !errors.Is(err, vault.ErrConflict) {
		return err
	}
	return s.missingOrConflict(ctx, k, expect)
}

// missingOrConflict explains a delete that removed nothing: ErrNotFound
// when nothing is stored at k, ErrConflict when a record with another
// version is.
func (s *Store) missingOrConflict(ctx context.Context, k vault.Key, expect int64) error {
	if expect == 0 {
		return vault.ErrNotFound
	}
	var v int64
	err := retry(ctx, func() error { return s.stmts.exists.QueryRowContext(ctx, k.Org, k.Registry).Scan(&v) })
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.ErrNotFound
	case err != nil:
		return dbError("delete", err)
	}
	return vault.ErrConflict
}

// List returns one page of records matching q, ordered by (Org, Registry)
// byte-wise.
func (s *Store) List(ctx context.Context, q vault.Query) (vault.Page, error) {
	p, _, err := s.ListInto(ctx, q, nil, nil)
	return p, err
}

// ListInto implements [vault.PageLister]: it is List, appending to recs
// and copying the envelopes into buf.
func (s *Store) ListInto(ctx context.Context, q vault.Query, recs []vault.Record, buf []byte) (vault.Page, []byte, error) {
	if err := s.check(ctx); err != nil {
		return vault.Page{}, buf, err
	}
	size := q.PageSize()
	filters, args := 0, []any{q.After.Org, q.After.Registry}
	if q.Org != "" {
		if q.After.Org > q.Org {
			return vault.Page{}, buf, nil // the cursor is past every record of q.Org
		}
		low := ""
		if q.After.Org == q.Org {
			low = q.After.Registry
		}
		filters |= filterOrg
		args = append(args, q.Org, low)
	}
	if q.KeyID != "" {
		filters |= filterKeyID
		args = append(args, q.KeyID)
	}
	args = append(args, size+1) // one more row tells whether a next page exists
	err := retry(ctx, func() error {
		rows, err := s.stmts.list[filters].QueryContext(ctx, args...)
		if err != nil {
			return dbError("list", err)
		}
		recs, buf, err = scanRecords(rows, recs[:0], buf[:0])
		return err
	})
	if err != nil {
		return vault.Page{}, buf, err
	}
	var page vault.Page
	if len(recs) > size {
		recs = recs[:size]
		page.More, page.Next = true, recs[size-1].Key
	}
	if len(recs) > 0 {
		page.Records = recs
	}
	return page, buf, nil
}

// scanRecords reads and closes rows of the list query, appending the
// records to recs and their envelopes to buf, each capped at its own end.
func scanRecords(rows *sql.Rows, recs []vault.Record, buf []byte) (_ []vault.Record, _ []byte, err error) {
	defer func() { err = errors.Join(err, rows.Close()) }()
	var ends []int // envelope i is buf[ends[i-1]:ends[i]]; buf may move as it grows
	for rows.Next() {
		var r vault.Record
		var env sql.RawBytes // the driver's memory, valid until the next row
		if err := rows.Scan(&r.Org, &r.Registry, &r.Version, &r.KeyID, &env, utcTime{&r.UpdatedAt}); err != nil {
			return recs, buf, dbError("list", err)
		}
		buf = append(buf, env...)
		recs, ends = append(recs, r), append(ends, len(buf))
	}
	if err := rows.Err(); err != nil {
		return recs, buf, dbError("list", err)
	}
	start := 0
	for i, end := range ends {
		recs[i].Envelope, start = buf[start:end:end], end
	}
	return recs, buf, nil
}

// KeyUsage counts records per KEK key ID, for one org or for all ("").
func (s *Store) KeyUsage(ctx context.Context, org string) (map[string]int64, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var usage map[string]int64
	err := retry(ctx, func() error {
		var rows *sql.Rows
		var err error
		if org == "" {
			rows, err = s.stmts.usageAll.QueryContext(ctx)
		} else {
			rows, err = s.stmts.usageOrg.QueryContext(ctx, org)
		}
		if err != nil {
			return dbError("key usage", err)
		}
		usage, err = scanUsage(rows)
		return err
	})
	return usage, err
}

// scanUsage reads and closes (key ID, count) rows.
func scanUsage(rows *sql.Rows) (usage map[string]int64, err error) {
	defer func() { err = errors.Join(err, rows.Close()) }()
	usage = make(map[string]int64)
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, dbError("key usage", err)
		}
		usage[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("key usage", err)
	}
	return usage, nil
}

// utcTime scans a timestamp column into a UTC time.Time: a time value
// (PostgreSQL) or ISO 8601 text (SQLite).
type utcTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (u utcTime) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case time.Time:
		*u.t = v.UTC()
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("sqlstore: timestamp column holds %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("sqlstore: timestamp column: %w", err)
	}
	*u.t = t.UTC()
	return nil
}
