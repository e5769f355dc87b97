package safehttp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/safehttp"
)

// fakeDNS maps names to addresses without real DNS.
type fakeDNS map[string][]string

func (f fakeDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ss, ok := f[strings.TrimSuffix(host, ".")]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out, nil
}

var dns = fakeDNS{
	"localhost":         {"127.0.0.1", "::1"},
	"internal.example":  {"10.0.0.1"},
	"meta.example":      {"169.254.169.254"},
	"meta6.example":     {"fd00:ec2::254"},
	"mapped.example":    {"::ffff:127.0.0.1"},
	"mixed.example":     {"93.184.216.34", "10.0.0.1"},
	"cgnat.example":     {"100.64.0.1"},
	"public.example":    {"93.184.216.34"},
	"a.test":            {"127.0.0.1"},
	"sub.a.test":        {"127.0.0.1"},
	"loop.test":         {"127.0.0.1"},
	"unspecified.test":  {"0.0.0.0"},
	"ula.example":       {"fd12::1"},
	"linklocal.example": {"fe80::1"},
}

func direct(p safehttp.Policy, o safehttp.Options) *http.Client {
	if p.Resolver == nil {
		p.Resolver = dns
	}
	if o.Proxy == nil {
		o.Proxy = safehttp.NoProxy
	}
	return safehttp.NewClient(p, o)
}

func get(t *testing.T, c *http.Client, u string, hdr http.Header) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("NewRequest(%q): %v", u, err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err == nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func wantBlocked(t *testing.T, err error, what string) {
	t.Helper()
	var be *safehttp.BlockedError
	if !errors.Is(err, safehttp.ErrBlocked) || !errors.As(err, &be) {
		t.Errorf("%s: error %v, want ErrBlocked", what, err)
	}
}

// TestSSRFMatrix requests every refused range, as IP literals and as names,
// with loopback allowed (as in tests) and with the zero policy.
func TestSSRFMatrix(t *testing.T) {
	urls := []string{
		"http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://100.64.0.1/",
		"http://169.254.169.254/latest/meta-data/", "http://169.254.170.2/v2/credentials",
		"http://100.100.100.200/", "http://[fd00:ec2::254]/", "http://[fe80::1%25eth0]/",
		"http://[fc00::1]/", "http://0.0.0.0/", "http://[::]/", "http://0.1.2.3/",
		"http://224.0.0.1/", "http://255.255.255.255/", "http://192.0.2.1/", "http://198.18.0.1/",
		"http://[64:ff9b::a00:1]/", "http://[2002:a00:1::1]/", "http://[2001::1]/",
		"http://[::ffff:10.0.0.1]/", "http://[::ffff:169.254.169.254]/",
		"http://internal.example/", "http://meta.example/", "http://meta6.example/",
		"http://mixed.example/", "http://cgnat.example/", "http://unspecified.test/",
		"http://ula.example/", "http://linklocal.example/", "https://internal.example/",
	}
	for _, p := range []safehttp.Policy{{}, {AllowLoopback: true}} {
		c := direct(p, safehttp.Options{})
		for _, u := range urls {
			_, err := get(t, c, u, nil)
			wantBlocked(t, err, fmt.Sprintf("loopback=%v %s", p.AllowLoopback, u))
		}
	}
	c := direct(safehttp.Policy{}, safehttp.Options{})
	for _, u := range []string{"http://127.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
		"http://localhost/", "http://mapped.example/", "http://2130706433/", "http://0177.0.0.1/",
		"http://0x7f.1/", "http://127.1/"} {
		_, err := get(t, c, u, nil)
		wantBlocked(t, err, u)
	}
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// TestBlockedBeforeConnect proves the refusal happens before connect: a
// live loopback server never sees a connection.
func TestBlockedBeforeConnect(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	cl := &countingListener{Listener: srv.Listener}
	srv.Listener = cl
	srv.Start()
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := direct(safehttp.Policy{}, safehttp.Options{})
	for _, target := range []string{srv.URL, "http://localhost:" + u.Port(), "http://[::ffff:127.0.0.1]:" + u.Port(), "http://2130706433:" + u.Port()} {
		_, err := get(t, c, target, nil)
		wantBlocked(t, err, target)
	}
	if cl.n.Load() != 0 || hits.Load() != 0 {
		t.Fatalf("server saw %d connections, %d requests", cl.n.Load(), hits.Load())
	}
	c = direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})
	if _, err := get(t, c, srv.URL, nil); err != nil || hits.Load() != 1 {
		t.Fatalf("allowed loopback request failed: %v (hits %d)", err, hits.Load())
	}
}

