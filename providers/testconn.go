package providers

import (
	"context"
	"crypto/x509"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/safehttp"
)

// Status is the outcome of a connection test.
type Status string

// The statuses, from best to worst-understood.
const (
	StatusHealthy       Status = "healthy"
	StatusAuthFailed    Status = "auth_failed"    // credentials refused (401, bad token grant)
	StatusForbidden     Status = "forbidden"      // authenticated but not allowed (403, DENIED)
	StatusNotFound      Status = "not_found"      // registry, repository or API path absent (404)
	StatusRateLimited   Status = "rate_limited"   // 429 or a provider throttle
	StatusTLSError      Status = "tls_error"      // certificate or handshake failure
	StatusUnreachable   Status = "unreachable"    // DNS, refused connection, blocked by policy
	StatusTimeout       Status = "timeout"        // deadline exceeded
	StatusInvalidConfig Status = "invalid_config" // target or credential invalid before any request
	StatusProviderError Status = "provider_error" // 5xx or a response that breaks the protocol
)

// A Result is the typed outcome of TestConnection. Message never contains
// a secret.
type Result struct {
	Status Status `json:"status"`
	// Endpoint is the URL checked last (without credentials).
	Endpoint string `json:"endpoint,omitempty"`
	// Latency is the wall time of the whole check.
	Latency time.Duration `json:"latency"`
	// RoundTrips counts HTTP requests sent, token exchanges included.
	RoundTrips int `json:"roundTrips"`
	// ProviderCode is the provider's own error code when it sent one
	// (e.g. "UNAUTHORIZED", "DENIED", "ThrottlingException").
	ProviderCode string `json:"providerCode,omitempty"`
	// Authenticated is false when the check ran without credentials and
	// proved only reachability and TLS.
	Authenticated bool `json:"authenticated"`
	// Message explains the status for a human.
	Message string `json:"message"`
}

// Healthy reports whether the status is StatusHealthy.
func (r Result) Healthy() bool { return r.Status == StatusHealthy }

// Options tune a connection test. The zero value is the production
// default: public addresses only, system roots, default timeouts.
type Options struct {
	// AllowPrivate admits these private prefixes (a sensor inside a
	// private network). Cloud metadata addresses stay refused unless a
	// single-address prefix names them.
	AllowPrivate []netip.Prefix
	// AllowLoopback admits loopback addresses; only tests should set it.
	AllowLoopback bool
	// Timeout bounds the whole check; zero means 30s.
	Timeout time.Duration
	// Endpoints rewrites fixed provider origins (scheme://host[:port]) to
	// others, e.g. "https://auth.docker.io" to a mirror or a test
	// emulator. Keys and values are origins without a path.
	Endpoints map[string]string
	// RootCAs, when set, replaces the system roots, as
	// tls.Config.RootCAs does; the target's CA bundle is added to it. To
	// trust an internal CA as well as the public ones, start the pool from
	// x509.SystemCertPool.
	RootCAs *x509.CertPool
	// Resolver replaces DNS for the address guard (tests).
	Resolver safehttp.Resolver
}

// A Checker performs one provider's protocol. Adapters in this package
// and in the cloud subpackages (providers/ecr, providers/acr,
// providers/gar) register one per provider.
type Checker func(ctx context.Context, s *Session, t Target, c credentials.Credential) Result

var (
	checkersMu sync.RWMutex
	checkers   = map[Provider]Checker{}
)

// Register installs the checker for p, replacing any before it. Cloud
// adapter packages call it from init, so a program pays for a cloud SDK
// only when it imports that adapter.
func Register(p Provider, c Checker) {
	checkersMu.Lock()
	defer checkersMu.Unlock()
	checkers[p] = c
}

func checkerFor(p Provider) (Checker, bool) {
	checkersMu.RLock()
	defer checkersMu.RUnlock()
	c, ok := checkers[p]
	return c, ok
}

