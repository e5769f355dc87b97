package sqlstore

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn     string
		dialect Dialect
		prefix  string // of the driver DSN, before the pragmas
		memory  bool
	}{
		{"sqlite:///var/lib/vault.db", SQLite, "file:/var/lib/vault.db?", false},
		{"sqlite:data/vault.db", SQLite, "file:data/vault.db?", false},
		{"sqlite:/tmp/odd ?#%.db", SQLite, "file:/tmp/odd %3f%23%25.db?", false},
		{"sqlite::memory:", SQLite, "file::memory:?", true},
		{"SQLite:///x.db", SQLite, "file:/x.db?", false},
		{"file:/var/vault.db", SQLite, "file:/var/vault.db?", false},
		{"file:/var/vault.db?mode=ro#frag", SQLite, "file:/var/vault.db?mode=ro&", false},
		{"file::memory:", SQLite, "file::memory:?", true},
		{"file:x?mode=memory&cache=shared", SQLite, "file:x?mode=memory&cache=shared&", true},
		{"postgres://u:p@h/db", Postgres, "postgres://u:p@h/db", false},
		{"postgresql://h/db?sslmode=disable", Postgres, "postgresql://h/db?sslmode=disable", false},
	}
	for _, tc := range tests {
		t.Run(tc.dsn, func(t *testing.T) {
			got, err := parseDSN(tc.dsn)
			if err != nil {
				t.Fatalf("parseDSN: %v", err)
			}
			if got.dialect != tc.dialect || got.memory != tc.memory {
				t.Errorf("got %v memory=%v, want %v memory=%v", got.dialect, got.memory, tc.dialect, tc.memory)
			}
			if !strings.HasPrefix(got.dsn, tc.prefix) {
				t.Errorf("driver DSN %q, want prefix %q", got.dsn, tc.prefix)
			}
			if tc.dialect == SQLite && !strings.HasSuffix(got.dsn, sqlitePragmas) {
				t.Errorf("driver DSN %q lacks the store's pragmas", got.dsn)
			}
		})
	}
}

// dsnReasons are every Reason a DSNError may give.
var dsnReasons = map[string]bool{
	reasonNoScheme: true, reasonScheme: true, reasonSQLiteHost: true, reasonEmptyPath: true, reasonNULInPath: true,
}

// FuzzParseDSN checks that parseDSN never panics and that a refusal says
// only a known reason and the DSN's own scheme, never the rest of the DSN.
func FuzzParseDSN(f *testing.F) {
	for _, seed := range []string{
		"", "sqlite:", "sqlite::memory:", "sqlite:///a/b.db", "sqlite://h/x", "sqlite:rel.db",
		"file:x.db?mode=ro", "postgres://u:p@h/db", "mysql://u:p@h/db", "a:", ":x", "sqlite:\x00",
		"1abc:x", "x+y-z.w:rest", strings.Repeat("s", 40) + ":x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		got, err := parseDSN(dsn)
		if err == nil {
			if !got.dialect.valid() || got.dsn == "" {
				t.Fatalf("parseDSN(%q) = %+v: incomplete target", dsn, got)
			}
			return
		}
		var de *DSNError
		if !errors.As(err, &de) || !errors.Is(err, ErrInvalidDSN) {
			t.Fatalf("parseDSN(%q): error %v is not a *DSNError", dsn, err)
		}
		if !dsnReasons[de.Reason] {
			t.Fatalf("parseDSN(%q): unknown reason %q", dsn, de.Reason)
		}
		if de.Scheme != "" && !strings.HasPrefix(strings.ToLower(dsn), de.Scheme+":") {
			t.Fatalf("parseDSN(%q): scheme %q is not the DSN's", dsn, de.Scheme)
		}
		if len(de.Scheme) > maxSchemeLen {
			t.Fatalf("parseDSN(%q): scheme of %d bytes", dsn, len(de.Scheme))
		}
	})
}
