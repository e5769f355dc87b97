package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
	_ "github.com/credvault/credvault/vault/store/sqlstore/pgsql" // postgresBackend needs the driver
	"github.com/credvault/credvault/vault/storetest"
)

// open opens dsn and closes the store when the test ends.
func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// postgresEnv names the environment variable holding a PostgreSQL DSN for
// tests; .ci/postgres.sh start prints it.
const postgresEnv = "CREDVAULT_TEST_POSTGRES_DSN"

// A backend is a database the tests run against: a way to get the DSN of a
// fresh, empty database, and to open it with database/sql directly.
type backend struct {
	name    string
	dialect sqlstore.Dialect
	// fresh returns the DSN of a new empty database for Open, and the
	// driver name and DSN to reach it directly.
	fresh func(t *testing.T) (dsn, driver, raw string)
}

// sqliteBackend uses a file in a temporary directory.
var sqliteBackend = backend{
	name:    "sqlite",
	dialect: sqlstore.SQLite,
	fresh: func(t *testing.T) (string, string, string) {
		path := filepath.Join(t.TempDir(), "vault.db")
		return "sqlite://" + path, "sqlite", path
	},
}

// postgresBackend gives every database its own schema on the server named
// by $CREDVAULT_TEST_POSTGRES_DSN, dropped when the test ends.
var postgresBackend = backend{
	name:    "postgres",
	dialect: sqlstore.Postgres,
	fresh: func(t *testing.T) (string, string, string) {
		dsn := requirePostgres(t)
		schema := "credvault_test_" + randomHex(t)
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := admin.Exec(`DROP SCHEMA IF EXISTS ` + schema + ` CASCADE`); err != nil {
				t.Errorf("drop schema: %v", err)
			}
			admin.Close()
		})
		if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		scoped := withSearchPath(t, dsn, schema)
		return scoped, "pgx", scoped
	},
}

// require skips the test when the backend is not configured.
func (b backend) require(t *testing.T) {
	t.Helper()
	if b.dialect == sqlstore.Postgres {
		requirePostgres(t)
	}
}

// requirePostgresEnv, when set, turns a missing PostgreSQL DSN from a skip
// into a failure (.ci/run sets it).
const requirePostgresEnv = "CREDVAULT_REQUIRE_POSTGRES"

// requirePostgres returns the test PostgreSQL DSN or skips the test.
func requirePostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	switch {
	case dsn != "":
		return dsn
	case os.Getenv(requirePostgresEnv) != "":
		t.Fatal(postgresEnv + " not set but " + requirePostgresEnv + " is")
	default:
		t.Skip(postgresEnv + " not set")
	}
	return ""
}

// backends returns every backend to test; postgres skips itself when
// unconfigured.
func backends() []backend { return []backend{sqliteBackend, postgresBackend} }

// withSearchPath returns dsn with its search_path set to schema, for URL
// and keyword/value DSNs alike.
func withSearchPath(t *testing.T, dsn, schema string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s is not a URL", postgresEnv)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// randomHex returns 16 random hex digits.
func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// rawDB opens the backend's database directly, closed when the test ends.
func rawDB(t *testing.T, driver, raw string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			storetest.Run(t, func(t *testing.T) vault.Store {
				dsn, _, _ := b.fresh(t)
				return open(t, dsn)
			})
		})
	}
}

func TestConformanceSQLiteInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store { return open(t, "sqlite::memory:") })
}

func TestConformanceSQLiteFileURI(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store {
		return open(t, "file:"+filepath.Join(t.TempDir(), "uri.db")+"?mode=rwc")
	})
}

// TestConcurrentOpen starts several replicas together against a fresh
// database, a few rounds over: every Open must succeed, and the migrations
// must be recorded once each.
func TestConcurrentOpen(t *testing.T) {
	const rounds, replicas = 10, 8
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			for round := range rounds {
				dsn, driver, raw := b.fresh(t)
				start := make(chan struct{})
				errs := make(chan error, replicas)
				var wg sync.WaitGroup
				for range replicas {
					wg.Go(func() {
						<-start
						s, err := sqlstore.Open(t.Context(), dsn)
						if err == nil {
							err = s.Close()
						}
						errs <- err
					})
				}
				close(start)
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						t.Errorf("round %d: concurrent Open: %v", round, err)
					}
				}
				var n int64
				err := rawDB(t, driver, raw).QueryRowContext(t.Context(),
					`SELECT COUNT(*) FROM credvault_schema_migrations`).Scan(&n)
				if err != nil {
					t.Fatal(err)
				}
				if n != sqlstore.SchemaVersion {
					t.Fatalf("round %d: %d migrations recorded, want %d", round, n, sqlstore.SchemaVersion)
				}
			}
		})
	}
}

