package sqlstore_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credvault/credvault/apikey"
	"github.com/credvault/credvault/apikey/keystoretest"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

func TestAPIKeyConformance(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			keystoretest.Run(t, func(t *testing.T) apikey.Store {
				dsn, _, _ := b.fresh(t)
				return open(t, dsn)
			})
		})
	}
}

func TestAPIKeyConformanceSQLiteInMemory(t *testing.T) {
	keystoretest.Run(t, func(t *testing.T) apikey.Store { return open(t, "sqlite::memory:") })
}

// TestAPIKeyNotInDatabase issues a key into a SQLite file and checks that
// neither the key nor its secret part is anywhere in the database files:
// a key shown once is not recoverable from the store.
func TestAPIKeyNotInDatabase(t *testing.T) {
	dir := t.TempDir()
	s := open(t, "sqlite://"+filepath.Join(dir, "keys.db"))
	key, rec, err := apikey.Issue(t.Context(), s, apikey.Grant{Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleAdmin, Label: "once"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	plain := key.Reveal()
	secret := plain[strings.LastIndexByte(plain, '_')+1:]
	files, _ := filepath.Glob(filepath.Join(dir, "keys.db*"))
	found := false
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("%s holds the key's secret", filepath.Base(f))
		}
		found = found || bytes.Contains(data, []byte(rec.Hash.String()))
	}
	if !found {
		t.Fatal("the hash is not in the database files either: the check looked in the wrong place")
	}
}

// TestAPIKeyCorruptRow refuses a row whose hash was rewritten to another
// key's: the id column and the hash must agree.
func TestAPIKeyCorruptRow(t *testing.T) {
	dsn, driver, raw := sqliteBackend.fresh(t)
	s := open(t, dsn)
	ctx := t.Context()
	_, a, err := apikey.Issue(ctx, s, apikey.Grant{Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := apikey.Issue(ctx, s, apikey.Grant{Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, driver, raw)
	if _, err := db.ExecContext(ctx, `UPDATE credvault_api_keys SET hash = ? WHERE id = ?`, b.Hash.String(), a.Hash.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KeyByID(ctx, a.Hash.ID); err == nil {
		t.Fatal("KeyByID read a row whose hash belongs to another key")
	}
	if _, err := db.ExecContext(ctx, `UPDATE credvault_api_keys SET hash = ?, role = 'root' WHERE id = ?`, a.Hash.String(), a.Hash.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KeyByID(ctx, a.Hash.ID); err == nil {
		t.Fatal("KeyByID read a row with an unknown role")
	}
}

// BenchmarkAPIKeyVerify verifies a key against a SQLite store (lookup by
// ID, constant-time hash compare, the once-a-minute touch) and, in the
// same run, the bare SHA-256 and constant-time compare of the same key:
// ns/op is the store, bare-ns/op the baseline, x-bare their ratio.
func BenchmarkAPIKeyVerify(b *testing.B) {
	s, err := sqlstore.Open(b.Context(), "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	key, rec, err := apikey.Issue(b.Context(), s, apikey.Grant{Prefix: "hg_ak_", Org: "acme", Role: apikey.RoleViewer})
	if err != nil {
		b.Fatal(err)
	}
	plain, want := key.Reveal(), rec.Hash.Sum
	v := &apikey.Verifier{Store: s}
	b.ResetTimer()
	for range b.N {
		if _, err := v.Verify(b.Context(), plain); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	storeNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	start := time.Now()
	for range b.N {
		sum := sha256.Sum256([]byte(plain))
		if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			b.Fatal("bare compare refused the key")
		}
	}
	bareNs := float64(time.Since(start).Nanoseconds()) / float64(b.N)
	b.ReportMetric(bareNs, "bare-ns/op")
	b.ReportMetric(storeNs/bareNs, "x-bare")
}
