package sqlstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault"
)

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
