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
// parsers: neither may panic, Open may only fail with a typed error, and
// only an unaltered seed may open, to the very entry sealed in it.
func FuzzOpenRecord(f *testing.F) {
	e := newEnv(f)
	ctx := context.Background()
	k := vault.Key{Org: "acme", Registry: "a"}
	sealed := map[string]vault.Entry{} // by envelope: every seed is sealed for k
	for _, c := range fixtures.All(canary) {
		rec, err := e.v.Seal(ctx, k, entry(c))
		if err != nil {
			f.Fatal(err)
		}
		sealed[string(rec.Envelope)] = entry(c)
		f.Add(rec.Envelope, rec.KeyID)
	}
	f.Add([]byte{1, 1}, "local://acme#v=1")
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, b []byte, keyID string) {
		rec := vault.Record{Key: k, Version: 1, KeyID: keyID, Envelope: b}
		if env, err := envelope.Parse(b); err == nil {
			rec.KeyID = env.KeyID // reach past the key-ID column check
		}
		_, _ = e.store.Put(ctx, rec, 0)
		_, _ = e.v.Describe(ctx, rec.Key)
		_ = e.store.Delete(ctx, rec.Key, 0)
		got, err := e.v.OpenRecord(ctx, rec)
		if err == nil {
			want, ok := sealed[string(b)]
			if !ok {
				t.Fatal("an altered record opened")
			}
			if got.Provider != want.Provider || got.URL != want.URL || got.Insecure != want.Insecure ||
				!sameCredential(t, got.Credential, want.Credential) {
				t.Fatal("a seed opened to another entry")
			}
			return
		}
		if !errors.Is(err, vault.ErrCorrupt) && !errors.Is(err, kek.ErrKeyNotFound) &&
			!errors.Is(err, kek.ErrInvalidInput) && !errors.Is(err, kek.ErrKeyDestroyed) && !errors.Is(err, kek.ErrKeyDisabled) {
			t.Fatalf("untyped error: %v", err)
		}
	})
}
