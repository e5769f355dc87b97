package storetest

import (
	"testing"
	"time"

	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// healthChecks run against stores that offer vault.HealthStore.
var healthChecks = []check{
	{"HealthNeedsRecord", offering(testHealthNeedsRecord)},
	{"HealthKeepsLastHealthy", offering(testHealthKeepsLastHealthy)},
	{"HealthIgnoresOlder", offering(testHealthIgnoresOlder)},
	{"HealthDeletedWithRecord", offering(testHealthDeletedWithRecord)},
	{"HealthListByOrg", offering(testHealthListByOrg)},
}

// at returns a test time, minutes after a fixed UTC instant.
func at(minutes int) time.Time {
	return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

// health returns a Health checked at minute m, healthy when st is.
func health(st providers.Status, msg string, m int) vault.Health {
	h := vault.Health{Status: st, Message: msg, CheckedAt: at(m)}
	if st == providers.StatusHealthy {
		h.LastHealthyAt = h.CheckedAt
	}
	return h
}

// requireHealth requires the stored health at k to equal want.
func requireHealth(t *testing.T, hs vault.HealthStore, k vault.Key, want vault.Health) {
	t.Helper()
	got, err := hs.GetHealth(t.Context(), k)
	requireNoError(t, err, "GetHealth %s", k)
	requireTrue(t, got.CheckedAt.Equal(want.CheckedAt) && got.LastHealthyAt.Equal(want.LastHealthyAt),
		"GetHealth %s times: got %v/%v, want %v/%v", k, got.CheckedAt, got.LastHealthyAt, want.CheckedAt, want.LastHealthyAt)
	got.CheckedAt, got.LastHealthyAt = want.CheckedAt, want.LastHealthyAt
	requireEqual(t, want, got, "GetHealth %s", k)
}

func testHealthNeedsRecord(t *testing.T, _ vault.Store, hs vault.HealthStore) {
	k := vault.Key{Org: "org", Registry: "absent"}
	requireErrorIs(t, hs.PutHealth(t.Context(), k, health(providers.StatusHealthy, "", 1)), vault.ErrNotFound)
	_, err := hs.GetHealth(t.Context(), k)
	requireErrorIs(t, err, vault.ErrNotFound)
}

func testHealthKeepsLastHealthy(t *testing.T, s vault.Store, hs vault.HealthStore) {
	k := vault.Key{Org: "org", Registry: "reg"}
	v := mustPut(t, s, record(k.Org, k.Registry, "k1", "e1"), 0)
	_, err := hs.GetHealth(t.Context(), k)
	requireErrorIs(t, err, vault.ErrNotFound, "no health recorded yet")
	steps := []struct {
		put, want vault.Health
	}{
		{health(providers.StatusAuthFailed, "401 from the registry", 1), health(providers.StatusAuthFailed, "401 from the registry", 1)},
		{health(providers.StatusHealthy, "", 2), health(providers.StatusHealthy, "", 2)},
		{health(providers.StatusTimeout, "deadline exceeded", 3),
			vault.Health{Status: providers.StatusTimeout, Message: "deadline exceeded", CheckedAt: at(3), LastHealthyAt: at(2)}},
	}
	for i, st := range steps {
		requireNoError(t, hs.PutHealth(t.Context(), k, st.put), "PutHealth step %d", i)
		requireHealth(t, hs, k, st.want)
	}
	mustPut(t, s, record(k.Org, k.Registry, "k2", "e2"), v) // a rewrite keeps the health
	requireHealth(t, hs, k, steps[2].want)
}

func testHealthIgnoresOlder(t *testing.T, s vault.Store, hs vault.HealthStore) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record(k.Org, k.Registry, "k1", "e1"), 0)
	newer := health(providers.StatusForbidden, "403", 5)
	requireNoError(t, hs.PutHealth(t.Context(), k, newer))
	requireNoError(t, hs.PutHealth(t.Context(), k, health(providers.StatusHealthy, "", 4)), "an older result is ignored, not refused")
	requireHealth(t, hs, k, newer)
}

func testHealthDeletedWithRecord(t *testing.T, s vault.Store, hs vault.HealthStore) {
	k := vault.Key{Org: "org", Registry: "reg"}
	mustPut(t, s, record(k.Org, k.Registry, "k1", "e1"), 0)
	requireNoError(t, hs.PutHealth(t.Context(), k, health(providers.StatusHealthy, "", 1)))
	requireNoError(t, s.Delete(t.Context(), k, 0))
	_, err := hs.GetHealth(t.Context(), k)
	requireErrorIs(t, err, vault.ErrNotFound, "health of a deleted record")
	mustPut(t, s, record(k.Org, k.Registry, "k1", "e2"), 0)
	_, err = hs.GetHealth(t.Context(), k)
	requireErrorIs(t, err, vault.ErrNotFound, "a recreated record inherits no health")
	all, err := hs.ListHealth(t.Context(), k.Org)
	requireNoError(t, err)
	requireEmpty(t, all)
}

func testHealthListByOrg(t *testing.T, s vault.Store, hs vault.HealthStore) {
	seed(t, s, filterRecords)
	want := map[string]vault.Health{}
	for i, reg := range []string{"harbor", "ecr"} {
		h := health(providers.StatusHealthy, "", i)
		requireNoError(t, hs.PutHealth(t.Context(), vault.Key{Org: "acme", Registry: reg}, h))
		want[reg] = h
	}
	other := vault.Key{Org: "acme-eu", Registry: "harbor"}
	requireNoError(t, hs.PutHealth(t.Context(), other, health(providers.StatusUnreachable, "refused", 9)))
	got, err := hs.ListHealth(t.Context(), "acme")
	requireNoError(t, err)
	requireLen(t, got, len(want), "ListHealth acme: %v", got)
	for reg, h := range want {
		requireHealth(t, hs, vault.Key{Org: "acme", Registry: reg}, h)
		requireTrue(t, got[reg].CheckedAt.Equal(h.CheckedAt) && got[reg].Status == h.Status, "ListHealth acme[%s] = %+v", reg, got[reg])
	}
	got, err = hs.ListHealth(t.Context(), "gamma")
	requireNoError(t, err)
	requireEmpty(t, got)
}
