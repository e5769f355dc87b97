package safehttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Defaults for the zero Options. The phase limits derive from Timeout,
// the budget (see Options).
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBodyBytes = 1 << 20
)

// connectShare is the part of the budget one address's dial, and one TLS
// handshake, may take by default: 5s of the default 30s.
const connectShare = 6

// Options tunes a client. The zero value is the safe default.
type Options struct {
	// Insecure skips certificate verification (HarborGuard's "insecure"
	// registries). It does not weaken the address guard.
	Insecure bool
	// RootCAs verifies servers; nil means the system pool.
	RootCAs *x509.CertPool
	// Timeout is the budget of the whole exchange, redirects and body
	// included; zero or negative means DefaultTimeout.
	Timeout time.Duration
	// Phase limits; zero or negative means they scale with Timeout: a
	// dial to one address and a TLS handshake may each take a sixth of
	// it (5s of 30s), so a dead address leaves time for the next, and
	// response headers may take all of it. A caller's budget is thus
	// never cut short by a fixed phase limit.
	DialTimeout           time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration
	// MaxBodyBytes caps every response body; zero or negative means
	// DefaultMaxBodyBytes. Reading past it fails with ErrBodyTooLarge.
	MaxBodyBytes int64
	// Proxy chooses a proxy per request; nil means
	// http.ProxyFromEnvironment. Use NoProxy to connect directly.
	Proxy func(*http.Request) (*url.URL, error)
	// ProxyPolicy is the policy the proxy's own address must pass; nil
	// means the client's Policy.
	ProxyPolicy *Policy
}

// NoProxy is an Options.Proxy that never uses a proxy.
func NoProxy(*http.Request) (*url.URL, error) { return nil, nil }

// NewClient returns a client whose every connection, redirect and response
// body is held to p and opts.
func NewClient(p Policy, opts Options) *http.Client {
	opts = opts.withDefaults()
	proxyPolicy := p
	if opts.ProxyPolicy != nil {
		proxyPolicy = *opts.ProxyPolicy
	}
	d := &dialer{target: p, proxy: proxyPolicy, timeout: opts.DialTimeout}
	tr := &http.Transport{
		Proxy:                  proxyFromState,
		DialContext:            d.DialContext,
		TLSClientConfig:        tlsConfig(opts),
		TLSHandshakeTimeout:    opts.TLSHandshakeTimeout,
		ResponseHeaderTimeout:  opts.ResponseHeaderTimeout,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	rt := &roundTripper{tr: tr, policy: p, proxy: opts.Proxy, maxBody: opts.MaxBodyBytes}
	return &http.Client{
		Transport:     rt,
		CheckRedirect: redirectChecker(p),
		Timeout:       opts.Timeout,
	}
}

func (o Options) withDefaults() Options {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, DefaultTimeout)
	def(&o.DialTimeout, o.Timeout/connectShare)
	def(&o.TLSHandshakeTimeout, o.Timeout/connectShare)
	def(&o.ResponseHeaderTimeout, o.Timeout)
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Proxy == nil {
		o.Proxy = http.ProxyFromEnvironment
	}
	return o
}

func tlsConfig(o Options) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		RootCAs:            o.RootCAs,
		InsecureSkipVerify: o.Insecure, //nolint:gosec // opt-in for registries marked insecure
	}
}

// roundTripper chooses the proxy, pre-checks proxied targets, and caps
// response bodies.
type roundTripper struct {
	tr      *http.Transport
	policy  Policy
	proxy   func(*http.Request) (*url.URL, error)
	maxBody int64
}

// reqState travels in the request context from RoundTrip to the
// transport's Proxy hook and to the dialer.
type reqState struct {
	proxyURL  *url.URL
	proxyAddr string // host:port the transport dials for the proxy
}

type stateKey struct{}

// RoundTrip implements http.RoundTripper.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkURLShape(req.URL); err != nil {
		closeBody(req)
		return nil, err
	}
	st, err := rt.route(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := rt.tr.RoundTrip(req.WithContext(context.WithValue(req.Context(), stateKey{}, st)))
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: rt.maxBody}
	return resp, nil
}

// route asks the proxy function; a proxied target is checked here, since
// the proxy, not the dialer, will resolve and connect to it.
func (rt *roundTripper) route(req *http.Request) (*reqState, error) {
	pu, err := rt.proxy(req)
	if err != nil || pu == nil {
		return &reqState{}, err
	}
	if err := rt.policy.CheckURL(req.Context(), req.URL); err != nil {
		return nil, err
	}
	addr, err := proxyAddr(pu)
	if err != nil {
		return nil, err
	}
	return &reqState{proxyURL: pu, proxyAddr: addr}, nil
}

// proxyAddr is the host:port net/http dials for proxy u.
func proxyAddr(u *url.URL) (string, error) {
	port := u.Port()
	switch {
	case u.Hostname() == "":
		return "", fmt.Errorf("%w: proxy has no host", ErrInvalidURL)
	case port != "":
	case u.Scheme == "http":
		port = "80"
	case u.Scheme == "https":
		port = "443"
	case u.Scheme == "socks5" || u.Scheme == "socks5h":
		port = "1080"
	default:
		return "", fmt.Errorf("%w: proxy scheme must be http, https or socks5", ErrInvalidURL)
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

func proxyFromState(req *http.Request) (*url.URL, error) {
	if st, ok := req.Context().Value(stateKey{}).(*reqState); ok {
		return st.proxyURL, nil
	}
	return nil, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (rt *roundTripper) CloseIdleConnections() { rt.tr.CloseIdleConnections() }

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// dialer resolves, checks and dials; Control re-checks the address
// actually connected.
type dialer struct {
	target, proxy Policy
	timeout       time.Duration
}

// DialContext is the transport's dial hook.
func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%w: bad address", ErrInvalidURL)
	}
	port, err := parsePort(portStr)
	if err != nil {
		return nil, err
	}
	p := d.policyFor(ctx, addr)
	addrs, err := p.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	return d.dialFirst(ctx, network, host, port, p, addrs)
}

// policyFor picks the proxy policy when addr is the proxy the request
// routes through.
func (d *dialer) policyFor(ctx context.Context, addr string) Policy {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok && st.proxyAddr != "" && st.proxyAddr == addr {
		return d.proxy
	}
	return d.target
}

func (d *dialer) dialFirst(ctx context.Context, network, host string, port uint16, p Policy, addrs []netip.Addr) (net.Conn, error) {
	nd := &net.Dialer{Timeout: d.timeout, Control: controlFor(p, host)}
	var errs []error
	for _, a := range addrs {
		c, err := nd.DialContext(ctx, network, netip.AddrPortFrom(a, port).String())
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// controlFor checks the socket's destination right before connect(2).
func controlFor(p Policy, host string) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return &BlockedError{Host: host, Reason: "unparsable connect address"}
		}
		return p.check(ap.Addr(), host)
	}
}

// cappedBody fails reads past its cap with ErrBodyTooLarge.
type cappedBody struct {
	rc   io.ReadCloser
	left int64 // -1 once the cap was exceeded
}

// Read implements io.Reader.
func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrBodyTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	if int64(n) > b.left {
		n, b.left = int(b.left), -1
		return n, ErrBodyTooLarge
	}
	b.left -= int64(n)
	return n, err
}

// Close implements io.Closer.
func (b *cappedBody) Close() error { return b.rc.Close() }
