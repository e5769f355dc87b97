package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// meta is what the example keeps for a registry beside its sealed record:
// the API's own fields, which the vault does not own. No secret is here;
// the sensor key is kept as its hash only.
type meta struct {
	Org, ID    string
	Name       string
	ScanMethod string // "cloud" or "sensor"
	Schedule   string
	Scanners   []string
	TagInclude string
	TagExclude string
	SensorHash string // apikey.Hash text; "" in cloud mode
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// metaStore keeps meta rows in registries.db, a SQLite file of the
// example's own, apart from the library's schema.
type metaStore struct{ db *sql.DB }

const metaSchema = `CREATE TABLE IF NOT EXISTS registries (
	org         TEXT NOT NULL,
	id          TEXT NOT NULL,
	name        TEXT NOT NULL,
	scan_method TEXT NOT NULL,
	schedule    TEXT NOT NULL,
	scanners    TEXT NOT NULL,
	tag_include TEXT NOT NULL,
	tag_exclude TEXT NOT NULL,
	sensor_hash TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (org, id)
)`

const metaColumns = `org, id, name, scan_method, schedule, scanners, tag_include, tag_exclude, sensor_hash, created_at, updated_at`

// errNoRegistry: no such registry in that org.
var errNoRegistry = errors.New("registry not found")

func openMeta(ctx context.Context, path string) (*metaStore, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, metaSchema); err != nil {
		return nil, errors.Join(fmt.Errorf("registries.db: %w", err), db.Close())
	}
	return &metaStore{db: db}, nil
}

func (s *metaStore) close() error { return s.db.Close() }

func (s *metaStore) insert(ctx context.Context, m meta) error {
	scanners, _ := json.Marshal(m.Scanners)
	_, err := s.db.ExecContext(ctx, `INSERT INTO registries (`+metaColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Org, m.ID, m.Name, m.ScanMethod, m.Schedule, string(scanners), m.TagInclude, m.TagExclude,
		m.SensorHash, m.CreatedAt.UnixMicro(), m.UpdatedAt.UnixMicro())
	return err
}

func (s *metaStore) update(ctx context.Context, m meta) error {
	scanners, _ := json.Marshal(m.Scanners)
	res, err := s.db.ExecContext(ctx, `UPDATE registries SET name = ?, schedule = ?, scanners = ?,
		tag_include = ?, tag_exclude = ?, updated_at = ? WHERE org = ? AND id = ?`,
		m.Name, m.Schedule, string(scanners), m.TagInclude, m.TagExclude, m.UpdatedAt.UnixMicro(), m.Org, m.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNoRegistry
	}
	return nil
}

func (s *metaStore) remove(ctx context.Context, org, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM registries WHERE org = ? AND id = ?`, org, id)
	return err
}

func (s *metaStore) get(ctx context.Context, org, id string) (meta, error) {
	m, err := scanMeta(s.db.QueryRowContext(ctx, `SELECT `+metaColumns+` FROM registries WHERE org = ? AND id = ?`, org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return meta{}, errNoRegistry
	}
	return m, err
}

// list returns org's registries, oldest first.
func (s *metaStore) list(ctx context.Context, org string) ([]meta, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+metaColumns+` FROM registries WHERE org = ? ORDER BY created_at, id`, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []meta
	for rows.Next() {
		m, err := scanMeta(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func scanMeta(row interface{ Scan(...any) error }) (meta, error) {
	var m meta
	var scanners string
	var created, updated int64
	err := row.Scan(&m.Org, &m.ID, &m.Name, &m.ScanMethod, &m.Schedule, &scanners,
		&m.TagInclude, &m.TagExclude, &m.SensorHash, &created, &updated)
	if err != nil {
		return meta{}, err
	}
	if err := json.Unmarshal([]byte(scanners), &m.Scanners); err != nil {
		return meta{}, fmt.Errorf("registries.db: scanners of %s: %w", m.ID, err)
	}
	m.CreatedAt, m.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return m, nil
}
