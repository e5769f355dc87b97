package providers_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/providers"
)

func check(t *testing.T, pc provCase, r *regemu.Registry, tg providers.Target, c credentials.Credential, o providers.Options) providers.Result {
	t.Helper()
	res := providers.TestConnection(context.Background(), tg, c, o)
	assertNoSecret(t, res, c)
	return res
}

func want(t *testing.T, res providers.Result, st providers.Status) {
	t.Helper()
	if res.Status != st {
		t.Fatalf("status %s, want %s (%+v)", res.Status, st, res)
	}
}

func TestProvidersAgainstEmulators(t *testing.T) {
	for _, pc := range provCases {
		t.Run(pc.name, func(t *testing.T) {
			r := pc.start(t)
			tg, o := pc.target(r), opts(r)
			t.Run("healthy", func(t *testing.T) {
				res := check(t, pc, r, tg, pc.good(), o)
				want(t, res, providers.StatusHealthy)
				if !res.Authenticated || res.RoundTrips != pc.trips || res.Endpoint == "" || res.LatencyMs < 1 {
					t.Fatalf("got %+v, want authenticated in %d round trips", res, pc.trips)
				}
			})
			t.Run("wrong_credentials", func(t *testing.T) {
				want(t, check(t, pc, r, tg, pc.bad(), o), providers.StatusAuthFailed)
			})
			for _, m := range []struct {
				name string
				mode regemu.Mode
				st   providers.Status
			}{
				{"denied", regemu.Deny, providers.StatusForbidden},
				{"rate_limited", regemu.RateLimit, providers.StatusRateLimited},
				{"server_error", regemu.ServerError, providers.StatusProviderError},
			} {
				t.Run(m.name, func(t *testing.T) {
					r.SetMode(m.mode)
					defer r.SetMode(regemu.Normal)
					want(t, check(t, pc, r, tg, pc.good(), o), m.st)
				})
			}
			t.Run("anonymous", func(t *testing.T) {
				res := check(t, pc, r, tg, nil, o)
				if info, _ := providers.Lookup(pc.provider); !info.Anonymous {
					want(t, res, providers.StatusInvalidConfig)
					if !strings.Contains(res.Message, "credentials") || res.RoundTrips != 0 {
						t.Fatalf("anonymous result %+v", res)
					}
					return
				}
				want(t, res, providers.StatusHealthy)
				if res.Authenticated || !strings.Contains(res.Message, "no credentials") {
					t.Fatalf("anonymous result %+v", res)
				}
			})
			t.Run("tls", func(t *testing.T) { testTLS(t, pc, r) })
			t.Run("zero_options_refuse_loopback", func(t *testing.T) {
				res := check(t, pc, r, tg, pc.good(), providers.Options{Endpoints: r.Endpoints(), RootCAs: r.CertPool()})
				want(t, res, providers.StatusUnreachable)
				if !strings.Contains(res.Message, "blocked by address policy") {
					t.Fatalf("message %q", res.Message)
				}
			})
			t.Run("connection_refused", func(t *testing.T) {
				dead := pc.start(t)
				dead.Close()
				res := check(t, pc, dead, pc.target(dead), pc.good(), opts(dead))
				want(t, res, providers.StatusUnreachable)
			})
		})
	}
}

func testTLS(t *testing.T, pc provCase, r *regemu.Registry) {
	o := opts(r)
	o.RootCAs = nil
	want(t, check(t, pc, r, pc.target(r), pc.good(), o), providers.StatusTLSError)
	insecure := pc.target(r)
	insecure.Insecure = true
	wantInsecure := providers.StatusHealthy
	if _, hosted := hostedProviders[pc.provider]; hosted {
		wantInsecure = providers.StatusInvalidConfig // public certificates only
	}
	res := check(t, pc, r, insecure, pc.good(), o)
	want(t, res, wantInsecure)
	if res.InsecureTLS != (wantInsecure == providers.StatusHealthy) ||
		res.InsecureTLS != strings.Contains(res.Message, "certificate verification skipped") {
		t.Fatalf("an insecure check must say certificate verification was skipped: %+v", res)
	}
	bundled := pc.target(r)
	bundled.CABundle = r.CertPEM()
	if res := check(t, pc, r, bundled, pc.good(), o); res.Status != wantInsecure || res.InsecureTLS {
		t.Fatalf("a verified check with a CA bundle: %+v", res)
	}
}

