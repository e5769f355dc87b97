package providers

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
)

// TestScrubClippedSecret: provider text is clipped before the final scrub,
// so the start of an echoed secret can end a message.
func TestScrubClippedSecret(t *testing.T) {
	const pw = "S3cretPassw0rd-Long-Enough"
	c := credentials.UsernamePassword{Username: "deploy", Password: credentials.NewSecret(pw)}
	echoed := Clip(strings.Repeat("x", MaxProviderText-10)+" pw="+pw, MaxProviderText)
	got := scrub(echoed, c)
	if strings.Contains(got, pw[:6]) || !strings.HasSuffix(got, credentials.Redacted+"…") {
		t.Fatalf("clipped secret survived: %q", got)
	}
	if whole := scrub("pw="+pw+" end", c); whole != "pw="+credentials.Redacted+" end" {
		t.Fatalf("whole secret: %q", whole)
	}
	if plain := scrub("nothing secret here…", c); plain != "nothing secret here…" {
		t.Fatalf("harmless clipped text changed: %q", plain)
	}
}

func TestRedactClippedDerivedToken(t *testing.T) {
	const token = "ya29.c.derived-access-token-value"
	msg := Clip(strings.Repeat("y", MaxProviderText-8)+token, MaxProviderText)
	if got := Redact(msg, token); strings.Contains(got, token[:8]) {
		t.Fatalf("clipped derived token survived: %q", got)
	}
}

// TestScrubShortSecret: a secret too short to redact in place (validation
// sets no minimum length) withholds the whole text rather than leaving it.
func TestScrubShortSecret(t *testing.T) {
	c := credentials.UsernamePassword{Username: "deploy", Password: credentials.NewSecret("Zq9")}
	if got := scrub("HTTP 401: wrong password Zq9", c); got != withheld {
		t.Fatalf("short secret survived: %q", got)
	}
	if got := scrub("HTTP 401: unauthorized", c); got != "HTTP 401: unauthorized" {
		t.Fatalf("text without the secret changed: %q", got)
	}
}

// TestRootPool: Options.RootCAs replaces the system roots, as
// tls.Config.RootCAs does, and a target's CA bundle adds to whichever
// pool is in force.
func TestRootPool(t *testing.T) {
	if p, err := rootPool(nil, nil); p != nil || err != nil {
		t.Fatalf("no roots given: %v, %v", p, err)
	}
	base := x509.NewCertPool()
	p, err := rootPool(nil, base)
	if err != nil || !p.Equal(base) || p == base {
		t.Fatalf("RootCAs alone: want a copy of it, got %v", err)
	}
	if _, err := rootPool([]byte("not PEM"), base); err == nil {
		t.Fatal("a bundle without a certificate was accepted")
	}
}
