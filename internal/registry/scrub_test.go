package registry

import (
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/clip"
)

// TestScrubClippedSecret: provider text is clipped before the final scrub,
// so the start of an echoed secret can end a message.
func TestScrubClippedSecret(t *testing.T) {
	const pw = "S3cretPassw0rd-Long-Enough"
	c := credentials.UsernamePassword{Username: "deploy", Password: credentials.NewSecret(pw)}
	echoed := clip.Clip(strings.Repeat("x", MaxProviderText-10)+" pw="+pw, MaxProviderText)
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
