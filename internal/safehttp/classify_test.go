package safehttp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckAddrZeroPolicy(t *testing.T) {
	tests := []struct {
		addr   string
		reason string // "" means admitted
	}{
		{"93.184.216.34", ""},
		{"8.8.8.8", ""},
		{"2606:4700:4700::1111", ""},
		{"0.0.0.0", "this network"},
		{"0.1.2.3", "this network"},
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.255", "CGNAT"},
		{"100.128.0.1", ""},
		{"169.254.1.1", "link-local"},
		{"169.254.169.254", "cloud metadata"},
		{"169.254.170.2", "cloud metadata"},
		{"100.100.100.200", "cloud metadata"},
		{"192.0.0.192", "cloud metadata"},
		{"192.0.0.8", "IETF protocol"},
		{"192.0.2.1", "documentation"},
		{"198.51.100.1", "documentation"},
		{"203.0.113.1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"192.88.99.1", "6to4 relay"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "broadcast"},
		{"::", "unspecified"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "IPv4-mapped loopback"},
		{"::ffff:10.0.0.1", "IPv4-mapped private"},
		{"::ffff:169.254.169.254", "IPv4-mapped cloud metadata"},
		{"::ffff:8.8.8.8", ""},
		{"::127.0.0.1", "IPv4-compatible"},
		{"64:ff9b::a00:1", "NAT64 of private"},
		{"64:ff9b::7f00:1", "NAT64 of loopback"},
		{"64:ff9b::a9fe:a9fe", "NAT64 of cloud metadata"},
		{"64:ff9b::808:808", ""},
		{"64:ff9b:1::1", "local-use NAT64"},
		{"2002:a00:1::1", "6to4 of private"},
		{"2002:7f00:1::1", "6to4 of loopback"},
		{"2002:808:808::1", ""},
		{"2001::1", "Teredo"},
		{"2001:db8::1", "documentation"},
		{"2001:2::1", "IETF protocol"},
		{"3fff::1", "documentation"},
		{"100::1", "discard"},
		{"fc00::1", "ULA"},
		{"fd12:3456::1", "ULA"},
		{"fd00:ec2::254", "cloud metadata"},
		{"fd00:ec2::23", "cloud metadata"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fec0::1", "site-local"},
		{"ff02::1", "multicast"},
		{"4000::1", "not global unicast"},
	}
	for _, tc := range tests {
		err := Policy{}.CheckAddr(netip.MustParseAddr(tc.addr))
		if tc.reason == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tc.addr, err)
			}
			continue
		}
		var be *BlockedError
		if !errors.Is(err, ErrBlocked) || !errors.As(err, &be) || !strings.Contains(be.Reason, tc.reason) {
			t.Errorf("%s: error %v, want blocked for %q", tc.addr, err, tc.reason)
		}
	}
}

func TestPolicyAllowances(t *testing.T) {
	tenNet := netip.MustParsePrefix("10.0.0.0/8")
	linkLocal := netip.MustParsePrefix("169.254.0.0/16")
	ula := netip.MustParsePrefix("fd00::/8")
	tests := []struct {
		name   string
		policy Policy
		addr   string
		ok     bool
	}{
		{"loopback allowed", Policy{AllowLoopback: true}, "127.0.0.1", true},
		{"v6 loopback allowed", Policy{AllowLoopback: true}, "::1", true},
		{"mapped loopback allowed", Policy{AllowLoopback: true}, "::ffff:127.0.0.1", true},
		{"loopback does not allow private", Policy{AllowLoopback: true}, "10.0.0.1", false},
		{"loopback does not allow unspecified", Policy{AllowLoopback: true}, "0.0.0.0", false},
		{"loopback does not allow metadata", Policy{AllowLoopback: true}, "169.254.169.254", false},
		{"private prefix", Policy{AllowPrivate: []netip.Prefix{tenNet}}, "10.1.2.3", true},
		{"private prefix mapped", Policy{AllowPrivate: []netip.Prefix{tenNet}}, "::ffff:10.1.2.3", true},
		{"private prefix other range", Policy{AllowPrivate: []netip.Prefix{tenNet}}, "192.168.0.1", false},
		{"link-local range keeps metadata out", Policy{AllowPrivate: []netip.Prefix{linkLocal}}, "169.254.169.254", false},
		{"link-local range admits others", Policy{AllowPrivate: []netip.Prefix{linkLocal}}, "169.254.10.1", true},
		{"ula range keeps v6 metadata out", Policy{AllowPrivate: []netip.Prefix{ula}}, "fd00:ec2::254", false},
		{"metadata listed exactly", Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("169.254.169.254/32")}}, "169.254.169.254", true},
		{"everything prefix keeps metadata out", Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}, "100.100.100.200", false},
		{"everything prefix never admits unspecified", Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}, "0.0.0.0", false},
		{"everything prefix never admits multicast", Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("::/0")}}, "ff02::1", false},
		{"unmasked prefix", Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("10.9.9.9/8")}}, "10.1.1.1", true},
	}
	for _, tc := range tests {
		err := tc.policy.CheckAddr(netip.MustParseAddr(tc.addr))
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrBlocked)) {
			t.Errorf("%s: CheckAddr(%s) = %v, want ok=%v", tc.name, tc.addr, err, tc.ok)
		}
	}
}

func TestNumericName(t *testing.T) {
	for host, want := range map[string]bool{
		"2130706433": true, "0177.0.0.1": true, "0x7f.1": true, "0X7F000001": true, "1.2.3.4.": true,
		"registry.example": false, "1.example": false, "x0x1": false, "0xg": false,
	} {
		if got := numericName(host); got != want {
			t.Errorf("numericName(%q) = %v", host, got)
		}
	}
}

// FuzzCheckAddr checks the classifier never panics, treats an IPv4 address
// and its IPv4-mapped form alike, and only ever admits public addresses
// under the zero policy.
func FuzzCheckAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:a00:1::", "fe80::1%eth0", "8.8.8.8"} {
		a := netip.MustParseAddr(s).As16()
		f.Add(a[:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		err := Policy{}.CheckAddr(a)
		if err != nil && !errors.Is(err, ErrBlocked) {
			t.Fatalf("untyped error %v", err)
		}
		if a.Is4In6() && (err == nil) != (Policy{}.CheckAddr(a.Unmap()) == nil) {
			t.Fatalf("%s and its unmapped form disagree", a)
		}
		if err == nil && (a.Unmap().IsLoopback() || a.Unmap().IsPrivate() || a.IsLinkLocalUnicast() || a.Unmap().IsUnspecified() || a.IsMulticast()) {
			t.Fatalf("%s admitted", a)
		}
	})
}

// TestDialControl checks the last line of defence: the address connect(2)
// is about to use, whatever resolution produced it.
func TestDialControl(t *testing.T) {
	ctl := controlFor(Policy{AllowLoopback: true}, "registry.example")
	for _, addr := range []string{"10.0.0.1:443", "[::ffff:169.254.169.254]:80", "[fe80::1%lo]:80", "0.0.0.0:80", "garbage"} {
		err := ctl("tcp", addr, nil)
		var be *BlockedError
		if !errors.As(err, &be) || be.Host != "registry.example" {
			t.Errorf("control(%s) = %v, want *BlockedError naming the host", addr, err)
		}
	}
	if err := ctl("tcp", "127.0.0.1:5000", nil); err != nil {
		t.Errorf("control admitted loopback wrongly: %v", err)
	}
}
