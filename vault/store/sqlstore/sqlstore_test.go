package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
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

func TestMigrationsIdempotent(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			dsn, driver, raw := b.fresh(t)
			for range 3 {
				s, err := sqlstore.Open(t.Context(), dsn)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				if err := s.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
			}
			var n, maxVersion int64
			err := rawDB(t, driver, raw).QueryRowContext(t.Context(),
				`SELECT COUNT(*), MAX(version) FROM credvault_schema_migrations`).Scan(&n, &maxVersion)
			if err != nil {
				t.Fatal(err)
			}
			if n != sqlstore.SchemaVersion || maxVersion != sqlstore.SchemaVersion {
				t.Errorf("migrations recorded: %d rows, max version %d; want %d", n, maxVersion, sqlstore.SchemaVersion)
			}
		})
	}
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

func TestFutureSchemaRefused(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			dsn, driver, raw := b.fresh(t)
			s := open(t, dsn)
			if _, err := s.Put(t.Context(), vault.Record{Key: vault.Key{Org: "o", Registry: "r"}, KeyID: "k"}, 0); err != nil {
				t.Fatal(err)
			}
			insert := `INSERT INTO credvault_schema_migrations (version, name, applied_at) VALUES (99, 'from the future', CURRENT_TIMESTAMP)`
			if _, err := rawDB(t, driver, raw).ExecContext(t.Context(), insert); err != nil {
				t.Fatal(err)
			}
			_, err := sqlstore.Open(t.Context(), dsn)
			if !errors.Is(err, sqlstore.ErrSchemaTooNew) {
				t.Fatalf("Open of a newer schema: got %v, want ErrSchemaTooNew", err)
			}
			var sv *sqlstore.SchemaVersionError
			if !errors.As(err, &sv) || sv.Database != 99 || sv.Supported != sqlstore.SchemaVersion {
				t.Fatalf("Open of a newer schema: got %#v, want SchemaVersionError{99, %d}", err, sqlstore.SchemaVersion)
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

func TestDialectString(t *testing.T) {
	for d, want := range map[sqlstore.Dialect]string{sqlstore.SQLite: "sqlite", sqlstore.Postgres: "postgres", 7: "Dialect(7)"} {
		if got := d.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", int(d), got, want)
		}
	}
}