// TestRealmRefusedBeforeAnyByte points the Bearer challenge at addresses
// the policy refuses; nothing may be sent there (the address cannot even
// be connected to here, so the round trip count proves it).
func TestRealmRefusedBeforeAnyByte(t *testing.T) {
	for _, pc := range provCases {
		if !pc.bearer {
			continue
		}
		for _, realm := range []string{"https://169.254.169.254/token", "https://10.0.0.1/token"} {
			t.Run(pc.name+"/"+realm, func(t *testing.T) {
				r := pc.start(t, func(c *regemu.Config) { c.Realm = realm })
				res := check(t, pc, r, pc.target(r), pc.good(), opts(r))
				if pc.pinned {
					want(t, res, providers.StatusProviderError)
					if !strings.Contains(res.Message, "not the provider's") {
						t.Fatalf("message %q", res.Message)
					}
				} else {
					want(t, res, providers.StatusUnreachable)
					if !strings.Contains(res.Message, "blocked by address policy") {
						t.Fatalf("message %q", res.Message)
					}
				}
				wantTrips := 1 // only /v2/
				if pc.provider == providers.HarnessAR {
					wantTrips = 2 // the Harness API call comes first
				}
				if res.RoundTrips != wantTrips {
					t.Fatalf("%d round trips, want %d", res.RoundTrips, wantTrips)
				}
			})
		}
	}
}

func TestRealmDowngradeRefused(t *testing.T) {
	pc := provCases[7] // docker_registry
	r := pc.start(t, func(c *regemu.Config) { c.Realm = "http://127.0.0.1:1/token" })
	res := check(t, pc, r, pc.target(r), pc.good(), opts(r))
	want(t, res, providers.StatusProviderError)
	if !strings.Contains(res.Message, "downgrade") || res.RoundTrips != 1 {
		t.Fatalf("got %+v", res)
	}
}

// TestRedirectDropsAuthorization: an authenticated /v2/ redirected to
// another host:port must arrive there without credentials.
func TestRedirectDropsAuthorization(t *testing.T) {
	for _, pc := range []provCase{provCases[7], provCases[8], provCases[6]} {
		t.Run(pc.name, func(t *testing.T) {
			sink := regemu.NewSink(true)
			defer sink.Close()
			r := pc.start(t, func(c *regemu.Config) { c.RedirectTo = sink.URL + "/v2/" })
			res := check(t, pc, r, pc.target(r), pc.good(), opts(r))
			want(t, res, providers.StatusHealthy)
			if sink.Hits() != 1 || sink.SawAuthorization() {
				t.Fatalf("sink hits %d, saw Authorization %v", sink.Hits(), sink.SawAuthorization())
			}
		})
	}
}

func TestDockerHubTwoFactorNeedsPAT(t *testing.T) {
	pc := provCases[0]
	pc.cred, pc.pass = up, "password-"+emuCanary
	r := pc.start(t, func(c *regemu.Config) { c.RequirePAT = true })
	res := check(t, pc, r, pc.target(r), pc.good(), opts(r))
	want(t, res, providers.StatusAuthFailed)
	if !strings.Contains(res.Message, "personal access token") {
		t.Fatalf("message %q", res.Message)
	}
}

func TestGitLabTokenRequest(t *testing.T) {
	pc := provCases[3]
	r := pc.start(t)
	want(t, check(t, pc, r, pc.target(r), pc.good(), opts(r)), providers.StatusHealthy)
	q := r.LastTokenQuery()
	for k, v := range map[string]string{"service": "container_registry", "account": "deployer", "client_id": "docker", "offline_token": "true"} {
		if q.Get(k) != v {
			t.Errorf("token query %s=%q, want %q", k, q.Get(k), v)
		}
	}
}