// A Session is what a Checker gets: the one safe HTTP client (held to the
// caller's address policy, counting round trips) and the options.
type Session struct {
	Client  *http.Client
	Policy  safehttp.Policy
	Options Options
	trips   atomic.Int64
}

// RoundTrips reports the requests sent so far.
func (s *Session) RoundTrips() int { return int(s.trips.Load()) }

// countingTransport counts every request handed to the safe transport.
type countingTransport struct {
	next  http.RoundTripper
	trips *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.trips.Add(1)
	return c.next.RoundTrip(r)
}

// NewSession builds the session a Checker runs in for target t: one safe
// client held to opts' address policy, trusting t.CABundle besides
// opts.RootCAs (the system roots when nil), skipping verification only
// when t.Insecure is set.
func NewSession(t Target, opts Options) (*Session, error) {
	policy := safehttp.Policy{AllowPrivate: opts.AllowPrivate, AllowLoopback: opts.AllowLoopback, Resolver: opts.Resolver}
	roots, err := rootPool(t.CABundle, opts.RootCAs)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	client := safehttp.NewClient(policy, safehttp.Options{Insecure: t.Insecure, RootCAs: roots, Timeout: timeout})
	s := &Session{Policy: policy, Options: opts}
	client.Transport = countingTransport{next: client.Transport, trips: &s.trips}
	s.Client = client
	return s, nil
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
		return nil, &FieldError{Field: "caBundle", Reason: "no PEM certificate found", Err: ErrInvalidURL}
	}
	return pool, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// safe transport.
func (c countingTransport) CloseIdleConnections() {
	if ci, ok := c.next.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// cloudAdapters names the package that registers each cloud provider's
// checker, for the message when none is linked.
var cloudAdapters = map[Provider]string{
	AWSECR:    "github.com/credvault/credvault/providers/ecr",
	AzureACR:  "github.com/credvault/credvault/providers/acr",
	GoogleGAR: "github.com/credvault/credvault/providers/gar",
}

// TestConnection checks that c opens the registry t names, speaking the
// provider's own protocol through the one safe HTTP client, and returns a
// typed [Result]. It never returns an error: every failure is a Status.
//
// The target and credential are validated first (a problem is
// StatusInvalidConfig naming the field). A nil credential tests
// reachability and TLS only: Result.Authenticated is false and a 401
// challenge then counts as healthy, since it proves a registry answered.
// opts.Timeout (30s when zero) bounds the whole check. The Message never
// contains a secret of c: adapters never format one, and every Message is
// scrubbed of c's secret values as a last line of defence.
func TestConnection(ctx context.Context, t Target, c credentials.Credential, opts Options) Result {
	start := time.Now()
	if isNil(c) {
		c = nil
	}
	r, s := runCheck(ctx, t, c, opts)
	r.Latency = time.Since(start)
	if s != nil {
		r.RoundTrips = s.RoundTrips()
		s.Client.CloseIdleConnections()
	}
	r.Message = scrub(r.Message, c)
	r.ProviderCode = scrub(r.ProviderCode, c)
	r.Endpoint = scrub(r.Endpoint, c)
	return r
}

func runCheck(ctx context.Context, t Target, c credentials.Credential, opts Options) (Result, *Session) {
	if err := t.Validate(c); err != nil {
		return Result{Status: StatusInvalidConfig, Message: err.Error()}, nil
	}
	check, ok := checkerFor(t.Provider)
	if !ok {
		return Result{Status: StatusInvalidConfig, Message: noAdapterMessage(t.Provider)}, nil
	}
	s, err := NewSession(t, opts)
	if err != nil {
		return Result{Status: StatusInvalidConfig, Message: err.Error()}, nil
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return check(ctx, s, t, c), s
}

func noAdapterMessage(p Provider) string {
	msg := "no adapter linked for " + string(p)
	if pkg, ok := cloudAdapters[p]; ok {
		msg += ": import " + pkg
	}
	return msg
}
