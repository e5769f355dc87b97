package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/credvault/credvault/vault"
)

func TestCheckpoints(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			b.require(t)
			dsn, _, _ := b.fresh(t)
			s := open(t, dsn)
			ctx := t.Context()
			if _, ok, err := s.LoadCheckpoint(ctx, "dek/acme"); ok || err != nil {
				t.Fatalf("fresh store: ok=%v err=%v", ok, err)
			}
			for i := range 3 {
				at := vault.Checkpoint{After: vault.Key{Org: "acme", Registry: fmt.Sprintf("reg-%d", i)}, Done: int64(10 * i), Skipped: int64(i)}
				if err := s.SaveCheckpoint(ctx, "dek/acme", at); err != nil {
					t.Fatal(err)
				}
				if got, ok, err := s.LoadCheckpoint(ctx, "dek/acme"); !ok || err != nil || got != at {
					t.Fatalf("after save %d: %v %v %v", i, got, ok, err)
				}
			}
			if err := s.SaveCheckpoint(ctx, "dek/globex", vault.Checkpoint{After: vault.Key{Org: "globex", Registry: "x"}}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // clearing twice is fine
				if err := s.ClearCheckpoint(ctx, "dek/acme"); err != nil {
					t.Fatal(err)
				}
			}
			if _, ok, _ := s.LoadCheckpoint(ctx, "dek/acme"); ok {
				t.Fatal("checkpoint survived Clear")
			}
			if got, ok, _ := s.LoadCheckpoint(ctx, "dek/globex"); !ok || got.After.Org != "globex" {
				t.Fatalf("another job's checkpoint: %v %v", got, ok)
			}
			// It survives a reopen.
			s2 := open(t, dsn)
			if got, ok, err := s2.LoadCheckpoint(ctx, "dek/globex"); !ok || err != nil || got.After.Registry != "x" {
				t.Fatalf("after reopen: %v %v %v", got, ok, err)
			}
		})
	}
}
