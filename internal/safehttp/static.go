package safehttp

import (
	"context"
	"net"
	"net/netip"
)

// A StaticResolver answers from a fixed map of host names to addresses and
// knows no other name: tests use it to point a host at an address the
// policy must refuse, without DNS.
type StaticResolver map[string]netip.Addr

// LookupNetIP implements Resolver.
func (m StaticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := m[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
