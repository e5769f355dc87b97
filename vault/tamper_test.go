package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/vault"
)

// sealed stores one record at ghcr and returns it.
func sealed(t *testing.T, e env) vault.Record {
	t.Helper()
	ctx := context.Background()
	if _, err := e.v.Put(ctx, ghcr, entry(fixtures.All(canary)[1])); err != nil {
		t.Fatal(err)
	}
	rec, err := e.store.Get(ctx, ghcr)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// mustFail opens rec and requires a typed failure that leaks nothing.
func mustFail(t *testing.T, e env, rec vault.Record, want ...error) {
	t.Helper()
	got, err := e.v.OpenRecord(context.Background(), rec)
	if err == nil {
		t.Fatalf("opened a tampered record: %+v", got)
	}
	if got.Credential != nil {
		t.Fatal("returned a credential with an error")
	}
	for _, w := range want {
		if errors.Is(err, w) {
			assertNoCanary(t, err)
			return
		}
	}
	t.Fatalf("err = %v, want one of %v", err, want)
}

// TestEveryByteFlipFails flips bits in every byte of a record under each
// payload cipher: no byte may go unauthenticated (AES-GCM uses 12 of the
// 24 nonce bytes; the other 12 must be refused unless zero).
func TestEveryByteFlipFails(t *testing.T) {
	for name, c := range map[string]vault.Cipher{"chacha20poly1305": vault.ChaCha20Poly1305, "xchacha20poly1305": vault.XChaCha20Poly1305, "aes256gcm": vault.AES256GCM} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			v, err := vault.New(e.store, e.keys, vault.WithCipher(c))
			if err != nil {
				t.Fatal(err)
			}
			e.v = v
			rec := sealed(t, e)
			for i := range rec.Envelope {
				for _, mask := range []byte{0x01, 0x80} {
					bad := rec
					bad.Envelope = bytes.Clone(rec.Envelope)
					bad.Envelope[i] ^= mask
					mustFail(t, e, bad, vault.ErrCorrupt)
				}
			}
		})
	}
}

func TestEveryTruncationFails(t *testing.T) {
	e := newEnv(t)
	rec := sealed(t, e)
	for n := range rec.Envelope {
		bad := rec
		bad.Envelope = rec.Envelope[:n]
		mustFail(t, e, bad, vault.ErrCorrupt)
	}
	bad := rec
	bad.Envelope = append(bytes.Clone(rec.Envelope), 0)
	mustFail(t, e, bad, vault.ErrCorrupt)
}

func TestMovedRecordFails(t *testing.T) {
	e := newEnv(t)
	rec := sealed(t, e)
	moved := rec
	moved.Registry = "another-registry"
	mustFail(t, e, moved, vault.ErrCorrupt)

	// Another org has its own KEK, which does not know the key ID.
	moved = rec
	moved.Org = "globex"
	mustFail(t, e, moved, vault.ErrCorrupt, kek.ErrKeyNotFound)

	// Even when both orgs share one KEK, the AAD binds the org.
	shared, _ := e.keys.KEK(context.Background(), "acme")
	v, _ := vault.New(e.store, resolverFunc(func(context.Context, string) (kek.KEK, error) { return shared, nil }))
	if _, err := v.OpenRecord(context.Background(), moved); !errors.Is(err, vault.ErrCorrupt) || !errors.Is(err, kek.ErrUnwrap) {
		t.Fatalf("cross-org open under a shared KEK: %v", err)
	}
}

// reseal rewrites one envelope field and re-marshals it, as an attacker
// with write access to the table could.
func reseal(t *testing.T, rec vault.Record, mutate func(*envelope.Envelope)) vault.Record {
	t.Helper()
	env, err := envelope.Parse(bytes.Clone(rec.Envelope))
	if err != nil {
		t.Fatal(err)
	}
	mutate(&env)
	b, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rec.Envelope, rec.KeyID = b, env.KeyID
	return rec
}

func TestWellFormedForgeriesFail(t *testing.T) {
	e := newEnv(t)
	a := sealed(t, e)
	if _, err := e.v.Put(context.Background(), ghcr, entry(fixtures.All(canary)[0])); err != nil {
		t.Fatal(err)
	}
	b, _ := e.store.Get(context.Background(), ghcr)
	envB, _ := envelope.Parse(b.Envelope)

	cases := map[string]func(*envelope.Envelope){
		// The URL lives in the metadata: pointing the credential at an
		// attacker's server must break the record.
		"rewritten url": func(x *envelope.Envelope) {
			x.Meta = bytes.Replace(x.Meta, []byte("https://ghcr.io"), []byte("https://evil.example"), 1)
		},
		"insecure flag set":      func(x *envelope.Envelope) { x.Meta = append([]byte{x.Meta[0], 1}, x.Meta[2:]...) },
		"other record's DEK":     func(x *envelope.Envelope) { x.WrappedDEK = envB.WrappedDEK },
		"other record's payload": func(x *envelope.Envelope) { x.Ciphertext = envB.Ciphertext },
		"commitment swapped":     func(x *envelope.Envelope) { x.Commitment = envB.Commitment },
		"kind relabelled":        func(x *envelope.Envelope) { x.Kind = "UsernamePassword" },
		"cipher switched": func(x *envelope.Envelope) {
			x.Alg = envelope.AlgAES256GCM
			clear(x.Nonce[envelope.NonceLen(x.Alg):])
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			mustFail(t, e, reseal(t, a, mutate), vault.ErrCorrupt)
		})
	}
	t.Run("key ID column disagrees", func(t *testing.T) {
		bad := a
		bad.KeyID = envB.KeyID + "x"
		mustFail(t, e, bad, vault.ErrCorrupt)
	})
	t.Run("key ID column empty", func(t *testing.T) {
		bad := a
		bad.KeyID = ""
		mustFail(t, e, bad, vault.ErrCorrupt)
	})
}

func TestWrongKEKFails(t *testing.T) {
	e := newEnv(t)
	rec := sealed(t, e)
	other := newEnv(t) // same org names, different root key and keysets
	mustFail(t, other, rec, vault.ErrCorrupt, kek.ErrKeyNotFound)
}

// formatAll renders v every way a careless caller might.
func formatAll(v any) []string {
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out = append(out, fmt.Sprintf(verb, v))
	}
	if b, err := json.Marshal(v); err == nil {
		out = append(out, string(b))
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
	return append(out, buf.String())
}
