package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// Queries, written with '?' placeholders and rebound per dialect.
const (
	columns = `org, registry, version, key_id, envelope, updated_at`

	getSQL = `SELECT version, key_id, envelope, updated_at FROM credvault_records
		WHERE org = ? AND registry = ?`
	existsSQL = `SELECT version FROM credvault_records WHERE org = ? AND registry = ?`
	insertSQL = `INSERT INTO credvault_records (` + columns + `) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org, registry) DO NOTHING`
	updateSQL = `UPDATE credvault_records SET version = version + 1, key_id = ?, envelope = ?, updated_at = ?
		WHERE org = ? AND registry = ? AND version = ?`
	deleteSQL        = `DELETE FROM credvault_records WHERE org = ? AND registry = ?`
	deleteVersionSQL = deleteSQL + ` AND version = ?`
	usageAllSQL      = `SELECT key_id, COUNT(*) FROM credvault_records GROUP BY key_id`
	usageOrgSQL      = `SELECT key_id, COUNT(*) FROM credvault_records WHERE org = ? GROUP BY key_id`

	loadCheckpointSQL = `SELECT after_org, after_registry, done, skipped FROM credvault_checkpoints WHERE job_id = ?`
	saveCheckpointSQL = `INSERT INTO credvault_checkpoints (job_id, after_org, after_registry, done, skipped, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (job_id) DO UPDATE SET after_org = excluded.after_org,
		after_registry = excluded.after_registry, done = excluded.done, skipped = excluded.skipped,
		updated_at = excluded.updated_at`
	clearCheckpointSQL = `DELETE FROM credvault_checkpoints WHERE job_id = ?`

	listSelect = `SELECT ` + columns + ` FROM credvault_records WHERE (org, registry) > (?, ?)`
	listOrder  = ` ORDER BY org, registry LIMIT ?`
)

// List filters, combined as bits to index statements.list.
const (
	filterOrg = 1 << iota
	filterKeyID
	filterCount = 4
)

// listSQL returns the List query for a combination of filters. Its
// arguments are the cursor (org, registry), then the org and a lower bound
// on registry when filtered by org, then the key ID when filtered, then the
// row limit. The redundant registry bound lets SQLite seek within the org
// instead of scanning it from its first registry.
func listSQL(filters int) string {
	q := listSelect
	if filters&filterOrg != 0 {
		q += ` AND org = ? AND registry >= ?`
	}
	if filters&filterKeyID != 0 {
		q += ` AND key_id = ?`
	}
	return q + listOrder
}

// statements holds the Store's prepared statements.
type statements struct {
	get, exists, insert, update *sql.Stmt
	deleteAny, deleteVersion    *sql.Stmt
	usageAll, usageOrg          *sql.Stmt
	loadCP, saveCP, clearCP     *sql.Stmt
	putHealth, getHealth        *sql.Stmt
	listHealth                  *sql.Stmt
	lease                       leaseStatements
	list                        [filterCount]*sql.Stmt
	keys                        apiKeyStmts
	all                         []*sql.Stmt
}

// prepare prepares every statement the Store runs.
func prepare(ctx context.Context, db *sql.DB, d Dialect) (*statements, error) {
	s := &statements{}
	targets := []struct {
		dst   **sql.Stmt
		query string
	}{
		{&s.get, getSQL}, {&s.exists, existsSQL}, {&s.insert, insertSQL}, {&s.update, updateSQL},
		{&s.deleteAny, deleteSQL}, {&s.deleteVersion, deleteVersionSQL},
		{&s.usageAll, usageAllSQL}, {&s.usageOrg, usageOrgSQL},
		{&s.loadCP, loadCheckpointSQL}, {&s.saveCP, saveCheckpointSQL}, {&s.clearCP, clearCheckpointSQL},
		{&s.putHealth, healthSQL(d, putHealthSQL)}, {&s.getHealth, getHealthSQL}, {&s.listHealth, listHealthSQL},
	}
	targets = append(targets, s.keys.targets()...)
	for f := range filterCount {
		targets = append(targets, struct {
			dst   **sql.Stmt
			query string
		}{&s.list[f], listSQL(f)})
	}
	leases := leaseQueries(d) // already in d's placeholder syntax: rebind leaves them as they are
	for i, dst := range []**sql.Stmt{&s.lease.acquire, &s.lease.renew, &s.lease.release} {
		targets = append(targets, struct {
			dst   **sql.Stmt
			query string
		}{dst, leases[i]})
	}
	for _, t := range targets {
		stmt, err := db.PrepareContext(ctx, d.rebind(t.query))
		if err != nil {
			return nil, errors.Join(dbError("prepare", err), s.close())
		}
		*t.dst = stmt
		s.all = append(s.all, stmt)
	}
	return s, nil
}

// close closes every prepared statement.
func (s *statements) close() error {
	var errs []error
	for _, stmt := range s.all {
		errs = append(errs, stmt.Close())
	}
	return errors.Join(errs...)
}
