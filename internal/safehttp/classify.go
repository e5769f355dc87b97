package safehttp

import "net/netip"

// class says how a non-public address may be admitted.
type class int

const (
	classPublic     class = iota // a globally routable unicast address
	classRestricted              // admitted by a covering AllowPrivate prefix
	classLoopback                // admitted by AllowLoopback or a covering prefix
	classMetadata                // admitted only by a single-address prefix naming it
	classNever                   // never admitted
)

// verdict is the classification of one address.
type verdict struct {
	class  class
	reason string
}

type special struct {
	prefix netip.Prefix
	verdict
}

func sp(prefix string, c class, reason string) special {
	return special{netip.MustParsePrefix(prefix), verdict{c, reason}}
}

// metadata lists cloud instance-metadata endpoints: AWS, GCP, Azure,
// OpenStack, DigitalOcean (169.254.169.254), AWS ECS task metadata
// (169.254.170.2), EKS Pod Identity (169.254.170.23, fd00:ec2::23), AWS IPv6
// IMDS (fd00:ec2::254), Alibaba Cloud (100.100.100.200) and Oracle Cloud's
// legacy endpoint (192.0.0.192).
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"),
	netip.MustParseAddr("169.254.170.2"),
	netip.MustParseAddr("169.254.170.23"),
	netip.MustParseAddr("100.100.100.200"),
	netip.MustParseAddr("192.0.0.192"),
	netip.MustParseAddr("fd00:ec2::254"),
	netip.MustParseAddr("fd00:ec2::23"),
}

// specials4 are the IANA special-purpose IPv4 ranges, first match wins.
var specials4 = []special{
	sp("0.0.0.0/8", classNever, "this network (0.0.0.0/8)"),
	sp("127.0.0.0/8", classLoopback, "loopback"),
	sp("10.0.0.0/8", classRestricted, "private"),
	sp("172.16.0.0/12", classRestricted, "private"),
	sp("192.168.0.0/16", classRestricted, "private"),
	sp("100.64.0.0/10", classRestricted, "shared address space (CGNAT)"),
	sp("169.254.0.0/16", classRestricted, "link-local"),
	sp("192.0.0.0/24", classRestricted, "IETF protocol assignments"),
	sp("192.0.2.0/24", classRestricted, "documentation"),
	sp("198.51.100.0/24", classRestricted, "documentation"),
	sp("203.0.113.0/24", classRestricted, "documentation"),
	sp("192.88.99.0/24", classRestricted, "6to4 relay anycast (deprecated)"),
	sp("198.18.0.0/15", classRestricted, "benchmarking"),
	sp("224.0.0.0/4", classNever, "multicast"),
	sp("255.255.255.255/32", classNever, "broadcast"),
	sp("240.0.0.0/4", classRestricted, "reserved"),
}

// specials6 are the IANA special-purpose IPv6 ranges that are not judged by
// an embedded IPv4 address, first match wins. Anything outside 2000::/3
// that is not listed is refused as not global unicast.
var specials6 = []special{
	sp("::/128", classNever, "unspecified"),
	sp("::1/128", classLoopback, "loopback"),
	sp("::/96", classRestricted, "IPv4-compatible (deprecated)"),
	sp("64:ff9b:1::/48", classRestricted, "local-use NAT64"),
	sp("100::/64", classRestricted, "discard-only"),
	sp("2001::/32", classNever, "Teredo"),
	sp("2001:db8::/32", classRestricted, "documentation"),
	sp("2001::/23", classRestricted, "IETF protocol assignments"),
	sp("3fff::/20", classRestricted, "documentation"),
	sp("5f00::/16", classRestricted, "SRv6 SIDs"),
	sp("fc00::/7", classRestricted, "unique local (ULA)"),
	sp("fe80::/10", classRestricted, "link-local"),
	sp("fec0::/10", classRestricted, "site-local (deprecated)"),
	sp("ff00::/8", classNever, "multicast"),
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	global6   = netip.MustParsePrefix("2000::/3")
)

// classify judges one address, ignoring any zone.
func classify(a netip.Addr) verdict {
	a = a.WithZone("")
	switch {
	case !a.IsValid():
		return verdict{classNever, "invalid address"}
	case a.Is4In6():
		return prefixed("IPv4-mapped ", classify(a.Unmap()))
	case isMetadata(a):
		return verdict{classMetadata, "cloud metadata"}
	case a.Is4():
		return lookup(a, specials4, verdict{classPublic, ""})
	}
	return classify6(a)
}

func classify6(a netip.Addr) verdict {
	switch {
	case nat64.Contains(a):
		return embedded("NAT64 of ", a, 12)
	case sixToFour.Contains(a):
		return embedded("6to4 of ", a, 2)
	}
	def := verdict{classPublic, ""}
	if !global6.Contains(a) {
		def = verdict{classRestricted, "not global unicast"}
	}
	return lookup(a, specials6, def)
}

// embedded judges an IPv6 address by the IPv4 address at byte offset off.
func embedded(prefix string, a netip.Addr, off int) verdict {
	b := a.As16()
	v4 := netip.AddrFrom4([4]byte(b[off : off+4]))
	return prefixed(prefix, classify(v4))
}

func prefixed(prefix string, v verdict) verdict {
	if v.class != classPublic {
		v.reason = prefix + v.reason
	}
	return v
}

func lookup(a netip.Addr, table []special, def verdict) verdict {
	for _, s := range table {
		if s.prefix.Contains(a) {
			return s.verdict
		}
	}
	return def
}

func isMetadata(a netip.Addr) bool {
	for _, m := range metadata {
		if a == m {
			return true
		}
	}
	return false
}
