package registry

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/credvault/credvault/internal/safehttp"
)

// DefaultTimeout bounds a whole check when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Config is what a session is built from: providers.Options, and the
// target's TLS settings.
type Config struct {
	// AllowPrivate and AllowLoopback widen the address policy (see
	// safehttp.Policy).
	AllowPrivate  []netip.Prefix
	AllowLoopback bool
	// Timeout bounds the whole check; zero means DefaultTimeout.
	Timeout time.Duration
	// Endpoints rewrites fixed provider origins to others.
	Endpoints map[string]string
	// RootCAs replaces the system roots when set; CABundle adds to them.
	RootCAs  *x509.CertPool
	CABundle []byte
	// Insecure skips certificate verification.
	Insecure bool
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}

// A Session is what a Checker gets: the one safe HTTP client (held to the
// caller's address policy, counting round trips, registering every secret
// a request carries for scrubbing) and the endpoint rewrites.
type Session struct {
	Client    *http.Client
	Policy    safehttp.Policy
	endpoints map[string]string
	trips     atomic.Int64
	secrets   scrubber
	refused   atomic.Pointer[error] // the last redirect the client refused
}

// errNoPEM: a CA bundle without a certificate.
var errNoPEM = errors.New("caBundle: no PEM certificate found")

// NewSession builds a session held to cfg: one safe client trusting
// cfg.CABundle besides cfg.RootCAs (the system roots when nil), skipping
// verification only when cfg.Insecure is set. Names resolve through the
// resolver WithResolver put in ctx, else DNS.
func NewSession(ctx context.Context, cfg Config) (*Session, error) {
	resolver, _ := ctx.Value(resolverKey{}).(safehttp.Resolver)
	policy := safehttp.Policy{AllowPrivate: cfg.AllowPrivate, AllowLoopback: cfg.AllowLoopback, Resolver: resolver}
	roots, err := rootPool(cfg.CABundle, cfg.RootCAs)
	if err != nil {
		return nil, err
	}
	client := safehttp.NewClient(policy, safehttp.Options{Insecure: cfg.Insecure, RootCAs: roots, Timeout: cfg.timeout()})
	s := &Session{Policy: policy, endpoints: cfg.Endpoints}
	client.Transport = countingTransport{next: client.Transport, trips: &s.trips, secrets: &s.secrets}
	client.CheckRedirect = s.recordRefusals(client.CheckRedirect)
	s.Client = client
	return s, nil
}

type resolverKey struct{}

// WithResolver returns a context under which NewSession resolves names
// with r instead of DNS. It is the tests' hook (emulators behind fake
// host names); it is not part of the public Options, so no application
// can redirect a check's names.
func WithResolver(ctx context.Context, r safehttp.Resolver) context.Context {
	return context.WithValue(ctx, resolverKey{}, r)
}

// recordRefusals wraps the client's redirect check so that a redirect it
// refuses (the address policy, a downgrade) is remembered: protocol
// libraries such as x/oauth2 flatten the client's error to text, and the
// transport never sees a refused redirect.
func (s *Session) recordRefusals(check func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		err := check(req, via)
		if err != nil {
			s.refused.Store(&err)
		}
		return err
	}
}

// RedirectRefusal returns the last redirect the session's client refused,
// or nil. Adapters whose protocol library hides the client's error report
// it as a transport error (see TransportStatus).
func (s *Session) RedirectRefusal() error {
	if err := s.refused.Load(); err != nil {
		return *err
	}
	return nil
}

// RoundTrips reports the requests sent so far (see countingTransport).
func (s *Session) RoundTrips() int { return int(s.trips.Load()) }

// countingTransport counts the requests actually sent (those whose
// headers were written to a connection: a request the address policy
// refused, or whose connection or TLS handshake failed, sent nothing and
// does not count; a transport's retry on a fresh connection counts again)
// and registers the secrets each carries (see registerSent) before it
// leaves, so a server's answer is scrubbed of them whichever adapter or
// SDK built the request.
type countingTransport struct {
	next    http.RoundTripper
	trips   *atomic.Int64
	secrets *scrubber
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r, err := registerSent(r, c.secrets)
	if err != nil {
		return nil, err
	}
	trace := &httptrace.ClientTrace{WroteHeaders: func() { c.trips.Add(1) }}
	return c.next.RoundTrip(r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// safe transport.
func (c countingTransport) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// rootPool returns nil (the system roots) when neither is given;
// otherwise a copy of base (of the system pool when base is nil) plus the
// PEM bundle.
func rootPool(bundle []byte, base *x509.CertPool) (*x509.CertPool, error) {
	if len(bundle) == 0 && base == nil {
		return nil, nil
	}
	var pool *x509.CertPool
	if base != nil {
		pool = base.Clone()
	} else if sys, err := x509.SystemCertPool(); err == nil {
		pool = sys
	} else {
		pool = x509.NewCertPool()
	}
	if len(bundle) > 0 && !pool.AppendCertsFromPEM(bundle) {
		return nil, errNoPEM
	}
	return pool, nil
}

// Endpoint returns the rewrite of the fixed provider origin o
// (scheme://host[:port]) in the options' Endpoints, without a trailing
// slash, and whether there is one.
func (s *Session) Endpoint(o string) (string, bool) {
	r, ok := s.endpoints[o]
	return strings.TrimSuffix(r, "/"), ok
}

// Origin returns the origin the fixed provider origin o is rewritten to
// (a mirror or a test emulator), or o itself. Adapters call it for every
// fixed host they contact.
func (s *Session) Origin(o string) string {
	if r, ok := s.Endpoint(o); ok {
		return r
	}
	return o
}

// RewriteURL applies the rewrites to u's origin, returning a copy with the
// scheme and host replaced, or u itself when no rewrite applies.
func (s *Session) RewriteURL(u *url.URL) *url.URL {
	v, ok := s.Endpoint(strings.ToLower(u.Scheme + "://" + u.Host))
	if !ok {
		return u
	}
	to, err := url.Parse(v)
	if err != nil {
		return u
	}
	out := *u
	out.Scheme, out.Host = to.Scheme, to.Host
	return &out
}

// Rewrite applies the rewrites to a full URL: a URL whose origin is a key
// comes back with that origin replaced, any other unchanged.
func (s *Session) Rewrite(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	o := strings.ToLower(u.Scheme + "://" + u.Host)
	if r, ok := s.Endpoint(o); ok && len(raw) >= len(o) {
		return r + raw[len(o):]
	}
	return raw
}
