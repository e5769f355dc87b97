package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
		{"missing record", "", []string{"acme", "absent", "-allow-loopback"}, exitTest, "not_found"},
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

// TestCLITestConnectionPrivateCA checks a registry behind a private CA
// from every door: an ad hoc check with -ca-file, and a record sealed by
// put -ca-file, tested in the stored form; without the CA the
// certificate is refused.
func TestCLITestConnectionPrivateCA(t *testing.T) {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.Distribution, Username: "deploy-bot", Password: canary, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, reg.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	good := `{"username":"deploy-bot","password":"` + canary + `"}`
	h.must(exitOK, good, "put", "acme", "private", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-ca-file", ca)
	h.must(exitOK, good, "put", "acme", "public-roots", "-provider", "DOCKER_REGISTRY", "-url", reg.URL)
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		want        string
	}{
		{"stored, sealed CA", "", []string{"acme", "private"}, exitOK, "healthy"},
		{"stored, system roots", "", []string{"acme", "public-roots"}, exitTest, "tls_error"},
		{"ad hoc, -ca-file", good, []string{"-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-ca-file", ca}, exitOK, "healthy"},
		{"ad hoc, system roots", good, []string{"-provider", "DOCKER_REGISTRY", "-url", reg.URL}, exitTest, "tls_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := h.must(tc.code, tc.stdin, append([]string{"test-connection", "-allow-loopback"}, tc.args...)...)
			var res struct {
				Status        string
				Authenticated bool
				InsecureTLS   bool
			}
			if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != tc.want || res.InsecureTLS {
				t.Fatalf("got %+v (%v), want %s verified:\n%s", res, err, tc.want, out)
			}
			if tc.code == exitOK && !res.Authenticated {
				t.Fatalf("healthy but not authenticated:\n%s", out)
			}
		})
	}
}

// TestCLITestConnectionForms: the stored form refuses the flags it would
// ignore, with a usage error and before any request; -anonymous checks
// anonymous access on purpose; a policy refusal names the flag that
// admits the address.
func TestCLITestConnectionForms(t *testing.T) {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.BasicAuth, Username: "deploy-bot", Password: canary, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	good := `{"username":"deploy-bot","password":"` + canary + `"}`
	h.must(exitOK, good, "put", "acme", "good", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure")
	for _, extra := range [][]string{{"-url", "https://evil.example"}, {"-insecure"}, {"-credentials-file", "x.json"},
		{"-ca-file", "ca.pem"}, {"-ca-bundle", "ca.pem"}, {"-robot-prefix", "svc-"}, {"-anonymous"}} {
		before := reg.Hits()
		code, _, errOut := h.run("", append([]string{"test-connection", "acme", "good", "-allow-loopback"}, extra...)...)
		if code != exitUsage || !strings.Contains(errOut, extra[0]+" is refused") || reg.Hits() != before {
			t.Errorf("%v: exit %d, hits %d, stderr %q", extra, code, reg.Hits()-before, errOut)
		}
	}

	out := h.must(exitOK, "", "test-connection", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-insecure", "-anonymous", "-allow-loopback")
	var res struct {
		Status        string
		Authenticated bool
		InsecureTLS   bool
		Message       string
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "healthy" || res.Authenticated || !res.InsecureTLS {
		t.Fatalf("anonymous check: %+v (%v)", res, err)
	}
	h.must(exitUsage, "", "test-connection", "-provider", "DOCKER_REGISTRY", "-url", reg.URL, "-anonymous", "-credentials-file", "x.json")
	h.must(exitInvalid, "", "test-connection", "-provider", "HARNESS_AR", "-anonymous") // Harness cannot be used anonymously

	out = h.must(exitTest, "", "test-connection", "acme", "good")
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Status != "unreachable" || !strings.Contains(res.Message, "-allow-loopback") {
		t.Fatalf("a loopback refusal must name -allow-loopback: %+v (%v)", res, err)
	}
}

// TestCLITestConnectionHelp: both test-connection forms list the address
// flags, and the flags they share are described once for both.
func TestCLITestConnectionHelp(t *testing.T) {
	_, rest, _ := strings.Cut(usageText, "\n  test-connection <org> <registry>")
	stored, adHoc, ok := strings.Cut(rest, "\n  test-connection -provider")
	if !ok {
		t.Fatal("usageText lacks the two test-connection forms")
	}
	synopsis := func(s string) string { return s[:regexp.MustCompile(`\n {6}\S`).FindStringIndex(s)[0]] }
	for form, text := range map[string]string{"stored": synopsis(stored), "-provider": synopsis(adHoc)} {
		for _, f := range []string{"-allow-private", "-allow-loopback", "-timeout"} {
			if !strings.Contains(text, f) {
				t.Errorf("the %s form's synopsis lacks %s", form, f)
			}
		}
	}
	for _, f := range []string{"Both forms", "-allow-private CIDRs  ", "-allow-loopback  ", "-ca-file PEM", "-anonymous", "unverified"} {
		if !strings.Contains(adHoc, f) {
			t.Errorf("test-connection help lacks %q", f)
		}
	}
}