func TestHarborRobotPrefix(t *testing.T) {
	pc := provCases[4]
	pc.user = "svc-ci"
	r := pc.start(t)
	tg := pc.target(r)
	tg.RobotPrefix = "svc-"
	want(t, check(t, pc, r, tg, pc.good(), opts(r)), providers.StatusHealthy)
	tg.RobotPrefix = ""
	want(t, check(t, pc, r, tg, pc.good(), opts(r)), providers.StatusInvalidConfig)
}

// openRegistry serves every request with 200 and {} (a registry open to
// anonymous pulls, or a plain registry without a token service when path
// is refused with 404).
func openRegistry(t *testing.T, missing string) (*httptest.Server, providers.Options) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == missing {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errors":[{"code":"NOT_FOUND","message":"not found"}]}`))
			return
		}
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, providers.Options{AllowLoopback: true, RootCAs: pool}
}

// TestAnonymousOpenRegistryIsUnverified: a registry that serves anonymous
// requests would accept any password, so a check with credentials is
// unverified (not healthy, not authenticated); a check without
// credentials tests anonymous access on purpose and is healthy.
func TestAnonymousOpenRegistryIsUnverified(t *testing.T) {
	srv, o := openRegistry(t, "")
	tg := providers.Target{Provider: providers.DockerRegistry, URL: srv.URL}
	res := providers.TestConnection(context.Background(), tg, up("dev", "any-password-"+emuCanary), o)
	want(t, res, providers.StatusUnverified)
	if res.Healthy() || res.Authenticated || !strings.Contains(res.Message, "not verified") {
		t.Fatalf("with credentials: %+v", res)
	}
	res = providers.TestConnection(context.Background(), tg, nil, o)
	want(t, res, providers.StatusHealthy)
	if res.Authenticated || res.RoundTrips != 1 {
		t.Fatalf("anonymous on purpose: %+v", res)
	}
}

// TestHarborWithoutTokenService: a URL that serves /v2/ but has no
// /service/token is not a Harbor; its 404 is not_found and does not claim
// the token server refused the credentials.
func TestHarborWithoutTokenService(t *testing.T) {
	srv, o := openRegistry(t, "/service/token")
	tg := providers.Target{Provider: providers.Harbor, URL: srv.URL}
	res := providers.TestConnection(context.Background(), tg, robot("robot$ci", "hbr-"+emuCanary), o)
	want(t, res, providers.StatusNotFound)
	if strings.Contains(res.Message, "refused") || !strings.Contains(res.Message, "/service/token") || res.Authenticated {
		t.Fatalf("%+v", res)
	}
}

func TestJFrogReportsTokenSubject(t *testing.T) {
	pc := provCases[5]
	r := pc.start(t)
	res := check(t, pc, r, pc.target(r), pc.good(), opts(r))
	if !strings.Contains(res.Message, "users/ci") {
		t.Fatalf("message %q", res.Message)
	}
	tg := pc.target(r)
	tg.URL = r.URL + "/artifactory/api/npm/x"
	want(t, check(t, pc, r, tg, pc.good(), opts(r)), providers.StatusInvalidConfig)
}

func TestInvalidConfig(t *testing.T) {
	good := pat("u", "p-"+emuCanary)
	for _, tc := range []struct {
		name string
		tg   providers.Target
		c    credentials.Credential
		msg  string
	}{
		{"unknown provider", providers.Target{Provider: "NOPE"}, good, "provider"},
		{"url required", providers.Target{Provider: providers.Harbor}, robot("robot$x", "s-"+emuCanary), "url"},
		{"http without insecure", providers.Target{Provider: providers.Custom, URL: "http://r.example"}, good, "url"},
		{"credentials required", providers.Target{Provider: providers.HarnessAR, URL: "https://pkg.harness.io/a"}, nil, "credentials"},
		{"no adapter", providers.Target{Provider: providers.AWSECR}, credentials.AwsEcr{AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
			SecretAccessKey: credentials.NewSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), Region: "eu-west-1"},
			"no adapter linked for AWS_ECR: import github.com/credvault/credvault/providers/ecr"},
		{"buildkite path", providers.Target{Provider: providers.Buildkite}, good, "/<org>/<registry>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := providers.TestConnection(context.Background(), tc.tg, tc.c, providers.Options{})
			want(t, res, providers.StatusInvalidConfig)
			if !strings.Contains(res.Message, tc.msg) || res.RoundTrips != 0 {
				t.Fatalf("got %+v, want message naming %q", res, tc.msg)
			}
		})
	}
}

