package safehttp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// A Resolver looks up a host's addresses. *net.Resolver implements it;
// tests supply their own to map names to addresses without DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// A Policy says which non-public addresses may be reached. The zero Policy
// admits only public unicast addresses.
type Policy struct {
	// AllowPrivate admits addresses these prefixes cover (for a sensor
	// inside a private network). IPv4 addresses, including IPv4-mapped
	// IPv6 ones, are matched against IPv4 prefixes. Cloud metadata
	// endpoints are admitted only by a single-address prefix naming them
	// exactly; unspecified, 0.0.0.0/8, multicast and broadcast never.
	AllowPrivate []netip.Prefix
	// AllowLoopback admits 127.0.0.0/8 and ::1 (tests, local registries).
	AllowLoopback bool
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
}

// CheckAddr reports whether the policy admits a, as a *BlockedError.
func (p Policy) CheckAddr(a netip.Addr) error {
	return p.check(a, "")
}

func (p Policy) check(a netip.Addr, host string) error {
	v := classify(a)
	if v.class == classPublic || p.admits(a.WithZone("").Unmap(), v.class) {
		return nil
	}
	return &BlockedError{Addr: a, Host: host, Reason: v.reason}
}

func (p Policy) admits(a netip.Addr, c class) bool {
	switch c {
	case classNever:
		return false
	case classLoopback:
		return p.AllowLoopback || p.covers(a, false)
	case classMetadata:
		return p.covers(a, true)
	}
	return p.covers(a, false)
}

// covers reports whether an AllowPrivate prefix contains a; exact demands a
// single-address prefix equal to a.
func (p Policy) covers(a netip.Addr, exact bool) bool {
	for _, pfx := range p.AllowPrivate {
		pfx = pfx.Masked()
		if exact && pfx.IsSingleIP() && pfx.Addr() == a {
			return true
		}
		if !exact && pfx.Contains(a) {
			return true
		}
	}
	return false
}

// CheckURL checks that u may be requested: an absolute http or https URL
// without userinfo whose host (an IP literal, or every address the name
// resolves to) the policy admits. It is the pre-flight check for realms,
// token_uri values and proxy endpoints; the client repeats it at the dial.
func (p Policy) CheckURL(ctx context.Context, u *url.URL) error {
	if err := checkURLShape(u); err != nil {
		return err
	}
	_, err := p.resolve(ctx, "tcp", u.Hostname())
	return err
}

func checkURLShape(u *url.URL) error {
	switch {
	case u == nil:
		return fmt.Errorf("%w: nil", ErrInvalidURL)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: scheme must be http or https", ErrInvalidURL)
	case u.User != nil:
		return fmt.Errorf("%w: userinfo is refused", ErrInvalidURL)
	case u.Opaque != "" || u.Hostname() == "":
		return fmt.Errorf("%w: host required", ErrInvalidURL)
	}
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		if _, err := parsePort(port); err != nil {
			return err
		}
	}
	return nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: port must be 1-65535", ErrInvalidURL)
	}
	return uint16(n), nil
}

// resolve returns host's addresses, refusing the host if any address is
// refused: a name that mixes admitted and refused addresses is treated as
// hostile rather than filtered.
func (p Policy) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, p.check(a, host)
	}
	if numericName(host) {
		return nil, &BlockedError{Host: host, Reason: "numeric host name (non-canonical IPv4 form)"}
	}
	addrs, err := p.resolver().LookupNetIP(ctx, ipNetwork(network), host)
	if err != nil {
		return nil, fmt.Errorf("safehttp: resolve %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoAddresses, host)
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
		if err := p.check(a, host); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

func (p Policy) resolver() Resolver {
	if p.Resolver == nil {
		return net.DefaultResolver
	}
	return p.Resolver
}

// numericName reports whether host's last label is all digits or 0x-hex:
// no real TLD is, and resolvers using inet_aton read such names (2130706433,
// 0177.0.0.1, 0x7f.1) as IPv4 addresses.
func numericName(host string) bool {
	host = strings.TrimSuffix(host, ".")
	last := host[strings.LastIndexByte(host, '.')+1:]
	if strings.HasPrefix(last, "0x") || strings.HasPrefix(last, "0X") {
		last = last[2:]
		return strings.Trim(strings.ToLower(last), "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

func ipNetwork(network string) string {
	switch network {
	case "tcp4", "udp4":
		return "ip4"
	case "tcp6", "udp6":
		return "ip6"
	}
	return "ip"
}
