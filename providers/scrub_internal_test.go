package providers

import (
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