// TestMessageScrubbed: a hostile registry echoes the login back in its
// error body; the last line of defence removes it.
func TestMessageScrubbed(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Authorization") == "" {
			w.Header().Set("Www-Authenticate", `Basic realm="x"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		u, p, _ := req.BasicAuth()
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"errors":[{"code":"%s","message":"bad login %s:%s via %s"}]}`, p, u, p, req.Header.Get("Authorization"))
	}))
	defer srv.Close()
	c := up("dev", "pw-"+emuCanary)
	res := providers.TestConnection(context.Background(), providers.Target{Provider: providers.Custom, URL: srv.URL, Insecure: true},
		c, providers.Options{AllowLoopback: true})
	want(t, res, providers.StatusAuthFailed)
	assertNoSecret(t, res, c)
	if !strings.Contains(res.Message, credentials.Redacted) {
		t.Fatalf("message %q: the echo should show as redacted", res.Message)
	}
}

// TestCanaryEveryProviderEveryOutcome prints every Result every way.
func TestCanaryEveryProviderEveryOutcome(t *testing.T) {
	for _, pc := range provCases {
		r := pc.start(t)
		for _, m := range []regemu.Mode{regemu.Normal, regemu.Deny, regemu.RateLimit, regemu.ServerError} {
			r.SetMode(m)
			for _, c := range []credentials.Credential{pc.good(), pc.bad()} {
				res := providers.TestConnection(context.Background(), pc.target(r), c, opts(r))
				assertNoSecret(t, res, c)
			}
		}
	}
}

func assertNoSecret(t *testing.T, res providers.Result, c credentials.Credential) {
	t.Helper()
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %s %s", res, res, res, res.Message, js)
	needles := []string{emuCanary, base64.StdEncoding.EncodeToString([]byte(emuCanary))}
	if l := registry.LoginFor(c); l != nil {
		needles = append(needles, base64.StdEncoding.EncodeToString([]byte(l.Username+":"+l.Password.Reveal())))
	}
	for _, n := range needles {
		if strings.Contains(out, n) {
			t.Fatalf("secret in result: %s", out)
		}
	}
}

// TestTimeout: a registry that never answers is a timeout, not healthy
// and not unreachable. No duration is asserted.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	res := providers.TestConnection(context.Background(), providers.Target{Provider: providers.Custom, URL: srv.URL},
		up("dev", "pw-"+emuCanary), providers.Options{AllowLoopback: true, RootCAs: pool, Timeout: 100 * time.Millisecond})
	want(t, res, providers.StatusTimeout)
}

// hostedProviders are served with public certificates: Insecure is refused.
var hostedProviders = map[providers.Provider]bool{providers.DockerHub: true, providers.GHCR: true,
	providers.Quay: true, providers.HarnessAR: true, providers.Buildkite: true}

// emuCanary is in every secret the emulator tests use; no Result may show it.
const emuCanary = "CANARY7f3a9c1e"

func up(u, p string) credentials.Credential {
	return credentials.UsernamePassword{Username: u, Password: credentials.NewSecret(p)}
}

func pat(u, p string) credentials.Credential {
	return credentials.UsernamePat{Username: u, Pat: credentials.NewSecret(p)}
}

func robot(u, p string) credentials.Credential {
	return credentials.HarborRobot{RobotName: u, Secret: credentials.NewSecret(p)}
}

func jfrogTok(u, p string) credentials.Credential {
	return credentials.JfrogIdentityToken{Username: u, IdentityToken: credentials.NewSecret(p)}
}