func TestReopenKeepsData(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			dsn, _, _ := b.fresh(t)
			s, err := sqlstore.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			want := []vault.Record{
				{Key: vault.Key{Org: "acme", Registry: "org456/proj789/registry123"}, KeyID: "k1", Envelope: []byte{0, 1, 2, 0xff}},
				{Key: vault.Key{Org: "acme", Registry: "ghcr"}, KeyID: "k2", Envelope: []byte("sealed")},
			}
			for i := range want {
				if want[i].Version, err = s.Put(t.Context(), want[i], 0); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Put(t.Context(), want[1], want[1].Version); err != nil {
				t.Fatal(err)
			}
			before, err := s.Get(t.Context(), want[1].Key)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			s = open(t, dsn)
			page, err := s.List(t.Context(), vault.Query{Org: "acme"})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Records) != 2 || page.More {
				t.Fatalf("after reopen: %d records, More %v", len(page.Records), page.More)
			}
			got := page.Records[0]
			if got.Key != want[1].Key || got.Version != want[1].Version+1 || string(got.Envelope) != "sealed" || !got.UpdatedAt.Equal(before.UpdatedAt) {
				t.Errorf("after reopen: got %+v, want %+v", got, before)
			}
			if got := page.Records[1]; got.Key != want[0].Key || got.Version != want[0].Version || string(got.Envelope) != string(want[0].Envelope) {
				t.Errorf("after reopen: got %+v, want %+v", got, want[0])
			}
			if loc := got.UpdatedAt.Location(); loc != time.UTC {
				t.Errorf("UpdatedAt location %v, want UTC", loc)
			}
		})
	}
}

func TestSQLiteSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal.db")
	open(t, "sqlite://"+path)
	db := rawDB(t, "sqlite", path)
	var mode string
	if err := db.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode %q, want wal", mode)
	}
}

// TestSQLiteFileOwnerOnly: a SQLite file Open creates, and its WAL, are
// owner-only (0600) like the keysets, whatever the umask allows; an
// existing file keeps its mode.
func TestSQLiteFileOwnerOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vault.db")
	s := open(t, "sqlite://"+path)
	if _, err := s.Put(t.Context(), vault.Record{Key: vault.Key{Org: "acme", Registry: "r"}, KeyID: "k", Envelope: []byte("e")}, 0); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600", filepath.Base(f), fi.Mode().Perm(), err)
		}
	}
	shared := filepath.Join(t.TempDir(), "shared.db")
	if err := os.WriteFile(shared, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	open(t, "sqlite://"+shared)
	if fi, err := os.Stat(shared); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing file's mode changed to %v (%v)", fi.Mode().Perm(), err)
	}
}

