package vault_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

func TestRecordHealth(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	k := vault.Key{Org: "acme", Registry: "ghcr"}
	cred := credentials.UsernamePat{Username: "bot", Pat: credentials.NewSecret("ghp_" + canary)}
	if _, err := e.v.Put(ctx, k, vault.Entry{Provider: providers.GHCR, Credential: cred}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		res  providers.Result
		at   time.Time
		want vault.Health
	}{
		{providers.Result{Status: providers.StatusHealthy}, t0,
			vault.Health{Status: providers.StatusHealthy, CheckedAt: t0, LastHealthyAt: t0}},
		{providers.Result{Status: providers.StatusAuthFailed, Message: "401"}, t0.Add(time.Minute),
			vault.Health{Status: providers.StatusAuthFailed, Message: "401", CheckedAt: t0.Add(time.Minute), LastHealthyAt: t0}},
	}
	for i, st := range steps {
		if err := e.v.RecordHealth(ctx, k, st.res, st.at); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got, err := e.v.Health(ctx, k)
		if err != nil || got != st.want {
			t.Fatalf("step %d: Health = %+v, %v; want %+v", i, got, err, st.want)
		}
	}
	all, err := e.v.OrgHealth(ctx, "acme")
	if err != nil || len(all) != 1 || all["ghcr"] != steps[1].want {
		t.Fatalf("OrgHealth = %v, %v", all, err)
	}
	if err := e.v.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.Health(ctx, k); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("Health of a deleted record: %v, want ErrNotFound", err)
	}
}

func TestRecordHealthRefuses(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	now := time.Now()
	cases := []struct {
		name string
		k    vault.Key
		res  providers.Result
		at   time.Time
		want error
	}{
		{"no record", vault.Key{Org: "acme", Registry: "none"}, providers.Result{Status: providers.StatusHealthy}, now, vault.ErrNotFound},
		{"empty status", vault.Key{Org: "acme", Registry: "none"}, providers.Result{}, now, vault.ErrInvalidEntry},
		{"zero time", vault.Key{Org: "acme", Registry: "none"}, providers.Result{Status: providers.StatusHealthy}, time.Time{}, vault.ErrInvalidEntry},
		{"bad key", vault.Key{Org: "", Registry: "x"}, providers.Result{Status: providers.StatusHealthy}, now, nil},
	}
	for _, c := range cases {
		err := e.v.RecordHealth(ctx, c.k, c.res, c.at)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: RecordHealth = %v, want %v", c.name, err, c.want)
		}
	}
	bare, err := vault.New(storeOnly{e.store}, e.keys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bare.Health(ctx, vault.Key{Org: "acme", Registry: "x"}); !errors.Is(err, vault.ErrNoHealthStore) || !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Health on a store without health: %v", err)
	}
}

func TestRecordHealthCutsMessage(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	k := vault.Key{Org: "acme", Registry: "ghcr"}
	cred := credentials.UsernamePat{Username: "bot", Pat: credentials.NewSecret("ghp_" + canary)}
	if _, err := e.v.Put(ctx, k, vault.Entry{Provider: providers.GHCR, Credential: cred}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("é", vault.MaxHealthMessage) // 2 bytes each: the cut falls inside one
	if err := e.v.RecordHealth(ctx, k, providers.Result{Status: providers.StatusProviderError, Message: long}, time.Now()); err != nil {
		t.Fatal(err)
	}
	h, err := e.v.Health(ctx, k)
	if err != nil || len(h.Message) != vault.MaxHealthMessage || !strings.HasPrefix(long, h.Message) {
		t.Fatalf("stored message of %d bytes, %v", len(h.Message), err)
	}
}
