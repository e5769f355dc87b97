package registry

import (
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/clip"
)

func TestRedactClippedDerivedToken(t *testing.T) {
	const token = "ya29.c.derived-access-token-value"
	msg := clip.Clip(strings.Repeat("y", MaxProviderText-8)+token, MaxProviderText)
	if got := Redact(msg, token); strings.Contains(got, token[:8]) {
		t.Fatalf("clipped derived token survived: %q", got)
	}
}