// provCase is one provider checked against its emulator.
type provCase struct {
	name     string
	provider providers.Provider
	flavor   regemu.Flavor
	cred     func(u, p string) credentials.Credential
	user     string
	pass     string
	trips    int  // round trips of a healthy check
	bearer   bool // the registry challenges with Bearer
	pinned   bool // the provider accepts only its fixed realm
}

var provCases = []provCase{
	{"docker_hub", providers.DockerHub, regemu.DockerHub, pat, "alice", "dckr_pat_" + emuCanary, 3, true, true},
	{"ghcr", providers.GHCR, regemu.GHCR, pat, "octocat", "ghp_" + emuCanary, 3, true, true},
	{"quay", providers.Quay, regemu.Quay, up, "acme+ci", "quay-" + emuCanary, 3, true, true},
	{"gitlab", providers.GitLab, regemu.GitLab, pat, "deployer", "glpat-" + emuCanary, 3, true, false},
	{"harbor", providers.Harbor, regemu.Harbor, robot, "robot$library+ci", "hbr-" + emuCanary, 1, false, false},
	{"jfrog", providers.JFrog, regemu.JFrog, jfrogTok, "ci", "jfid-" + emuCanary, 4, true, false},
	{"nexus", providers.Nexus, regemu.Nexus, up, "nexus-user", "nx-" + emuCanary, 2, false, false},
	{"docker_registry", providers.DockerRegistry, regemu.Distribution, up, "dev", "pw-" + emuCanary, 3, true, false},
	{"custom", providers.Custom, regemu.BasicAuth, up, "dev", "pw-" + emuCanary, 2, false, false},
	{"harness", providers.HarnessAR, regemu.Harness, pat, "_token", "pat." + emuCanary, 4, true, false},
	{"buildkite", providers.Buildkite, regemu.Buildkite, pat, "buildkite", "bkua_" + emuCanary, 3, false, false},
}

// start runs the case's emulator over TLS with the valid login.
func (pc provCase) start(t testing.TB, edit ...func(*regemu.Config)) *regemu.Registry {
	t.Helper()
	cfg := regemu.Config{Flavor: pc.flavor, Username: pc.user, Password: pc.pass, TLS: true}
	for _, e := range edit {
		e(&cfg)
	}
	r, err := regemu.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

func (pc provCase) target(r *regemu.Registry) providers.Target {
	return providers.Target{Provider: pc.provider, URL: r.TargetURL()}
}

// opts trusts the emulator's certificate and allows loopback.
func opts(r *regemu.Registry) providers.Options {
	return providers.Options{AllowLoopback: true, Endpoints: r.Endpoints(), RootCAs: r.CertPool()}
}

func (pc provCase) good() credentials.Credential { return pc.cred(pc.user, pc.pass) }

func (pc provCase) bad() credentials.Credential { return pc.cred(pc.user, pc.pass+"-wrong") }

// TestThousandChecksBoundedConcurrency runs 1,000 checks, 16 at a time,
// against one token-auth registry: every result correct, and no goroutine
// left behind once the servers' idle connections are gone.
func TestThousandChecksBoundedConcurrency(t *testing.T) {
	pc := provCases[7] // docker_registry: Bearer, three round trips
	r := pc.start(t)
	tg, o := pc.target(r), opts(r)
	base := runtime.NumGoroutine()
	const total, workers = 1000, 16
	results := make(chan providers.Result, total)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range total {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := pc.good()
			if i%10 == 0 {
				c = pc.bad()
			}
			results <- providers.TestConnection(context.Background(), tg, c, o)
		}()
	}
	wg.Wait()
	close(results)
	counts := map[providers.Status]int{}
	for res := range results {
		counts[res.Status]++
	}
	if counts[providers.StatusHealthy] != 900 || counts[providers.StatusAuthFailed] != 100 {
		t.Fatalf("counts %v, want 900 healthy and 100 auth_failed", counts)
	}
	assertSettles(t, base)
}