// rebinding answers public first, then private.
type rebinding struct{ calls atomic.Int64 }

func (r *rebinding) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if r.calls.Add(1) == 1 {
		return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
}

func TestDNSRebindingCaughtAtDial(t *testing.T) {
	r := &rebinding{}
	p := safehttp.Policy{Resolver: r}
	u, _ := url.Parse("http://rebind.example/")
	if err := p.CheckURL(context.Background(), u); err != nil {
		t.Fatalf("pre-flight: %v", err)
	}
	_, err := get(t, direct(p, safehttp.Options{}), u.String(), nil)
	wantBlocked(t, err, "rebound name")
}

func redirector(to func() string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, to(), http.StatusFound)
	}))
}

func TestRedirectIntoBlockedRanges(t *testing.T) {
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})
	for _, to := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/",
		"http://internal.example/", "http://[::ffff:169.254.169.254]/", "http://2130706433/"} {
		srv := redirector(func() string { return to })
		_, err := get(t, c, srv.URL, nil)
		wantBlocked(t, err, "redirect to "+to)
		srv.Close()
	}
}

func TestRedirectLimitsAndDowngrade(t *testing.T) {
	var hops atomic.Int64
	var loop *httptest.Server
	loop = redirector(func() string { hops.Add(1); return loop.URL + "/again" })
	defer loop.Close()
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})
	if _, err := get(t, c, loop.URL, nil); !errors.Is(err, safehttp.ErrTooManyRedirects) {
		t.Fatalf("redirect loop: %v", err)
	}
	if got := hops.Load(); got != safehttp.MaxRedirects+1 {
		t.Fatalf("server saw %d requests, want %d", got, safehttp.MaxRedirects+1)
	}

	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("downgraded request reached the http server")
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL, http.StatusFound)
	}))
	defer tlsSrv.Close()
	c = direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{Insecure: true})
	if _, err := get(t, c, tlsSrv.URL, nil); !errors.Is(err, safehttp.ErrInsecureRedirect) {
		t.Fatalf("https->http: %v", err)
	}
}

// echo records the sensitive headers each request carried.
type echo struct {
	auth, cookie atomic.Value
}

func (e *echo) handler(w http.ResponseWriter, r *http.Request) {
	e.auth.Store(r.Header.Get("Authorization"))
	e.cookie.Store(r.Header.Get("Cookie"))
}

func TestCredentialsDroppedOnCrossHostRedirect(t *testing.T) {
	dst := &echo{}
	target := httptest.NewServer(http.HandlerFunc(dst.handler))
	defer target.Close()
	tu, _ := url.Parse(target.URL)
	var next string
	origin := redirector(func() string { return next })
	defer origin.Close()
	ou, _ := url.Parse(origin.URL)
	hdr := http.Header{"Authorization": {"Bearer CANARY"}, "Cookie": {"session=CANARY"}}
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})

	tests := []struct {
		name string
		from string
		to   string
		keep bool
	}{
		// Same host name, other port: net/http keeps Authorization here.
		{"other port", origin.URL, target.URL, false},
		// Subdomain: net/http keeps Authorization here too.
		{"subdomain", "http://a.test:" + ou.Port(), "http://sub.a.test:" + tu.Port(), false},
		{"other name same address", "http://a.test:" + ou.Port(), "http://loop.test:" + tu.Port(), false},
	}
	for _, tc := range tests {
		next = tc.to + "/v2/"
		dst.auth.Store("")
		dst.cookie.Store("")
		if _, err := get(t, c, tc.from, hdr); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if dst.auth.Load() != "" || dst.cookie.Load() != "" {
			t.Errorf("%s: credentials followed the redirect", tc.name)
		}
	}
}

