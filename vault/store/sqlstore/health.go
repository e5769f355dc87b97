package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/credvault/credvault/vault"
)

var _ vault.HealthStore = (*Store)(nil)

// The health table (migration 3). A record's health goes with it: a
// foreign key cascades the delete on PostgreSQL, a trigger on SQLite
// (whose foreign keys are off unless every connection turns them on).
const (
	createHealthSQLite = `CREATE TABLE credvault_health (
		org             TEXT NOT NULL,
		registry        TEXT NOT NULL,
		status          TEXT NOT NULL,
		message         TEXT NOT NULL,
		checked_at      TEXT NOT NULL,
		last_healthy_at TEXT,
		PRIMARY KEY (org, registry)
	)`
	deleteHealthTriggerSQLite = `CREATE TRIGGER credvault_records_delete_health
		AFTER DELETE ON credvault_records BEGIN
		DELETE FROM credvault_health WHERE org = OLD.org AND registry = OLD.registry;
	END`
	createHealthPostgres = `CREATE TABLE credvault_health (
		org             TEXT COLLATE "C" NOT NULL,
		registry        TEXT COLLATE "C" NOT NULL,
		status          TEXT             NOT NULL,
		message         TEXT             NOT NULL,
		checked_at      TIMESTAMPTZ      NOT NULL,
		last_healthy_at TIMESTAMPTZ,
		PRIMARY KEY (org, registry),
		FOREIGN KEY (org, registry) REFERENCES credvault_records (org, registry) ON DELETE CASCADE
	)`
)

// Health queries. putHealthSQL writes only beside an existing record,
// keeps the later LastHealthyAt, and ignores a result older than the
// stored one; %TS% is the dialect's timestamp type.
const (
	putHealthSQL = `INSERT INTO credvault_health AS h (org, registry, status, message, checked_at, last_healthy_at)
		SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS %TS%), CAST(? AS %TS%)
		WHERE EXISTS (SELECT 1 FROM credvault_records WHERE org = ? AND registry = ?)
		ON CONFLICT (org, registry) DO UPDATE SET status = excluded.status, message = excluded.message,
		checked_at = excluded.checked_at,
		last_healthy_at = CASE
			WHEN excluded.last_healthy_at IS NULL THEN h.last_healthy_at
			WHEN h.last_healthy_at IS NULL OR excluded.last_healthy_at > h.last_healthy_at THEN excluded.last_healthy_at
			ELSE h.last_healthy_at END
		WHERE h.checked_at <= excluded.checked_at`
	getHealthSQL  = `SELECT status, message, checked_at, last_healthy_at FROM credvault_health WHERE org = ? AND registry = ?`
	listHealthSQL = `SELECT registry, status, message, checked_at, last_healthy_at FROM credvault_health WHERE org = ?`
)

// healthSQL returns q with %TS% replaced by d's timestamp type.
func healthSQL(d Dialect, q string) string {
	if d == Postgres {
		return strings.ReplaceAll(q, "%TS%", "TIMESTAMPTZ")
	}
	return strings.ReplaceAll(q, "%TS%", "TEXT")
}

// PutHealth implements [vault.HealthStore].
func (s *Store) PutHealth(ctx context.Context, k vault.Key, h vault.Health) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.stmts.putHealth, k.Org, k.Registry, string(h.Status), h.Message,
		s.dialect.timeArg(h.CheckedAt), s.nullTime(h.LastHealthyAt), k.Org, k.Registry)
	if err != nil {
		return passOrWrap(err, "put health")
	}
	if n > 0 {
		return nil
	}
	// Nothing written: no record there, or a later result stored.
	var v int64
	err = retry(ctx, func() error { return s.stmts.exists.QueryRowContext(ctx, k.Org, k.Registry).Scan(&v) })
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.ErrNotFound
	case err != nil:
		return dbError("put health", err)
	}
	return nil
}

// nullTime returns t as a query argument, NULL when zero.
func (s *Store) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.dialect.timeArg(t)
}

// GetHealth implements [vault.HealthStore].
func (s *Store) GetHealth(ctx context.Context, k vault.Key) (vault.Health, error) {
	if err := s.check(ctx); err != nil {
		return vault.Health{}, err
	}
	var h vault.Health
	err := retry(ctx, func() error {
		h = vault.Health{}
		return s.stmts.getHealth.QueryRowContext(ctx, k.Org, k.Registry).Scan(healthDest(&h)...)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.Health{}, vault.ErrNotFound
	case err != nil:
		return vault.Health{}, dbError("get health", err)
	}
	return h, nil
}

// healthDest returns the scan destinations of h's columns.
func healthDest(h *vault.Health) []any {
	return []any{(*string)(&h.Status), &h.Message, utcTime{&h.CheckedAt}, nullUTCTime{&h.LastHealthyAt}}
}

// ListHealth implements [vault.HealthStore].
func (s *Store) ListHealth(ctx context.Context, org string) (map[string]vault.Health, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var out map[string]vault.Health
	err := retry(ctx, func() error {
		rows, err := s.stmts.listHealth.QueryContext(ctx, org)
		if err != nil {
			return dbError("list health", err)
		}
		out, err = scanHealth(rows)
		return err
	})
	return out, err
}

// scanHealth reads and closes (registry, health) rows.
func scanHealth(rows *sql.Rows) (out map[string]vault.Health, err error) {
	defer func() { err = errors.Join(err, rows.Close()) }()
	out = make(map[string]vault.Health)
	for rows.Next() {
		var reg string
		var h vault.Health
		if err := rows.Scan(append([]any{&reg}, healthDest(&h)...)...); err != nil {
			return nil, dbError("list health", err)
		}
		out[reg] = h
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("list health", err)
	}
	return out, nil
}

// nullUTCTime scans a nullable timestamp column: NULL is the zero time.
type nullUTCTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (u nullUTCTime) Scan(v any) error {
	if v == nil {
		*u.t = time.Time{}
		return nil
	}
	return utcTime(u).Scan(v)
}
