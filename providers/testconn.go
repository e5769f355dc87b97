package providers

import (
	"context"
	"crypto/x509"
	"net/netip"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

// Status is the outcome of a connection test, spelled in JSON as the
// constants' values.
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
	// StatusUnverified: a registry answered, but the credentials given were
	// not verified: it serves anonymous requests, so any credential would
	// pass. It is not healthy; check without credentials to test
	// anonymous access on purpose.
	StatusUnverified Status = "unverified"
)

// A Result is the typed outcome of TestConnection. Message never contains
// a secret.
//
// Its JSON form uses the field names in the tags; the one duration,
// latencyMs, is an integer number of milliseconds.
type Result struct {
	Status Status `json:"status"`
	// Endpoint is the URL checked last (without credentials or query).
	Endpoint string `json:"endpoint,omitempty"`
	// LatencyMs is the wall time of the whole check in milliseconds,
	// rounded up: a check that ran reports at least 1.
	LatencyMs int64 `json:"latencyMs"`
	// RoundTrips counts HTTP requests actually sent (written to a
	// connection), token exchanges and SDK retries included. A request the
	// address policy refused, or whose connection or TLS handshake failed,
	// sent nothing and is not counted.
	RoundTrips int `json:"roundTrips"`
	// ProviderCode is the provider's own error code when it sent one
	// (e.g. "UNAUTHORIZED", "DENIED", "ThrottlingException").
	ProviderCode string `json:"providerCode,omitempty"`
	// Authenticated reports that the credentials were proved; it is false
	// when the check ran without credentials and proved only reachability
	// and TLS, when the registry was open to anonymous requests
	// (StatusUnverified), and when the check failed.
	Authenticated bool `json:"authenticated"`
	// IdentityOnly reports that only the credential's cloud identity was
	// checked (an AZURE_ACR service principal or a GOOGLE_GAR key on a
	// target without a URL): no registry was named, so none was reached.
	// A healthy Result then speaks for the identity alone.
	IdentityOnly bool `json:"identityOnly,omitempty"`
	// InsecureTLS reports that the check ran with certificate
	// verification skipped (Target.Insecure): whoever answered was not
	// authenticated as the registry.
	InsecureTLS bool `json:"insecureTLS,omitempty"`
	// Message explains the status for a human.
	Message string `json:"message"`
}

// Healthy reports whether the status is StatusHealthy.
func (r Result) Healthy() bool { return r.Status == StatusHealthy }

// Options tune a connection test. The zero value is the production
// default: public addresses only, system roots, a 30s budget.
type Options struct {
	// AllowPrivate admits these private prefixes (a sensor inside a
	// private network). Cloud metadata addresses stay refused unless a
	// single-address prefix names them.
	AllowPrivate []netip.Prefix
	// AllowLoopback admits loopback addresses; only tests should set it.
	AllowLoopback bool
	// Timeout is the whole check's budget; zero means 30s. Every phase
	// of every request fits in it: a response may take as long as the
	// budget leaves, and connecting to one address (dial, then TLS
	// handshake) may take a sixth of the budget each (5s at 30s), so a
	// name with a dead address still leaves time for the next. No other
	// limit cuts a check short.
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
	// MeterProvider receives the test's metric (see README's
	// Observability section); nil means otel's global provider, a no-op
	// until the application installs one.
	MeterProvider metric.MeterProvider
}

// cloudAdapters names the package that registers each cloud provider's
// checker, for the message when none is linked.
var cloudAdapters = map[Provider]string{
	AWSECR:    "github.com/credvault/credvault/providers/ecr",
	AzureACR:  "github.com/credvault/credvault/providers/acr",
	GoogleGAR: "github.com/credvault/credvault/providers/gar",
}

// register makes c the checker of the built-in provider p.
func register(p Provider, c registry.Checker) { registry.Register(string(p), c) }

// TestConnection checks that c opens the registry t names, speaking the
// provider's own protocol through the one safe HTTP client, and returns a
// typed [Result]. It never returns an error: every failure is a Status.
//
// The target and credential are validated first (a problem is
// StatusInvalidConfig naming the field). A nil credential tests
// reachability and TLS only, anonymous access on purpose:
// Result.Authenticated is false and a 401 challenge then counts as
// healthy, since it proves a registry answered. With a credential, a
// registry that serves anonymous requests is StatusUnverified, never
// healthy: it would accept any credential. Result.IdentityOnly and
// Result.InsecureTLS say what else was not proven. opts.Timeout (30s when
// zero) is the whole check's budget. The Message never
// contains a secret of c: adapters never format one, and every Message is
// scrubbed of c's secret values as a last line of defence.
func TestConnection(ctx context.Context, t Target, c credentials.Credential, opts Options) Result {
	start := time.Now()
	r, trips := runCheck(ctx, t, c, opts)
	d := time.Since(start)
	recordTest(ctx, opts.MeterProvider, t.Provider, Status(r.Status), d)
	res := Result{Status: Status(r.Status), Endpoint: r.Endpoint, LatencyMs: millis(d),
		RoundTrips: trips, ProviderCode: r.ProviderCode, Authenticated: r.Authenticated,
		IdentityOnly: r.IdentityOnly, Message: r.Message}
	if t.Insecure && trips > 0 {
		res.InsecureTLS = true
		res.Message += " (certificate verification skipped: insecure target)"
	}
	return res
}

func runCheck(ctx context.Context, t Target, c credentials.Credential, opts Options) (registry.Result, int) {
	if err := t.Validate(c); err != nil {
		return registry.Invalid(err.Error()), 0
	}
	check, ok := registry.Lookup(string(t.Provider))
	if !ok {
		return registry.Invalid(noAdapterMessage(t.Provider)), 0
	}
	cfg := registry.Config{AllowPrivate: opts.AllowPrivate, AllowLoopback: opts.AllowLoopback, Timeout: opts.Timeout,
		Endpoints: opts.Endpoints, RootCAs: opts.RootCAs, CABundle: t.CABundle, Insecure: t.Insecure}
	return registry.Run(ctx, check, registry.Target{URL: t.endpoint(), Insecure: t.Insecure}, c, cfg)
}

// endpoint is the target's URL, or its provider's default.
func (t Target) endpoint() string {
	if t.URL != "" {
		return t.URL
	}
	info, _ := Lookup(t.Provider)
	return info.DefaultURL
}

// millis is d in whole milliseconds, rounded up.
func millis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

func noAdapterMessage(p Provider) string {
	msg := "no adapter linked for " + string(p)
	if pkg, ok := cloudAdapters[p]; ok {
		msg += ": import " + pkg
	}
	return msg
}
