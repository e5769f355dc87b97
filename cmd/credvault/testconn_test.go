package main

import (
	"encoding/json"
	"testing"

	"github.com/credvault/credvault/internal/regemu"
)

func TestCLITestConnection(t *testing.T) {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.BasicAuth, Username: "deploy-bot", Password: canary, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	good := `{"username":"deploy-bot","password":"` + canary + `"}`
	bad := `{"username":"deploy-bot","password":"wrong-` + canary + `"}`
	h.must(exitOK, good, "put", "acme", "good", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure")
	h.must(exitOK, bad, "put", "acme", "bad", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure")

	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"stored record", "", []string{"acme", "good", "-allow-loopback"}, exitOK, "healthy"},
		{"stored wrong password", "", []string{"acme", "bad", "-allow-loopback"}, exitTest, "auth_failed"},
		{"loopback refused by default", "", []string{"acme", "good"}, exitTest, "unreachable"},
		{"missing record", "", []string{"acme", "absent", "-allow-loopback"}, exitTest, "invalid_config"},
		{"credential from stdin", good, []string{"-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure", "-allow-loopback"}, exitOK, "healthy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := h.must(tc.code, tc.stdin, append([]string{"test-connection"}, tc.args...)...)
			var res struct{ Status string }
			if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != tc.want {
				t.Fatalf("status %q (%v), want %q:\n%s", res.Status, err, tc.want, out)
			}
		})
	}
	h.must(exitUsage, "", "test-connection", "acme", "good", "-allow-private", "not-a-cidr")
}

// TestCLITestConnectionNamedProvider tests records whose org or registry is
// literally "provider": a positional argument is not the -provider flag.
func TestCLITestConnectionNamedProvider(t *testing.T) {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.BasicAuth, Username: "deploy-bot", Password: canary, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "provider")
	h.must(exitOK, "", "keys", "create", "acme")
	good := `{"username":"deploy-bot","password":"` + canary + `"}`
	h.must(exitOK, good, "put", "provider", "ghcr", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure")
	h.must(exitOK, good, "put", "acme", "provider", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure")

	for _, args := range [][]string{
		{"provider", "ghcr", "-allow-loopback"},
		{"-allow-loopback", "provider", "ghcr"},
		{"acme", "provider", "-allow-loopback"},
		{"-allow-loopback", "--", "provider", "ghcr"},
	} {
		out := h.must(exitOK, "", append([]string{"test-connection"}, args...)...)
		var res struct{ Status string }
		if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "healthy" {
			t.Errorf("%v: status %q (%v), want healthy:\n%s", args, res.Status, err, out)
		}
	}
	// An explicitly empty -provider is refused, not read as a stored record.
	h.must(exitInvalid, good, "test-connection", "-provider=", "-allow-loopback")
}
