package registry_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/internal/safehttp"
)

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name, body, code, msg string
	}{
		{"distribution", `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}`, "UNAUTHORIZED", "authentication required"},
		{"hub api", `{"detail":"Incorrect authentication credentials"}`, "", "Incorrect authentication credentials"},
		{"hub token server", `{"details":"incorrect username or password"}`, "", "incorrect username or password"},
		{"harness", `{"code":"401","message":"Invalid API key","details":{}}`, "401", "Invalid API key"},
		{"numeric code", `{"code":403,"message":"no"}`, "403", "no"},
		{"buildkite", `{"message":"Authentication required"}`, "", "Authentication required"},
		{"quay", `{"error":"Invalid Username or Password"}`, "", "Invalid Username or Password"},
		{"control chars", `{"errors":[{"code":"X\n","message":"a\r\nb\u001b[31m"}]}`, "X", "ab[31m"},
		{"not json", `<html>502</html>`, "", ""},
		{"empty", ``, "", ""},
	}
	for _, tc := range tests {
		code, msg := registry.ParseErrorBody([]byte(tc.body))
		if code != tc.code || msg != tc.msg {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", tc.name, code, msg, tc.code, tc.msg)
		}
	}
	long := `{"message":"` + strings.Repeat("x", 5000) + `"}`
	if _, msg := registry.ParseErrorBody([]byte(long)); len(msg) > 300 {
		t.Fatalf("message not capped: %d bytes", len(msg))
	}
}

func TestStatusFor(t *testing.T) {
	for code, want := range map[int]registry.Status{
		200: registry.StatusHealthy, 401: registry.StatusAuthFailed, 403: registry.StatusForbidden,
		404: registry.StatusNotFound, 429: registry.StatusRateLimited, 500: registry.StatusProviderError,
		503: registry.StatusProviderError, 412: registry.StatusProviderError,
	} {
		if got := registry.StatusFor(code); got != want {
			t.Errorf("StatusFor(%d) = %s, want %s", code, got, want)
		}
	}
}

// TestBlockedNamesTheOption: a refusal by the address policy says which
// option admits the address, or that none does.
func TestBlockedNamesTheOption(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1":          "Options.AllowLoopback (CLI -allow-loopback) admits it",
		"::1":                "Options.AllowLoopback (CLI -allow-loopback) admits it",
		"10.1.2.3":           "covering it (CLI -allow-private 10.1.2.3/32) admits it",
		"::ffff:192.168.0.9": "covering it (CLI -allow-private 192.168.0.9/32) admits it",
		"fd00::1":            "covering it (CLI -allow-private fd00::1/128) admits it",
		"169.254.169.254":    "naming exactly this address (CLI -allow-private 169.254.169.254/32) admits it",
		"224.0.0.1":          "no option admits it",
	} {
		a := netip.MustParseAddr(addr)
		err := (safehttp.Policy{}).CheckAddr(a)
		st, msg := (&registry.Session{}).TransportStatus(err)
		if st != registry.StatusUnreachable || !strings.HasPrefix(msg, "blocked by address policy: ") || !strings.HasSuffix(msg, want) {
			t.Errorf("%s: %s %q, want it to end %q", addr, st, msg, want)
		}
		if (safehttp.Policy{AllowLoopback: true, AllowPrivate: []netip.Prefix{netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())}}).CheckAddr(a) != nil &&
			!strings.HasSuffix(want, "no option admits it") {
			t.Errorf("%s: the option the message names does not admit it", addr)
		}
	}
	if _, msg := (&registry.Session{}).TransportStatus(&safehttp.BlockedError{Host: "2130706433", Reason: "numeric host name"}); !strings.HasSuffix(msg, "no option admits it") {
		t.Errorf("a refused host name: %q", msg)
	}
}

// FuzzParseErrorBody: never panics, output capped and printable.
func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{`{"errors":[{"code":"DENIED","message":"x"}]}`, `{"detail":1}`, `{"code":{},"message":"m"}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		code, msg := registry.ParseErrorBody(b)
		if len(code) > 70 || len(msg) > 210 || strings.ContainsAny(code+msg, "\r\n\x00") {
			t.Fatalf("unsafe output %q %q", code, msg)
		}
	})
}
