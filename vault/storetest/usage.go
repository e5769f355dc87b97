package storetest

import (
	"testing"

	"github.com/credvault/credvault/vault"
)

var usageChecks = []check{
	{"KeyUsageEmpty", testKeyUsageEmpty},
	{"KeyUsage", testKeyUsage},
	{"KeyUsageFollowsWrites", testKeyUsageFollowsWrites},
}

// requireUsage requires KeyUsage(org) to equal want.
func requireUsage(t *testing.T, s vault.Store, org string, want map[string]int64) {
	t.Helper()
	got, err := s.KeyUsage(t.Context(), org)
	requireNoError(t, err, "KeyUsage %q", org)
	if len(want) == 0 {
		requireEmpty(t, got, "KeyUsage %q", org)
		return
	}
	requireEqual(t, want, got, "KeyUsage %q", org)
}

func testKeyUsageEmpty(t *testing.T, s vault.Store) {
	requireUsage(t, s, "", nil)
	requireUsage(t, s, "org", nil)
}

func testKeyUsage(t *testing.T, s vault.Store) {
	seed(t, s, filterRecords)
	requireUsage(t, s, "", map[string]int64{"k1": 4, "k2": 3, "k3": 1})
	requireUsage(t, s, "acme", map[string]int64{"k1": 2, "k2": 1})
	requireUsage(t, s, "acme-eu", map[string]int64{"k1": 1, "k3": 1})
	requireUsage(t, s, "acm", map[string]int64{"k2": 1})
	requireUsage(t, s, "gamma", nil)
}

func testKeyUsageFollowsWrites(t *testing.T, s vault.Store) {
	seed(t, s, filterRecords)
	harbor := mustGet(t, s, vault.Key{Org: "acme", Registry: "harbor"})
	mustPut(t, s, record("acme", "harbor", "k3", "rewrapped"), harbor.Version)
	requireNoError(t, s.Delete(t.Context(), vault.Key{Org: "acme", Registry: "ghcr"}, 0))
	ecr := mustGet(t, s, vault.Key{Org: "acme", Registry: "ecr"})
	_, err := s.Put(t.Context(), record("acme", "ecr", "k9", "lost"), ecr.Version+5)
	requireErrorIs(t, err, vault.ErrConflict)
	requireUsage(t, s, "acme", map[string]int64{"k1": 1, "k3": 1})
	requireUsage(t, s, "", map[string]int64{"k1": 3, "k2": 2, "k3": 2})
}
