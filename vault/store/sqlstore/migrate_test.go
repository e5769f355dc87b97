package sqlstore_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

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

// TestReopenWithoutCreatePrivilege opens, as a role that may read
// and write the tables but not create objects in the schema, a database
// another role already migrated. Re-opening is documented as a no-op, so
// it must not need CREATE on the schema.
func TestReopenWithoutCreatePrivilege(t *testing.T) {
	dsn, _, _ := postgresBackend.fresh(t)
	open(t, dsn) // migrates as the owner
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	role := "app_" + schema
	admin := rawDB(t, "pgx", dsn)
	for _, q := range []string{
		`CREATE ROLE ` + role + ` LOGIN PASSWORD 'app-pw'`,
		`GRANT USAGE ON SCHEMA ` + schema + ` TO ` + role,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ` + schema + ` TO ` + role,
	} {
		if _, err := admin.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		admin.Exec(`DROP OWNED BY ` + role)
		admin.Exec(`DROP ROLE ` + role)
	})
	u.User = url.UserPassword(role, "app-pw")
	s, err := sqlstore.Open(t.Context(), u.String())
	if err != nil {
		t.Fatalf("Open of a migrated database without CREATE privilege: %v", err)
	}
	defer s.Close()
	if _, err := s.Put(t.Context(), vault.Record{Key: vault.Key{Org: "o", Registry: "r"}, KeyID: "k"}, 0); err != nil {
		t.Fatalf("Put: %v", err)
	}
}