// TestPrivateSQLiteURI opens SQLite URIs that name a database
// private to each connection (an empty path: a temporary database; the
// memdb VFS with a name not starting with '/'), which Open passes to
// SQLite verbatim. Like sqlite::memory:, such a store must keep to one
// connection: a second one would see another, empty database.
func TestPrivateSQLiteURI(t *testing.T) {
	for _, dsn := range []string{"file:", "file:?mode=rwc", "file:review?vfs=memdb"} {
		t.Run(dsn, func(t *testing.T) {
			s := open(t, dsn)
			k := vault.Key{Org: "o", Registry: "r"}
			if _, err := s.Put(t.Context(), vault.Record{Key: k, KeyID: "k", Envelope: []byte("x")}, 0); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 32 {
				wg.Go(func() {
					for range 50 {
						if _, err := s.Get(t.Context(), k); err != nil {
							t.Errorf("Get: %v", err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// TestSchemeCase: Open takes the scheme case-insensitively (as RFC
// 3986 has it, and as its own scheme check does), so an upper-case scheme
// must reach the same database as the lower-case one, not a keyword/value
// parse (pgx) or a literal file name "FILE:..." (SQLite).
func TestSchemeCase(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		dsn, _, _ := postgresBackend.fresh(t)
		s := open(t, "POSTGRES"+strings.TrimPrefix(dsn, "postgres"))
		if _, err := s.Put(t.Context(), vault.Record{Key: vault.Key{Org: "o", Registry: "r"}, KeyID: "k"}, 0); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "upper.db")
		open(t, "FILE:"+path+"?mode=rwc")
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("FILE: URI did not open %s: %v", path, err)
		}
	})
}

func TestNewLeavesCallerDBOpen(t *testing.T) {
	db := rawDB(t, "sqlite", filepath.Join(t.TempDir(), "owned.db"))
	s, err := sqlstore.New(t.Context(), db, sqlstore.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dialect() != sqlstore.SQLite {
		t.Errorf("Dialect %v", s.Dialect())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(t.Context()); err != nil {
		t.Errorf("caller's db closed by Store.Close: %v", err)
	}
	if _, err := s.Get(t.Context(), vault.Key{Org: "o", Registry: "r"}); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("Get after Close: %v, want ErrClosed", err)
	}
}

func TestNewUnknownDialect(t *testing.T) {
	db := rawDB(t, "sqlite", filepath.Join(t.TempDir(), "x.db"))
	for _, d := range []sqlstore.Dialect{0, 3, -1} {
		if _, err := sqlstore.New(t.Context(), db, d); !errors.Is(err, sqlstore.ErrUnknownDialect) {
			t.Errorf("New with dialect %v: got %v, want ErrUnknownDialect", d, err)
		}
	}
}

func TestOpenRefusesDSN(t *testing.T) {
	const password = "hunter2-s3cret"
	tests := []struct {
		name, dsn, scheme string
	}{
		{"mysql", "mysql://admin:" + password + "@db:3306/vault", "mysql"},
		{"sqlserver", "sqlserver://sa:" + password + "@db", "sqlserver"},
		{"no scheme", "/var/lib/" + password + ".db", ""},
		{"empty", "", ""},
		{"sqlite with host", "sqlite://host/" + password + ".db", "sqlite"},
		{"sqlite empty path", "sqlite:", "sqlite"},
		{"sqlite empty absolute path", "sqlite://", "sqlite"},
		{"sqlite NUL", "sqlite:/tmp/a\x00" + password, "sqlite"},
		{"scheme with bad characters", "p@ss:" + password, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sqlstore.Open(context.Background(), tc.dsn)
			var de *sqlstore.DSNError
			if !errors.As(err, &de) || !errors.Is(err, sqlstore.ErrInvalidDSN) {
				t.Fatalf("Open: got %v, want a *DSNError", err)
			}
			if de.Scheme != tc.scheme {
				t.Errorf("Scheme %q, want %q", de.Scheme, tc.scheme)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error repeats the DSN: %v", err)
			}
		})
	}
}

func TestOpenPostgresUnreachable(t *testing.T) {
	const password = "hunter2-s3cret"
	// Port 1 on loopback refuses connections; the error must not carry the
	// password.
	_, err := sqlstore.Open(t.Context(), "postgres://u:"+password+"@127.0.0.1:1/db?connect_timeout=5")
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error repeats the password: %v", err)
	}
}

func TestClosedStore(t *testing.T) {
	s := open(t, "sqlite::memory:")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	k := vault.Key{Org: "o", Registry: "r"}
	if _, err := s.Get(t.Context(), k); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("Get: %v", err)
	}
	if _, err := s.Put(t.Context(), vault.Record{Key: k}, 0); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("Put: %v", err)
	}
	if err := s.Delete(t.Context(), k, 0); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("Delete: %v", err)
	}
	if _, err := s.List(t.Context(), vault.Query{}); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("List: %v", err)
	}
	if _, err := s.KeyUsage(t.Context(), ""); !errors.Is(err, sqlstore.ErrClosed) {
		t.Errorf("KeyUsage: %v", err)
	}
}
