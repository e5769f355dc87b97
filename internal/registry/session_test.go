package registry

import (
	"crypto/x509"
	"testing"
)

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