// assertSettles waits for the goroutine count to come back to base (a
// little slack for the runtime's own), failing if it never does.
func assertSettles(t *testing.T, base int) {
	t.Helper()
	var n int
	for range 200 {
		if n = runtime.NumGoroutine(); n <= base+2 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("goroutines: %d, started with %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
}

// BenchmarkTestConnection reports the round trips of a healthy check per
// provider against its emulator: at most 3 for Bearer challenges and 2 for
// Basic ones (JFrog and Harness add one identity/API call).
func BenchmarkTestConnection(b *testing.B) {
	for _, pc := range provCases {
		b.Run(pc.name, func(b *testing.B) {
			r := pc.start(b)
			tg, o, c := pc.target(r), opts(r), pc.good()
			trips := 0
			for b.Loop() {
				res := providers.TestConnection(context.Background(), tg, c, o)
				if !res.Healthy() {
					b.Fatalf("%+v", res)
				}
				trips = res.RoundTrips
			}
			b.ReportMetric(float64(trips), "roundtrips/op")
		})
	}
}

// TestResultJSON: the JSON form of a Result uses camelCase names and
// reports the latency as an integer number of milliseconds (latencyMs),
// not as nanoseconds.
func TestResultJSON(t *testing.T) {
	r := providers.Result{Status: providers.StatusHealthy, Endpoint: "https://r.example/v2/", LatencyMs: 1500,
		RoundTrips: 3, Authenticated: true, Message: "ok"}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"status":"healthy","endpoint":"https://r.example/v2/","latencyMs":1500,"roundTrips":3,"authenticated":true,"message":"ok"}`
	if string(js) != want {
		t.Fatalf("JSON %s, want %s", js, want)
	}
	var back providers.Result
	if err := json.Unmarshal(js, &back); err != nil || back != r {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

// TestStatusesMatchTheCheckers: the checkers report registry.Status values,
// which TestConnection converts; each must be spelled as its public
// constant.
func TestStatusesMatchTheCheckers(t *testing.T) {
	for public, internal := range map[providers.Status]registry.Status{
		providers.StatusHealthy: registry.StatusHealthy, providers.StatusAuthFailed: registry.StatusAuthFailed,
		providers.StatusForbidden: registry.StatusForbidden, providers.StatusNotFound: registry.StatusNotFound,
		providers.StatusRateLimited: registry.StatusRateLimited, providers.StatusTLSError: registry.StatusTLSError,
		providers.StatusUnreachable: registry.StatusUnreachable, providers.StatusTimeout: registry.StatusTimeout,
		providers.StatusInvalidConfig: registry.StatusInvalidConfig, providers.StatusProviderError: registry.StatusProviderError,
		providers.StatusUnverified: registry.StatusUnverified,
	} {
		if string(public) != string(internal) {
			t.Errorf("providers %q, registry %q", public, internal)
		}
	}
}

// ExampleTestConnection checks a robot account against a Harbor emulator.
// A real target names the Harbor URL and keeps the zero Options.
func ExampleTestConnection() {
	reg, err := regemu.Start(regemu.Config{Flavor: regemu.Harbor, Username: "robot$library+ci", Password: "s3cret", TLS: true})
	if err != nil {
		panic(err)
	}
	defer reg.Close()
	target := providers.Target{Provider: providers.Harbor, URL: reg.URL}
	opts := providers.Options{AllowLoopback: true, RootCAs: reg.CertPool()} // tests only
	for _, secret := range []string{"s3cret", "wrong"} {
		cred := credentials.HarborRobot{RobotName: "robot$library+ci", Secret: credentials.NewSecret(secret)}
		r := providers.TestConnection(context.Background(), target, cred, opts)
		fmt.Printf("%s authenticated=%v roundTrips=%d code=%q\n", r.Status, r.Authenticated, r.RoundTrips, r.ProviderCode)
	}
	// Output:
	// healthy authenticated=true roundTrips=1 code=""
	// auth_failed authenticated=false roundTrips=1 code="UNAUTHORIZED"
}
