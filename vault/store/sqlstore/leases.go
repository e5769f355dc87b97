package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/credvault/credvault/vault"
)

var _ vault.Leaser = (*Store)(nil)

// The lease table (migration 3): one row per job name, holding its
// current term. A released or expired row stays, so that the next term's
// token is larger than every earlier one.
const (
	createLeasesSQLite = `CREATE TABLE credvault_leases (
		name        TEXT    NOT NULL PRIMARY KEY,
		holder      TEXT    NOT NULL,
		token       INTEGER NOT NULL,
		acquired_at TEXT    NOT NULL,
		expires_at  TEXT    NOT NULL
	)`
	createLeasesPostgres = `CREATE TABLE credvault_leases (
		name        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
		holder      TEXT             NOT NULL,
		token       BIGINT           NOT NULL,
		acquired_at TIMESTAMPTZ      NOT NULL,
		expires_at  TIMESTAMPTZ      NOT NULL
	)`
)

// Lease statements. Each is one statement, atomic under the row lock
// the database takes for it (INSERT ... ON CONFLICT DO UPDATE locks the
// conflicting row, UPDATE the row it changes). PostgreSQL judges expiry
// by its own clock (clock_timestamp()), so replicas' clocks need not
// agree; it takes the ttl in microseconds. SQLite serves one host, whose
// clock the Store reads: its statements take times as arguments.
const (
	acquireLeasePostgres = `INSERT INTO credvault_leases AS l (name, holder, token, acquired_at, expires_at)
		VALUES ($1, $2, 1, clock_timestamp(), clock_timestamp() + $3::bigint * interval '1 microsecond')
		` + acquireLeaseConflict
	acquireLeaseSQLite = `INSERT INTO credvault_leases AS l (name, holder, token, acquired_at, expires_at)
		VALUES (?1, ?2, 1, ?3, ?4)
		` + acquireLeaseConflict
	// acquireLeaseConflict starts a new term over an expired one or the
	// holder's own, and returns nothing (no row) over a running one.
	acquireLeaseConflict = `ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = l.token + 1,
		acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
		WHERE l.expires_at <= excluded.acquired_at OR l.holder = excluded.holder
		RETURNING token, acquired_at, expires_at`

	renewLeasePostgres = `UPDATE credvault_leases SET expires_at = clock_timestamp() + $4::bigint * interval '1 microsecond'
		WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()
		RETURNING acquired_at, expires_at`
	renewLeaseSQLite = `UPDATE credvault_leases SET expires_at = ?5
		WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?4
		RETURNING acquired_at, expires_at`

	releaseLeasePostgres = `UPDATE credvault_leases SET expires_at = clock_timestamp()
		WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()`
	releaseLeaseSQLite = `UPDATE credvault_leases SET expires_at = ?4
		WHERE name = ?1 AND holder = ?2 AND token = ?3 AND expires_at > ?4`
)

// leaseStatements are a Store's prepared lease statements.
type leaseStatements struct{ acquire, renew, release *sql.Stmt }

// leaseQueries returns the lease statements' SQL for d, in the order of
// leaseStatements' fields.
func leaseQueries(d Dialect) [3]string {
	if d == Postgres {
		return [3]string{acquireLeasePostgres, renewLeasePostgres, releaseLeasePostgres}
	}
	return [3]string{acquireLeaseSQLite, renewLeaseSQLite, releaseLeaseSQLite}
}

// AcquireLease implements [vault.Leaser].
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (vault.Lease, error) {
	if err := s.check(ctx); err != nil {
		return vault.Lease{}, err
	}
	l := vault.Lease{Name: name, Holder: holder}
	err := retry(ctx, func() error {
		return s.stmts.lease.acquire.QueryRowContext(ctx, s.leaseArgs(ttl, name, holder)...).
			Scan(&l.Token, utcTime{&l.Acquired}, utcTime{&l.Expires})
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.Lease{}, vault.ErrLeaseHeld
	case err != nil:
		return vault.Lease{}, passOrWrap(err, "acquire lease")
	}
	return l, nil
}

// RenewLease implements [vault.Leaser].
func (s *Store) RenewLease(ctx context.Context, l vault.Lease, ttl time.Duration) (vault.Lease, error) {
	if err := s.check(ctx); err != nil {
		return vault.Lease{}, err
	}
	err := retry(ctx, func() error {
		return s.stmts.lease.renew.QueryRowContext(ctx, s.leaseArgs(ttl, l.Name, l.Holder, l.Token)...).
			Scan(utcTime{&l.Acquired}, utcTime{&l.Expires})
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return vault.Lease{}, vault.ErrLeaseLost
	case err != nil:
		return vault.Lease{}, passOrWrap(err, "renew lease")
	}
	return l, nil
}

// ReleaseLease implements [vault.Leaser].
func (s *Store) ReleaseLease(ctx context.Context, l vault.Lease) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	err := retry(ctx, func() error {
		_, err := s.stmts.lease.release.ExecContext(ctx, s.leaseArgs(-1, l.Name, l.Holder, l.Token)...)
		return err
	})
	return passOrWrap(err, "release lease")
}

// leaseArgs returns a lease statement's arguments: args, then on
// PostgreSQL the ttl in microseconds unless ttl is negative; on SQLite
// the Store's time now and, unless ttl is negative, now + ttl.
func (s *Store) leaseArgs(ttl time.Duration, args ...any) []any {
	if s.dialect == Postgres {
		if ttl >= 0 {
			args = append(args, ttl.Microseconds())
		}
		return args
	}
	now := s.now()
	args = append(args, s.dialect.timeArg(now))
	if ttl >= 0 {
		args = append(args, s.dialect.timeArg(now.Add(ttl)))
	}
	return args
}
