package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// TestHealth: health tests every stored registry of the org, prints a
// table or JSON, records each result as the record's health, and exits 7
// when one is not healthy.
func TestHealth(t *testing.T) {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.BasicAuth, Username: "deploy-bot", Password: canary, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	good := `{"username":"deploy-bot","password":"` + canary + `"}`
	for _, name := range []string{"good-1", "good-2", "good-3"} {
		h.must(exitOK, good, "put", "acme", name, "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure")
	}
	out := h.must(exitOK, "", "health", "-org", "acme", "-allow-loopback", "-concurrency", "2")
	if strings.Count(out, "healthy") != 3 || !strings.HasPrefix(out, "REGISTRY") {
		t.Fatalf("table:\n%s", out)
	}

	bad := `{"username":"deploy-bot","password":"wrong-` + canary + `"}`
	h.must(exitOK, bad, "put", "acme", "bad", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure")
	out = h.must(exitTest, "", "health", "-org", "acme", "-allow-loopback", "-json")
	var results []struct {
		Registry string
		Status   providers.Status
		Recorded bool
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil || len(results) != 4 {
		t.Fatalf("JSON (%v):\n%s", err, out)
	}
	if results[0].Registry != "bad" || results[0].Status != providers.StatusAuthFailed || !results[0].Recorded {
		t.Errorf("first result: %+v", results[0])
	}

	c := &cli{getenv: func(k string) string { return h.env[k] }, storeDSN: h.env["CREDVAULT_STORE"], keysetDir: h.env["CREDVAULT_KEYSETS"]}
	v, st, _, err := c.openVault(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bh, err := v.Health(t.Context(), vault.Key{Org: "acme", Registry: "bad"})
	if err != nil || bh.Status != providers.StatusAuthFailed || !bh.LastHealthyAt.IsZero() {
		t.Errorf("bad's stored health: %+v, %v", bh, err)
	}
	gh, err := v.Health(t.Context(), vault.Key{Org: "acme", Registry: "good-2"})
	if err != nil || gh.Status != providers.StatusHealthy || gh.LastHealthyAt.IsZero() {
		t.Errorf("good-2's stored health: %+v, %v", gh, err)
	}

	h.must(exitTest, "", "health", "-org", "acme", "-no-record") // loopback refused: unreachable, not recorded
	if gh, err := v.Health(t.Context(), vault.Key{Org: "acme", Registry: "good-2"}); err != nil || gh.Status != providers.StatusHealthy {
		t.Errorf("-no-record stored a result: %+v, %v", gh, err)
	}
	h.must(exitTest, "", "health", "-org", "acme") // recorded
	if gh, err := v.Health(t.Context(), vault.Key{Org: "acme", Registry: "good-2"}); err != nil || gh.Status != providers.StatusUnreachable || gh.LastHealthyAt.IsZero() {
		t.Errorf("after an unreachable check: %+v, %v; want unreachable, the last healthy time kept", gh, err)
	}
	h.must(exitUsage, "", "health", "-org", "acme", "-concurrency", "0")
	h.must(exitNotFound, "", "health", "-org", "nobody")
}
