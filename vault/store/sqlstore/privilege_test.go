package sqlstore_test

import (
	"net/url"
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

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
