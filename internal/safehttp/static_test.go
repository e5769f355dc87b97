package safehttp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestStaticResolver(t *testing.T) {
	meta := netip.MustParseAddr("169.254.169.254")
	r := StaticResolver{"evil.example": meta}
	got, err := r.LookupNetIP(context.Background(), "ip", "evil.example")
	if err != nil || len(got) != 1 || got[0] != meta {
		t.Fatalf("known host: %v, %v", got, err)
	}
	var dnsErr *net.DNSError
	if _, err := r.LookupNetIP(context.Background(), "ip", "other.example"); !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
		t.Fatalf("unknown host: %v", err)
	}
}