func TestCredentialsKeptOnSameHostRedirect(t *testing.T) {
	dst := &echo{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/v2/", http.StatusFound)
			return
		}
		dst.handler(w, r)
	}))
	defer srv.Close()
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})
	hdr := http.Header{"Authorization": {"Bearer CANARY"}}
	if _, err := get(t, c, srv.URL+"/start", hdr); err != nil {
		t.Fatal(err)
	}
	if dst.auth.Load() != "Bearer CANARY" {
		t.Fatalf("same-host redirect lost Authorization: %q", dst.auth.Load())
	}
}

func TestBodyCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 2 << 20
		if r.URL.Path == "/small" {
			n = 10
		}
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
	}))
	defer srv.Close()
	tests := []struct {
		name, path string
		max        int64
		want       error
	}{
		{"default cap", "/big", 0, safehttp.ErrBodyTooLarge},
		{"exact fit", "/small", 10, nil},
		{"one over", "/small", 9, safehttp.ErrBodyTooLarge},
	}
	for _, tc := range tests {
		c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{MaxBodyBytes: tc.max})
		resp, err := get(t, c, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: read error %v, want %v", tc.name, err, tc.want)
		}
		if tc.max > 0 && int64(len(b)) > tc.max {
			t.Errorf("%s: read %d bytes past the cap %d", tc.name, len(b), tc.max)
		}
	}
}

func TestReadBody(t *testing.T) {
	tests := []struct {
		in   string
		max  int64
		want error
	}{
		{"hello", 5, nil},
		{"hello!", 5, safehttp.ErrBodyTooLarge},
		{"", 1, nil},
		{strings.Repeat("x", safehttp.DefaultMaxBodyBytes+1), 0, safehttp.ErrBodyTooLarge},
	}
	for _, tc := range tests {
		b, err := safehttp.ReadBody(strings.NewReader(tc.in), tc.max)
		if !errors.Is(err, tc.want) || (err == nil && string(b) != tc.in) {
			t.Errorf("ReadBody(%d bytes, %d) = %d bytes, %v", len(tc.in), tc.max, len(b), err)
		}
	}
}

func TestTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	p := safehttp.Policy{AllowLoopback: true}
	_, err := get(t, direct(p, safehttp.Options{}), srv.URL, nil)
	var cve *tls.CertificateVerificationError
	if !errors.As(err, &cve) {
		t.Fatalf("self-signed server accepted or wrong error: %v", err)
	}
	if _, err := get(t, direct(p, safehttp.Options{Insecure: true}), srv.URL, nil); err != nil {
		t.Fatalf("insecure: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	if _, err := get(t, direct(p, safehttp.Options{RootCAs: pool}), srv.URL, nil); err != nil {
		t.Fatalf("RootCAs: %v", err)
	}
}

func TestTLSMinVersion(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	srv.StartTLS()
	defer srv.Close()
	_, err := get(t, direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{Insecure: true}), srv.URL, nil)
	if err == nil || !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("TLS 1.1 server: %v", err)
	}
}

func TestResponseHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{ResponseHeaderTimeout: 50 * time.Millisecond})
	_, err := get(t, c, srv.URL, nil)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("want a timeout, got %v", err)
	}
	c = direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{Timeout: 50 * time.Millisecond})
	if _, err = get(t, c, srv.URL, nil); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("overall timeout: want a timeout, got %v", err)
	}
}

// TestPhaseLimitsScaleWithBudget: the caller's Timeout is the whole
// budget. No fixed phase limit may cut it short (a 60s budget used to stop
// at the fixed 10s header limit); explicit phase limits are kept.
func TestPhaseLimitsScaleWithBudget(t *testing.T) {
	for _, budget := range []time.Duration{3 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute} {
		dial, tlsLimit, headers, got := safehttp.PhaseLimits(safehttp.Options{Timeout: budget})
		if got != budget || headers != budget || dial != budget/6 || tlsLimit != budget/6 {
			t.Errorf("budget %v: dial %v, TLS %v, headers %v, budget %v", budget, dial, tlsLimit, headers, got)
		}
	}
	dial, tlsLimit, headers, budget := safehttp.PhaseLimits(safehttp.Options{})
	if budget != safehttp.DefaultTimeout || dial != 5*time.Second || tlsLimit != 5*time.Second || headers != budget {
		t.Errorf("zero Options: dial %v, TLS %v, headers %v, budget %v", dial, tlsLimit, headers, budget)
	}
	explicit := safehttp.Options{Timeout: time.Minute, DialTimeout: time.Second, TLSHandshakeTimeout: 2 * time.Second, ResponseHeaderTimeout: 3 * time.Second}
	if dial, tlsLimit, headers, _ := safehttp.PhaseLimits(explicit); dial != time.Second || tlsLimit != 2*time.Second || headers != 3*time.Second {
		t.Errorf("explicit limits: dial %v, TLS %v, headers %v", dial, tlsLimit, headers)
	}
}

