package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/vault"
)

// FuzzOpenRecord feeds arbitrary envelope bytes to Describe's and Open's
// parsers: neither may panic, and Open may only fail with a typed error.
func FuzzOpenRecord(f *testing.F) {
	e := newEnv(f)
	ctx := context.Background()
	for i, c := range fixtures.All(canary) {
		k := vault.Key{Org: "acme", Registry: string(rune('a' + i))}
		if _, err := e.v.Put(ctx, k, entry(c)); err != nil {
			f.Fatal(err)
		}
		rec, _ := e.store.Get(ctx, k)
		f.Add(rec.Envelope, rec.KeyID)
	}
	f.Add([]byte{1, 1}, "local://acme#v=1")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, b []byte, keyID string) {
		rec := vault.Record{Key: vault.Key{Org: "acme", Registry: "a"}, Version: 1, KeyID: keyID, Envelope: b}
		if env, err := envelope.Parse(b); err == nil {
			rec.KeyID = env.KeyID // reach past the key-ID column check
		}
		_, _ = e.store.Put(ctx, rec, 0)
		_, _ = e.v.Describe(ctx, rec.Key)
		_ = e.store.Delete(ctx, rec.Key, 0)
		got, err := e.v.OpenRecord(ctx, rec)
		if err == nil {
			// Only an untouched seed can open, and then as its own kind.
			if got.Credential == nil {
				t.Fatal("opened without a credential")
			}
			return
		}
		if !errors.Is(err, vault.ErrCorrupt) && !errors.Is(err, kek.ErrKeyNotFound) &&
			!errors.Is(err, kek.ErrInvalidInput) && !errors.Is(err, kek.ErrKeyDestroyed) && !errors.Is(err, kek.ErrKeyDisabled) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
