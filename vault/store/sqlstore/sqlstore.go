package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver; sqlite.Error
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/credvault/credvault/vault"
)

var _ vault.Store = (*Store)(nil)

// sqliteReadConns is the connection pool size for a file-backed SQLite
// database: WAL lets readers run beside the one writer.
const sqliteReadConns = 4

// Store is a [vault.Store] on an SQL database, safe for concurrent use.
// Create one with [Open] or [New].
type Store struct {
	db      *sql.DB
	dialect Dialect
	ownsDB  bool
	stmts   *statements
	// writer batches this Store's writes on SQLite; nil on PostgreSQL.
	writer *writer
	now    func() time.Time
	// newVersion is the version of a created record: vault.NewRecordVersion
	// (tests pin it to make versions predictable).
	newVersion func() int64
	closed     atomic.Bool
	closeOnce  sync.Once
	closeErr   error
}

// Open connects to the database named by dsn (see the package
// documentation for the forms it takes), applies pending migrations and
// returns a Store that owns the connection pool: Close closes it. A
// PostgreSQL DSN fails with a [*NoDriverError] unless the program imports
// vault/store/sqlstore/pgsql.
func Open(ctx context.Context, dsn string) (*Store, error) {
	t, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	driver, err := driverName(t.dialect)
	if err != nil {
		return nil, err
	}
	if err := createOwnerOnly(t); err != nil {
		return nil, err
	}
	db, err := sql.Open(driver, t.dsn)
	if err != nil {
		return nil, dbError("open", err)
	}
	configurePool(db, t)
	if err := ping(ctx, db, t); err != nil {
		return nil, errors.Join(dbError("connect", err), db.Close())
	}
	if t.dialect == SQLite && !t.memory {
		// A "file:" URI passed through can still name a database private
		// to its connection (an empty path, the memdb VFS): keep to the
		// one connection ping opened, as for sqlite::memory:.
		private, err := sqlitePrivate(ctx, db)
		if err != nil {
			return nil, errors.Join(dbError("connect", err), db.Close())
		}
		if private {
			t.memory = true
			configurePool(db, t)
		}
	}
	s, err := New(ctx, db, t.dialect)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	s.ownsDB = true
	return s, nil
}

// createOwnerOnly creates t's SQLite file, if it names one that does not
// exist yet, empty (which SQLite takes for an empty database) and with
// mode 0600, before SQLite would create it with the process's umask
// (0644 as a rule) while keysets are 0600. SQLite gives the -wal and -shm
// files it creates beside it the database file's mode. An existing file
// keeps its mode.
func createOwnerOnly(t target) error {
	if t.path == "" {
		return nil
	}
	f, err := os.OpenFile(t.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return fmt.Errorf("sqlstore: creating the database file: %w", err)
	}
	return f.Close()
}

// sqliteBusyWait bounds how long Open retries a connection that a fresh
// SQLite file refuses as busy; it matches the busy_timeout in sqlitePragmas.
const sqliteBusyWait = 10 * time.Second

// ping checks that db accepts a connection. A fresh SQLite file can refuse
// one with SQLITE_BUSY while another connection (another Store, another
// process) switches it to WAL: the pragma that does so fails at once
// instead of waiting out busy_timeout. The switch is persistent, so ping
// retries such refusals for up to sqliteBusyWait.
func ping(ctx context.Context, db *sql.DB, t target) error {
	deadline := time.Now().Add(sqliteBusyWait)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		err := db.PingContext(ctx)
		if err == nil || t.dialect != SQLite || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY, extended codes
// included.
func isBusy(err error) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	return ok && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// sqlitePrivate reports whether db's main database is not backed by a
// file that other connections open too: SQLite gives such a database (in
// memory, temporary) an empty file name.
func sqlitePrivate(ctx context.Context, db *sql.DB) (bool, error) {
	var file string
	err := db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file)
	return file == "", err
}

// The PostgreSQL pool Open configures (see the package documentation,
// # Connection pools). database/sql keeps only 2 idle connections by
// default, so a rotation job's workers, contending, closed and
// re-authenticated connections all the time (500 to 1,000 records/s
// instead of 3,000 and more with 32 idle).
const (
	postgresMaxConns        = 32
	postgresConnMaxIdleTime = 5 * time.Minute
	postgresConnMaxLifetime = 30 * time.Minute
)

// configurePool sizes db's pool for t: one connection for an in-memory
// SQLite database (each connection would see its own database), a few for
// a SQLite file, and for PostgreSQL postgresMaxConns, all of which may
// stay idle between a job's pages.
func configurePool(db *sql.DB, t target) {
	switch {
	case t.memory:
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	case t.dialect == SQLite:
		db.SetMaxOpenConns(sqliteReadConns)
		db.SetMaxIdleConns(sqliteReadConns)
	default:
		db.SetMaxOpenConns(postgresMaxConns)
		db.SetMaxIdleConns(postgresMaxConns)
		db.SetConnMaxIdleTime(postgresConnMaxIdleTime)
		db.SetConnMaxLifetime(postgresConnMaxLifetime)
	}
}

// New returns a Store on db, a database of the given dialect, after
// applying pending migrations. The caller keeps ownership of db: Close
// does not close it. For SQLite the caller should configure what Open
// configures (WAL, busy_timeout, and a single connection for an in-memory
// database). For Postgres the program must import
// vault/store/sqlstore/pgsql, which tells the Store how to read
// PostgreSQL's errors; without it New returns a [*NoDriverError].
func New(ctx context.Context, db *sql.DB, dialect Dialect) (*Store, error) {
	if !dialect.valid() {
		return nil, fmt.Errorf("%w: %v", ErrUnknownDialect, dialect)
	}
	if _, err := driverName(dialect); err != nil {
		return nil, err
	}
	if err := migrate(ctx, db, dialect); err != nil {
		return nil, err
	}
	stmts, err := prepare(ctx, db, dialect)
	if err != nil {
		return nil, err
	}
	s := &Store{
		db:      db,
		dialect: dialect,
		stmts:   stmts,
		now:     func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },

		newVersion: vault.NewRecordVersion,
	}
	if dialect == SQLite {
		s.writer = startWriter(db)
	}
	return s, nil
}

// Dialect returns the database the Store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close waits for writes in progress, then releases the Store's prepared
// statements, its writer goroutine (SQLite) and, when the Store was created
// by Open, its connection pool. Afterwards methods return ErrClosed. Close
// is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if s.writer != nil {
			s.writer.stop()
		}
		s.closeErr = s.stmts.close()
		if s.ownsDB {
			s.closeErr = errors.Join(s.closeErr, s.db.Close())
		}
	})
	return s.closeErr
}

// check returns ctx's error, or ErrClosed after Close.
func (s *Store) check(ctx context.Context) error {
	if s.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}
