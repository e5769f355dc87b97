package schedule_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/schedule"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// clock is an injected policy clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a vault over memstore with local keys for acme and n
// records at a loopback registry, which connection tests refuse without
// sending anything (StatusUnreachable).
type fixture struct {
	v     *vault.Vault
	st    *memstore.Store
	keys  *local.Manager
	clock *clock
	n     int
}

func newFixture(t *testing.T, n int) *fixture {
	t.Helper()
	ctx := t.Context()
	root, err := local.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(t.TempDir(), root)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	v, err := vault.New(st, m)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		cred := credentials.UsernamePassword{Username: "bot", Password: credentials.NewSecret(fmt.Sprint("pw-", i))}
		e := vault.Entry{Provider: providers.DockerRegistry, URL: "https://127.0.0.1:9", Credential: cred}
		if _, err := v.Put(ctx, vault.Key{Org: "acme", Registry: fmt.Sprint("reg-", i)}, e); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{v: v, st: st, keys: m, clock: &clock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, n: n}
}

func (f *fixture) scheduler(t *testing.T, p schedule.Policy) *schedule.Scheduler {
	t.Helper()
	s, err := schedule.New(f.v, schedule.Options{
		Policies: map[string]schedule.Policy{"acme": p},
		Keys:     schedule.LocalKeys(f.keys, f.st),
		Lease:    vault.LeaseOptions{Holder: "replica-1"},
		Now:      f.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fixture) runOnce(t *testing.T, s *schedule.Scheduler) {
	t.Helper()
	if err := s.RunOnce(t.Context()); err != nil {
		t.Fatalf("RunOnce at %v: %v", f.clock.Now(), err)
	}
}

// versions returns acme's key versions by status, and the primary.
func (f *fixture) versions(t *testing.T) (enabled, disabled int, primary string) {
	t.Helper()
	vs, err := f.keys.Versions(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		switch v.Status {
		case local.StatusEnabled:
			enabled++
		case local.StatusDisabled:
			disabled++
		}
		if v.Primary {
			primary = v.KeyID
		}
	}
	return enabled, disabled, primary
}

func TestKEKRotationRewrapRetire(t *testing.T) {
	f := newFixture(t, 30)
	s := f.scheduler(t, schedule.Policy{KEKMaxAge: 24 * time.Hour, Rewrap: true, Retire: true, RetireGrace: time.Hour})
	_, _, first := f.versions(t)
	steps := []struct {
		after             time.Duration
		enabled, disabled int
		rotated           bool
	}{
		{0, 1, 0, false},              // the first look starts the clock
		{23 * time.Hour, 1, 0, false}, // not yet due
		{time.Hour, 2, 0, true},       // due: rotate and rewrap; the old version is in its grace
		{time.Hour, 1, 1, true},       // grace over: the unused version is retired
	}
	for i, st := range steps {
		f.clock.Add(st.after)
		f.runOnce(t, s)
		enabled, disabled, primary := f.versions(t)
		if enabled != st.enabled || disabled != st.disabled || (primary != first) != st.rotated {
			t.Fatalf("step %d: %d enabled, %d disabled, rotated %v; want %d, %d, %v", i, enabled, disabled, primary != first, st.enabled, st.disabled, st.rotated)
		}
		usage, err := f.v.KeyUsage(t.Context(), "acme")
		if err != nil || len(usage) != 1 || usage[primary] != int64(f.n) {
			t.Fatalf("step %d: key usage %v, %v; want all %d records on %s", i, usage, err, f.n, primary)
		}
	}
}

func TestDEKRotationWhenDue(t *testing.T) {
	f := newFixture(t, 12)
	s := f.scheduler(t, schedule.Policy{DEKMaxAge: 7 * 24 * time.Hour})
	k := vault.Key{Org: "acme", Registry: "reg-3"}
	version := func() int64 {
		rec, err := f.st.Get(t.Context(), k)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Version
	}
	v0 := version()
	f.runOnce(t, s)
	f.clock.Add(6 * 24 * time.Hour)
	f.runOnce(t, s)
	if version() != v0 {
		t.Fatal("DEKs rotated before DEKMaxAge")
	}
	f.clock.Add(24 * time.Hour)
	f.runOnce(t, s)
	if version() == v0 {
		t.Fatal("DEKs not rotated after DEKMaxAge")
	}
	if _, _, err := f.v.Open(t.Context(), k); err != nil {
		t.Fatalf("record after DEK rotation: %v", err)
	}
}

func TestHealthSweep(t *testing.T) {
	f := newFixture(t, 5)
	s := f.scheduler(t, schedule.Policy{HealthEvery: 10 * time.Minute, HealthRate: 1000})
	check := func(want time.Time) {
		t.Helper()
		all, err := f.v.OrgHealth(t.Context(), "acme")
		if err != nil || len(all) != f.n {
			t.Fatalf("OrgHealth: %d results, %v; want %d", len(all), err, f.n)
		}
		for reg, h := range all {
			if h.Status != providers.StatusUnreachable || !h.CheckedAt.Equal(want) || !h.LastHealthyAt.IsZero() {
				t.Fatalf("%s: %+v, want unreachable checked at %v", reg, h, want)
			}
		}
	}
	t0 := f.clock.Now()
	f.runOnce(t, s)
	check(t0)
	f.clock.Add(5 * time.Minute)
	f.runOnce(t, s)
	check(t0)
	f.clock.Add(5 * time.Minute)
	f.runOnce(t, s)
	check(t0.Add(10 * time.Minute))
}

func TestHeldLeaseSkips(t *testing.T) {
	f := newFixture(t, 3)
	s := f.scheduler(t, schedule.Policy{HealthEvery: time.Minute})
	if _, err := f.st.AcquireLease(t.Context(), "health/acme", "replica-2", time.Hour); err != nil {
		t.Fatal(err)
	}
	f.runOnce(t, s)
	if all, err := f.v.OrgHealth(t.Context(), "acme"); err != nil || len(all) != 0 {
		t.Fatalf("a job another replica holds ran here: %v, %v", all, err)
	}
}

func TestNewRefuses(t *testing.T) {
	f := newFixture(t, 0)
	cases := []struct {
		name string
		opts schedule.Options
		want error
	}{
		{"no holder", schedule.Options{}, vault.ErrInvalidEntry},
		{"no keys", schedule.Options{Lease: vault.LeaseOptions{Holder: "r"},
			Policies: map[string]schedule.Policy{"acme": {KEKMaxAge: time.Hour}}}, schedule.ErrNoKeys},
	}
	for _, c := range cases {
		if _, err := schedule.New(f.v, c.opts); !errors.Is(err, c.want) {
			t.Errorf("%s: New = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestRunStopsWithContext(t *testing.T) {
	f := newFixture(t, 1)
	s := f.scheduler(t, schedule.Policy{HealthEvery: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
}
