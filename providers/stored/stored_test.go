package stored_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// canary is in the stored secret; no Result may show it.
const canary = "CANARY5d81e0b2"

var login = credentials.UsernamePassword{Username: "dev", Password: credentials.NewSecret("pw-" + canary)}

// startRegistry runs a Basic-auth registry emulator over TLS that accepts
// login.
func startRegistry(t *testing.T) *regemu.Registry {
	t.Helper()
	r, err := regemu.Start(regemu.Config{Flavor: regemu.BasicAuth, Username: login.Username, Password: login.Password.Reveal(), TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func want(t *testing.T, res providers.Result, st providers.Status) {
	t.Helper()
	if res.Status != st {
		t.Fatalf("status %s, want %s (%+v)", res.Status, st, res)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", res, res, res), canary) {
		t.Fatalf("the secret is in the result: %+v", res)
	}
}

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

func TestStoredRecord(t *testing.T) {
	ctx := context.Background()
	v, st := newVault(t)
	r := startRegistry(t)
	k := vault.Key{Org: "acme", Registry: "custom"}
	if _, err := v.Put(ctx, k, vault.Entry{Provider: providers.Custom, URL: r.URL, Credential: login}); err != nil {
		t.Fatal(err)
	}
	o := providers.Options{AllowLoopback: true, RootCAs: r.CertPool()}
	res := stored.Test(ctx, v, k, o)
	want(t, res, providers.StatusHealthy)

	t.Run("caller endpoints cannot redirect the sealed URL", func(t *testing.T) {
		evil := startRegistry(t)
		redirect := o
		redirect.Endpoints = map[string]string{strings.TrimSuffix(r.URL, "/"): evil.URL}
		res := stored.Test(ctx, v, k, redirect)
		want(t, res, providers.StatusInvalidConfig)
		if evil.Hits() != 0 || res.RoundTrips != 0 {
			t.Fatalf("the caller's endpoint was contacted: %+v, hits %d", res, evil.Hits())
		}
	})
	t.Run("missing", func(t *testing.T) {
		res := stored.Test(ctx, v, vault.Key{Org: "acme", Registry: "absent"}, o)
		want(t, res, providers.StatusNotFound)
		if res.RoundTrips != 0 || !strings.Contains(res.Message, "no stored record acme/absent") {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("rewritten url never receives the credential", func(t *testing.T) {
		evil := startRegistry(t) // same URL length: only the AAD can catch it
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
		res := stored.Test(ctx, v, k, o)
		want(t, res, providers.StatusInvalidConfig)
		if res.RoundTrips != 0 || evil.Hits() != 0 || !strings.Contains(res.Message, "failed authentication") {
			t.Fatalf("got %+v, evil hits %d", res, evil.Hits())
		}
	})
}

// TestStoredCABundle: a registry behind a private CA is tested with the
// bundle sealed in its record, and only with it.
func TestStoredCABundle(t *testing.T) {
	ctx := context.Background()
	v, _ := newVault(t)
	r := startRegistry(t)
	o := providers.Options{AllowLoopback: true} // system roots: they do not know the emulator's CA
	for reg, bundle := range map[string][]byte{"with-ca": r.CertPEM(), "without-ca": nil} {
		k := vault.Key{Org: "acme", Registry: reg}
		e := vault.Entry{Provider: providers.Custom, URL: r.URL, CABundle: bundle, Credential: login}
		if _, err := v.Put(ctx, k, e); err != nil {
			t.Fatal(err)
		}
	}
	want(t, stored.Test(ctx, v, vault.Key{Org: "acme", Registry: "with-ca"}, o), providers.StatusHealthy)
	want(t, stored.Test(ctx, v, vault.Key{Org: "acme", Registry: "without-ca"}, o), providers.StatusTLSError)
}

// TestStoredRobotPrefix: a Harbor instance with a custom robot prefix is
// tested with the prefix sealed in its record.
func TestStoredRobotPrefix(t *testing.T) {
	ctx := context.Background()
	v, _ := newVault(t)
	robot := credentials.HarborRobot{RobotName: "svc@library+ci", Secret: credentials.NewSecret("hbr-" + canary)}
	r, err := regemu.Start(regemu.Config{Flavor: regemu.Harbor, Username: robot.RobotName, Password: robot.Secret.Reveal(), TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	k := vault.Key{Org: "acme", Registry: "harbor"}
	e := vault.Entry{Provider: providers.Harbor, URL: r.URL, RobotPrefix: "svc@", CABundle: r.CertPEM(), Credential: robot}
	if _, err := v.Put(ctx, k, e); err != nil {
		t.Fatal(err)
	}
	want(t, stored.Test(ctx, v, k, providers.Options{AllowLoopback: true}), providers.StatusHealthy)
	if r.Hits() == 0 {
		t.Fatal("the registry was not contacted")
	}
}
