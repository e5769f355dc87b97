package sqlstore_test

import (
	"sync"
	"testing"

	"github.com/credvault/credvault/vault"
)

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
