package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/credvault/credvault/apikey"
)

var _ apikey.Store = (*Store)(nil)

// The credvault_api_keys table (migration 3): one row per API key, its
// hash in apikey.Hash's text form, never the key. id is the key's lookup
// ID, also inside the hash text; the two must agree when read back.
var (
	apiKeysSQLite = []string{
		`CREATE TABLE credvault_api_keys (
			id           TEXT NOT NULL PRIMARY KEY,
			org          TEXT NOT NULL,
			role         TEXT NOT NULL,
			label        TEXT NOT NULL,
			hash         TEXT NOT NULL,
			created_at   TEXT NOT NULL,
			last_used_at TEXT,
			revoked_at   TEXT
		)`,
		`CREATE INDEX credvault_api_keys_org ON credvault_api_keys (org, created_at, id)`,
	}
	apiKeysPostgres = []string{
		`CREATE TABLE credvault_api_keys (
			id           TEXT COLLATE "C" NOT NULL PRIMARY KEY,
			org          TEXT COLLATE "C" NOT NULL,
			role         TEXT             NOT NULL,
			label        TEXT             NOT NULL,
			hash         TEXT             NOT NULL,
			created_at   TIMESTAMPTZ      NOT NULL,
			last_used_at TIMESTAMPTZ,
			revoked_at   TIMESTAMPTZ
		)`,
		`CREATE INDEX credvault_api_keys_org ON credvault_api_keys (org, created_at, id)`,
	}
)

// API-key queries, with '?' placeholders rebound per dialect.
const (
	apiKeyColumns = `id, org, role, label, hash, created_at, last_used_at, revoked_at`
	createKeySQL  = `INSERT INTO credvault_api_keys (` + apiKeyColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`
	keyByIDSQL    = `SELECT ` + apiKeyColumns + ` FROM credvault_api_keys WHERE id = ?`
	listKeysSQL   = `SELECT ` + apiKeyColumns + ` FROM credvault_api_keys WHERE org = ? ORDER BY created_at, id`
	revokeKeySQL  = `UPDATE credvault_api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND org = ?`
	touchKeySQL   = `UPDATE credvault_api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`
	keyExistsSQL  = `SELECT 1 FROM credvault_api_keys WHERE id = ?`
)

// apiKeyStmts are the prepared API-key statements.
type apiKeyStmts struct {
	create, byID, list, revoke, touch, exists *sql.Stmt
}

// targets lists the statements for prepare.
func (k *apiKeyStmts) targets() []struct {
	dst   **sql.Stmt
	query string
} {
	return []struct {
		dst   **sql.Stmt
		query string
	}{
		{&k.create, createKeySQL}, {&k.byID, keyByIDSQL}, {&k.list, listKeysSQL},
		{&k.revoke, revokeKeySQL}, {&k.touch, touchKeySQL}, {&k.exists, keyExistsSQL},
	}
}

// CreateKey implements [apikey.Store]: it stores rec in the
// credvault_api_keys table, or fails with [apikey.ErrExists] when its ID
// is taken. A record rec.Validate refuses is not written.
func (s *Store) CreateKey(ctx context.Context, rec apikey.Record) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if err := rec.Validate(); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.stmts.keys.create, rec.Hash.ID, rec.Org, string(rec.Role), rec.Label,
		rec.Hash.String(), s.dialect.timeArg(rec.CreatedAt), s.nullTime(rec.LastUsedAt), s.nullTime(rec.RevokedAt))
	if err := passOrWrap(err, "create api key"); err != nil {
		return err
	}
	if n == 0 {
		return apikey.ErrExists
	}
	return nil
}

// KeyByID implements [apikey.Store].
func (s *Store) KeyByID(ctx context.Context, id string) (apikey.Record, error) {
	if err := s.check(ctx); err != nil {
		return apikey.Record{}, err
	}
	var rec apikey.Record
	err := retry(ctx, func() error {
		var err error
		rec, err = scanKey(s.stmts.keys.byID.QueryRowContext(ctx, id))
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return apikey.Record{}, apikey.ErrNotFound
	case err != nil:
		return apikey.Record{}, passOrWrap(err, "get api key")
	}
	return rec, nil
}

// ListKeys implements [apikey.Store].
func (s *Store) ListKeys(ctx context.Context, org string) ([]apikey.Record, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var recs []apikey.Record
	err := retry(ctx, func() error {
		var err error
		recs, err = s.listKeys(ctx, org)
		return err
	})
	return recs, passOrWrap(err, "list api keys")
}

func (s *Store) listKeys(ctx context.Context, org string) ([]apikey.Record, error) {
	rows, err := s.stmts.keys.list.QueryContext(ctx, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var recs []apikey.Record
	for rows.Next() {
		rec, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, rows.Err()
}

// RevokeKey implements [apikey.Store].
func (s *Store) RevokeKey(ctx context.Context, org, id string, at time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.stmts.keys.revoke, s.dialect.timeArg(at), id, org)
	if err := passOrWrap(err, "revoke api key"); err != nil {
		return err
	}
	if n == 0 {
		return apikey.ErrNotFound
	}
	return nil
}

// TouchKey implements [apikey.Store]. It writes only when at is later
// than the stored last use; an [apikey.Verifier] calls it at most once a
// minute per key.
func (s *Store) TouchKey(ctx context.Context, id string, at time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	t := s.dialect.timeArg(at)
	n, err := s.exec(ctx, s.stmts.keys.touch, t, id, t)
	if err := passOrWrap(err, "touch api key"); err != nil || n > 0 {
		return err
	}
	var one int
	err = retry(ctx, func() error { return s.stmts.keys.exists.QueryRowContext(ctx, id).Scan(&one) })
	if errors.Is(err, sql.ErrNoRows) {
		return apikey.ErrNotFound
	}
	return passOrWrap(err, "touch api key")
}

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// scanKey reads one credvault_api_keys row and checks it: a row whose
// hash does not parse, disagrees with its id or holds no valid role is
// an error, never a record.
func scanKey(row rowScanner) (apikey.Record, error) {
	var rec apikey.Record
	var id, role, hash string
	err := row.Scan(&id, &rec.Org, &role, &rec.Label, &hash,
		utcTime{&rec.CreatedAt}, nullUTCTime{&rec.LastUsedAt}, nullUTCTime{&rec.RevokedAt})
	if err != nil {
		return apikey.Record{}, err
	}
	if rec.Hash, err = apikey.ParseHash(hash); err != nil {
		return apikey.Record{}, fmt.Errorf("api key row %q: %w", id, err)
	}
	if rec.Hash.ID != id {
		return apikey.Record{}, fmt.Errorf("api key row %q: hash is for another id", id)
	}
	if rec.Role, err = apikey.ParseRole(role); err != nil {
		return apikey.Record{}, fmt.Errorf("api key row %q: %w", id, err)
	}
	return rec, nil
}
