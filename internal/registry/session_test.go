package registry

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/credvault/credvault/internal/safehttp"
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

// TestRoundTripsCountSentRequests: a request counts once it was written
// to a connection, over HTTP/1.1 and HTTP/2; one the address policy
// refused at the dial, or whose connection failed, sent nothing.
func TestRoundTripsCountSentRequests(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		srv.EnableHTTP2 = h2
		srv.StartTLS()
		defer srv.Close()
		roots := x509.NewCertPool()
		roots.AddCert(srv.Certificate())
		s, err := NewSession(context.Background(), Config{AllowLoopback: true, RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if _, err := s.Do(context.Background(), Call{URL: srv.URL + "/v2/"}); err != nil {
				t.Fatal(err)
			}
		}
		if s.RoundTrips() != 2 {
			t.Errorf("HTTP/2 %v: %d round trips, want 2", h2, s.RoundTrips())
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "https://" + l.Addr().String() + "/v2/"
	l.Close()
	refusing, _ := NewSession(context.Background(), Config{})
	open, _ := NewSession(context.Background(), Config{AllowLoopback: true})
	for name, s := range map[string]*Session{"refused by the policy": refusing, "connection refused": open} {
		// Client.Get skips Do's pre-flight check: the dial refuses.
		if _, err := s.Client.Get(closed); err == nil {
			t.Fatalf("%s: the request succeeded", name)
		}
		if s.RoundTrips() != 0 {
			t.Errorf("%s: %d round trips, want 0", name, s.RoundTrips())
		}
	}
}

// TestRedirectRefusalRemembered: a redirect the client refused is kept for
// adapters whose protocol library flattens the client's error to text.
func TestRedirectRefusalRemembered(t *testing.T) {
	srv := httptest.NewServer(http.RedirectHandler("http://10.0.0.1/token", http.StatusFound))
	defer srv.Close()
	s, err := NewSession(context.Background(), Config{AllowLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.RedirectRefusal() != nil {
		t.Fatal("a refusal before any request")
	}
	if _, err := s.Client.Get(srv.URL); err == nil {
		t.Fatal("the redirect was followed")
	}
	var blocked *safehttp.BlockedError
	if !errors.As(s.RedirectRefusal(), &blocked) || s.RoundTrips() != 1 {
		t.Fatalf("refusal %v, %d round trips", s.RedirectRefusal(), s.RoundTrips())
	}
}
