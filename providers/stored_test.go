package providers_test

import (
	"context"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

func newVault(t *testing.T) (*vault.Vault, vault.Store) {
	t.Helper()
	root, err := local.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(t.TempDir(), root)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	v, err := vault.New(st, m)
	if err != nil {
		t.Fatal(err)
	}
	return v, st
}

func TestStored(t *testing.T) {
	ctx := context.Background()
	v, st := newVault(t)
	pc := provCases[8] // custom, Basic
	r := pc.start(t)
	k := vault.Key{Org: "acme", Registry: "custom"}
	if _, err := v.Put(ctx, k, vault.Entry{Provider: string(pc.provider), URL: r.URL, Credential: pc.good()}); err != nil {
		t.Fatal(err)
	}
	o := opts(r)
	res := providers.TestStored(ctx, v, k, o)
	want(t, res, providers.StatusHealthy)
	assertNoSecret(t, res, pc.good())

	t.Run("caller endpoints cannot redirect the sealed URL", func(t *testing.T) {
		evil := pc.start(t)
		redirect := o
		redirect.Endpoints = map[string]string{strings.TrimSuffix(r.URL, "/"): evil.URL}
		res := providers.TestStored(ctx, v, k, redirect)
		want(t, res, providers.StatusInvalidConfig)
		if evil.Hits() != 0 || res.RoundTrips != 0 {
			t.Fatalf("the caller's endpoint was contacted: %+v, hits %d", res, evil.Hits())
		}
	})
	t.Run("missing", func(t *testing.T) {
		res := providers.TestStored(ctx, v, vault.Key{Org: "acme", Registry: "absent"}, o)
		want(t, res, providers.StatusInvalidConfig)
	})
	t.Run("rewritten url never receives the credential", func(t *testing.T) {
		evil := pc.start(t) // same URL length: only the AAD can catch it
		rec, err := st.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		env, err := envelope.Parse(rec.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		if len(evil.URL) != len(r.URL) {
			t.Fatalf("URL lengths differ: %q %q", evil.URL, r.URL)
		}
		env.Meta = []byte(strings.Replace(string(env.Meta), r.URL, evil.URL, 1))
		if rec.Envelope, err = env.Marshal(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Put(ctx, rec, rec.Version); err != nil {
			t.Fatal(err)
		}
		d, err := v.Describe(ctx, k)
		if err != nil || d.URL != evil.URL {
			t.Fatalf("describe shows %q, %v: the row was not rewritten", d.URL, err)
		}
		res := providers.TestStored(ctx, v, k, o)
		want(t, res, providers.StatusInvalidConfig)
		if res.RoundTrips != 0 || evil.Hits() != 0 || !strings.Contains(res.Message, "failed authentication") {
			t.Fatalf("got %+v, evil hits %d", res, evil.Hits())
		}
	})
}