// TestSlowHeadersWithinBudget: a registry slow to send its headers is
// served as long as the budget lasts: here headers come after half of it,
// which any fixed or proportional header limit shorter than the budget
// would cut. (The limit's rule itself is TestPhaseLimitsScaleWithBudget.)
func TestSlowHeadersWithinBudget(t *testing.T) {
	const budget = 4 * time.Second
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(budget / 2)
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{Timeout: budget})
	if _, err := get(t, c, srv.URL, nil); err != nil {
		t.Fatalf("headers within the budget were cut: %v", err)
	}
}

func TestProxy(t *testing.T) {
	var seen atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.URL.String())
		_, _ = io.WriteString(w, "via proxy")
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	useProxy := func(*http.Request) (*url.URL, error) { return pu, nil }
	target := safehttp.Policy{Resolver: dns}
	allowProxy := safehttp.Policy{AllowLoopback: true}

	c := safehttp.NewClient(target, safehttp.Options{Proxy: useProxy, ProxyPolicy: &allowProxy})
	resp, err := get(t, c, "http://public.example/v2/", nil)
	if err != nil {
		t.Fatalf("proxied public target: %v", err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "via proxy" || seen.Load() != "http://public.example/v2/" {
		t.Fatalf("proxy not used: %q, %v", b, seen.Load())
	}

	seen.Store("")
	for _, u := range []string{"http://internal.example/", "http://169.254.169.254/", "http://127.0.0.1/"} {
		_, err = get(t, c, u, nil)
		wantBlocked(t, err, "proxied "+u)
	}
	if seen.Load() != "" {
		t.Fatalf("blocked target reached the proxy: %v", seen.Load())
	}

	c = safehttp.NewClient(target, safehttp.Options{Proxy: useProxy})
	_, err = get(t, c, "http://public.example/v2/", nil)
	wantBlocked(t, err, "loopback proxy without ProxyPolicy")
}

func TestCheckURL(t *testing.T) {
	p := safehttp.Policy{Resolver: dns}
	tests := []struct {
		u    string
		want error
	}{
		{"https://public.example/token", nil},
		{"https://93.184.216.34/token", nil},
		{"https://internal.example/token", safehttp.ErrBlocked},
		{"https://mixed.example/token", safehttp.ErrBlocked},
		{"http://[::ffff:127.0.0.1]/", safehttp.ErrBlocked},
		{"http://0177.0.0.1/", safehttp.ErrBlocked},
		{"ftp://public.example/", safehttp.ErrInvalidURL},
		{"file:///etc/passwd", safehttp.ErrInvalidURL},
		{"https://user:pw@public.example/", safehttp.ErrInvalidURL},
		{"https://public.example:0/", safehttp.ErrInvalidURL},
		{"https://public.example:99999/", safehttp.ErrInvalidURL},
		{"/relative", safehttp.ErrInvalidURL},
	}
	for _, tc := range tests {
		u, err := url.Parse(tc.u)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.CheckURL(context.Background(), u); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("CheckURL(%s) = %v, want %v", tc.u, err, tc.want)
		}
	}
	u, _ := url.Parse("https://nosuch.example/")
	var de *net.DNSError
	if err := p.CheckURL(context.Background(), u); !errors.As(err, &de) {
		t.Errorf("unknown name: %v, want a *net.DNSError", err)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	u, _ := url.Parse(srv.URL)
	before := runtime.NumGoroutine()
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})
	for i := range 100 {
		target := srv.URL
		if i%3 == 0 {
			target = "http://internal.example:" + u.Port() // blocked
		}
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, target, nil)
		if resp, err := c.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	defer srv.Close() // the server stays up: only the client may close its connections
	c.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("goroutines: %d before, %d after", before, n)
	}
}

