package sqlstore_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault/store/sqlstore"
)

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
