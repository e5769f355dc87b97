package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SchemaVersion is the newest schema version this package knows: the
// version of the last migration. Opening a database recorded at a higher
// version fails with a *SchemaVersionError.
const SchemaVersion = 5

// A migration is one schema change, written once per dialect. Migrations
// run in version order, each in its own transaction, and are never edited
// once released: a change is a new migration.
type migration struct {
	version  int64
	name     string
	sqlite   []string
	postgres []string
}

// statements returns m's statements for d.
func (m migration) statements(d Dialect) []string {
	if d == Postgres {
		return m.postgres
	}
	return m.sqlite
}

// migrations is the ordered migration list; the last version is
// SchemaVersion.
var migrations = []migration{{
	version: 1,
	name:    "create credvault_records",
	sqlite: []string{
		`CREATE TABLE credvault_records (
			org        TEXT    NOT NULL,
			registry   TEXT    NOT NULL,
			version    INTEGER NOT NULL,
			key_id     TEXT    NOT NULL,
			envelope   BLOB    NOT NULL,
			updated_at TEXT    NOT NULL,
			PRIMARY KEY (org, registry)
		)`,
		`CREATE INDEX credvault_records_key_id ON credvault_records (key_id, org, registry)`,
	},
	postgres: []string{
		`CREATE TABLE credvault_records (
			org        TEXT COLLATE "C" NOT NULL,
			registry   TEXT COLLATE "C" NOT NULL,
			version    BIGINT           NOT NULL,
			key_id     TEXT COLLATE "C" NOT NULL,
			envelope   BYTEA            NOT NULL,
			updated_at TIMESTAMPTZ      NOT NULL,
			PRIMARY KEY (org, registry)
		)`,
		`CREATE INDEX credvault_records_key_id ON credvault_records (key_id, org, registry)`,
	},
}, {
	version: 2,
	name:    "create credvault_checkpoints",
	sqlite: []string{
		`CREATE TABLE credvault_checkpoints (
			job_id         TEXT NOT NULL PRIMARY KEY,
			after_org      TEXT NOT NULL,
			after_registry TEXT NOT NULL,
			updated_at     TEXT NOT NULL
		)`,
	},
	postgres: []string{
		`CREATE TABLE credvault_checkpoints (
			job_id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
			after_org      TEXT COLLATE "C" NOT NULL,
			after_registry TEXT COLLATE "C" NOT NULL,
			updated_at     TIMESTAMPTZ      NOT NULL
		)`,
	},
}, {
	version:  3,
	name:     "create credvault_health and credvault_leases",
	sqlite:   []string{createHealthSQLite, deleteHealthTriggerSQLite, createLeasesSQLite},
	postgres: []string{createHealthPostgres, createLeasesPostgres},
}, {
	version: 4,
	name:    "count a job's records in its checkpoint",
	sqlite: []string{
		`ALTER TABLE credvault_checkpoints ADD COLUMN done INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE credvault_checkpoints ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0`,
	},
	postgres: []string{
		`ALTER TABLE credvault_checkpoints ADD COLUMN done BIGINT NOT NULL DEFAULT 0`,
		`ALTER TABLE credvault_checkpoints ADD COLUMN skipped BIGINT NOT NULL DEFAULT 0`,
	},
}, {
	version:  5,
	name:     "create credvault_api_keys",
	sqlite:   apiKeysSQLite,
	postgres: apiKeysPostgres,
}}

// The migration bookkeeping table, per dialect.
const (
	createMigrationsSQLite = `CREATE TABLE IF NOT EXISTS credvault_schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`
	createMigrationsPostgres = `CREATE TABLE IF NOT EXISTS credvault_schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TIMESTAMPTZ NOT NULL
	)`
	// migrationLockID keys the PostgreSQL advisory lock that serializes
	// concurrent migrators ("credvlt" in ASCII).
	migrationLockID = 0x63726564766c74
)

// migrate brings the schema up to SchemaVersion, or refuses a newer one.
func migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	// Read the version first: on a migrated database, opening then needs
	// no privilege beyond reading the bookkeeping table (CREATE TABLE IF
	// NOT EXISTS needs CREATE on the schema even when the table exists,
	// which an application's DML-only role lacks).
	current, err := schemaVersion(ctx, db)
	if err != nil {
		if err := createMigrationsTable(ctx, db, d); err != nil {
			return err
		}
		if current, err = schemaVersion(ctx, db); err != nil {
			return err
		}
	}
	if current > SchemaVersion {
		return &SchemaVersionError{Database: current, Supported: SchemaVersion}
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		if err := apply(ctx, db, d, m); err != nil {
			return err
		}
	}
	return nil
}

// createMigrationsTable creates the bookkeeping table if it is missing, in
// a transaction that holds the migration lock on PostgreSQL: there, CREATE
// TABLE IF NOT EXISTS does not guard against a concurrent creation, and
// replicas migrating a fresh database together would fail with a unique
// violation on pg_type. SQLite serializes the creation under its write lock.
func createMigrationsTable(ctx context.Context, db *sql.DB, d Dialect) error {
	create := createMigrationsSQLite
	if d == Postgres {
		create = createMigrationsPostgres
	}
	return locked(ctx, db, d, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return dbError("migrate", err)
		}
		return nil
	})
}

// locked runs fn in a transaction holding the migration lock and commits
// it, or rolls it back when fn fails.
func locked(ctx context.Context, db *sql.DB, d Dialect, fn func(*sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return dbError("migrate", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, ignoreDone(tx.Rollback()))
		}
	}()
	if err := lockMigrations(ctx, tx, d); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return dbError("migrate: commit", err)
	}
	return nil
}

// lockMigrations takes, on PostgreSQL, the advisory lock that serializes
// migrators until tx ends. On SQLite the transaction's write lock does.
func lockMigrations(ctx context.Context, tx *sql.Tx, d Dialect) error {
	if d != Postgres {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockID)); err != nil {
		return dbError("migrate: lock", err)
	}
	return nil
}

// queryer is what schemaVersion reads through: a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// schemaVersion returns the highest applied migration version, 0 for none.
func schemaVersion(ctx context.Context, q queryer) (int64, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM credvault_schema_migrations`).Scan(&v)
	if err != nil {
		return 0, dbError("read schema version", err)
	}
	return v.Int64, nil
}

// apply runs m in one transaction and records it, unless a concurrent
// migrator got there first.
func apply(ctx context.Context, db *sql.DB, d Dialect, m migration) error {
	return locked(ctx, db, d, func(tx *sql.Tx) error {
		current, err := schemaVersion(ctx, tx)
		if err != nil || current >= m.version {
			return err
		}
		for _, stmt := range m.statements(d) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return dbError("migrate "+m.name, err)
			}
		}
		record := d.rebind(`INSERT INTO credvault_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`)
		if _, err := tx.ExecContext(ctx, record, m.version, m.name, d.timeArg(time.Now())); err != nil {
			return dbError("migrate: record version", err)
		}
		return nil
	})
}

// ignoreDone drops the error Rollback returns after a Commit already ended
// the transaction.
func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) {
		return nil
	}
	return err
}