func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://public.example/", "http://[::ffff:127.0.0.1]/", "http://2130706433/",
		"http://0x7f.1/", "https://u:p@h/", "http://[fe80::1%25eth0]:80/", "http://[64:ff9b::a00:1]/", "%"} {
		f.Add(s)
	}
	p := safehttp.Policy{Resolver: dns}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		err = p.CheckURL(context.Background(), u)
		if err == nil {
			if h := u.Hostname(); h != "public.example" {
				if a, perr := netip.ParseAddr(h); perr != nil || p.CheckAddr(a) != nil {
					t.Fatalf("CheckURL admitted %q", raw)
				}
			}
			return
		}
		var de *net.DNSError
		if !errors.Is(err, safehttp.ErrBlocked) && !errors.Is(err, safehttp.ErrInvalidURL) &&
			!errors.Is(err, safehttp.ErrNoAddresses) && !errors.As(err, &de) {
			t.Fatalf("untyped error %v", err)
		}
	})
}

func ExamplePolicy_CheckURL() {
	u, _ := url.Parse("http://169.254.169.254/latest/meta-data/")
	err := safehttp.Policy{}.CheckURL(context.Background(), u)
	fmt.Println(errors.Is(err, safehttp.ErrBlocked), err)
	// Output: true safehttp: destination blocked: cloud metadata: host "169.254.169.254" address 169.254.169.254
}

func ExampleNewClient() {
	c := safehttp.NewClient(safehttp.Policy{}, safehttp.Options{Proxy: safehttp.NoProxy})
	_, err := c.Get("http://[::ffff:10.0.0.1]/v2/")
	fmt.Println(errors.Is(err, safehttp.ErrBlocked))
	// Output: true
}

// TestCrossHostRedirectKeepsOnlyHarmlessHeaders: a credential in any header
// (Harness sends its PAT as X-Api-Key) must not follow a redirect to
// another host:port.
func TestCrossHostRedirectKeepsOnlyHarmlessHeaders(t *testing.T) {
	var got http.Header
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer target.Close()
	origin := redirector(func() string { return target.URL + "/v2/" })
	defer origin.Close()
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})
	hdr := http.Header{"X-Api-Key": {"pat.CANARY"}, "Private-Token": {"CANARY"}, "User-Agent": {"credvault-test"}}
	if _, err := get(t, c, origin.URL, hdr); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Api-Key") != "" || got.Get("Private-Token") != "" {
		t.Fatalf("credential headers followed the redirect: %v", got)
	}
	if got.Get("User-Agent") != "credvault-test" {
		t.Fatalf("harmless header dropped: %v", got)
	}
}

// TestBodyNeverReplayedToAnotherHost: a 307 would resend a token request's
// body (client_secret, refresh_token) to wherever it points.
func TestBodyNeverReplayedToAnotherHost(t *testing.T) {
	var bodies atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { bodies.Add(1) }))
	defer target.Close()
	redirect := func(to string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/final" {
				return
			}
			http.Redirect(w, r, to, http.StatusTemporaryRedirect)
		}))
	}
	cross := redirect(target.URL + "/token")
	defer cross.Close()
	c := direct(safehttp.Policy{AllowLoopback: true}, safehttp.Options{})
	post := func(u string) error {
		resp, err := c.Post(u, "application/x-www-form-urlencoded", strings.NewReader("client_secret=CANARY"))
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := post(cross.URL + "/token"); !errors.Is(err, safehttp.ErrInsecureRedirect) {
		t.Fatalf("cross-host 307 of a POST: err = %v", err)
	}
	if bodies.Load() != 0 {
		t.Fatal("the body reached the other host")
	}
	var same *httptest.Server
	same = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/final" {
			http.Redirect(w, r, same.URL+"/final", http.StatusTemporaryRedirect)
		}
	}))
	defer same.Close()
	if err := post(same.URL + "/token"); err != nil {
		t.Fatalf("same-host 307 of a POST refused: %v", err)
	}
}
