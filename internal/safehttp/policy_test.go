package safehttp

import (
	"net/netip"
	"testing"
)

// TestTeredoRefusedOutright: the package documentation says Teredo
// (2001::/32) "is refused outright", but a covering AllowPrivate prefix
// admitted it, although its embedded client address is obfuscated and the
// relay may deliver anywhere.
func TestTeredoRefusedOutright(t *testing.T) {
	teredo := netip.MustParseAddr("2001:0:4136:e378:8000:63bf:3fff:fdd2")
	for _, pfx := range []string{"2001::/32", "2000::/3", "::/0"} {
		p := Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix(pfx)}}
		if err := p.CheckAddr(teredo); err == nil {
			t.Errorf("AllowPrivate %s admits the Teredo address %s", pfx, teredo)
		}
	}
}
