package gar

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/gcpemu"
	"github.com/credvault/credvault/internal/providertest"
	"github.com/credvault/credvault/internal/safehttp"
	"github.com/credvault/credvault/providers"
)

const email = "reader@example-project.iam.gserviceaccount.com"

func keyCred(tokenURI string) credentials.GoogleGar {
	return credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(fixtures.ServiceAccountKey(email, tokenURI, "kid-canary"))}
}

func start(t testing.TB) (*gcpemu.Emulator, providertest.Options) {
	t.Helper()
	emu := gcpemu.Start(t)
	k, _ := fixtures.RSAKey()
	emu.AddServiceAccount(email, &k.PublicKey)
	return emu, providertest.Options{Options: providers.Options{AllowLoopback: true, Endpoints: emu.Endpoints(), RootCAs: emu.CertPool()}}
}

func garTarget(url string) providers.Target {
	return providers.Target{Provider: providers.GoogleGAR, URL: url}
}

// otherKey is a well-formed key for the same account signed by another
// RSA key: the token endpoint must refuse its signature.
func otherKey(t testing.TB, tokenURI string) credentials.GoogleGar {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	var m map[string]string
	if err := json.Unmarshal([]byte(fixtures.ServiceAccountKey(email, tokenURI, "kid-other")), &m); err != nil {
		t.Fatal(err)
	}
	m["private_key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	b, _ := json.Marshal(m)
	return credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(string(b))}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	unknownAccount := func(uri string) credentials.GoogleGar {
		return credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(fixtures.ServiceAccountKey("ghost@example-project.iam.gserviceaccount.com", uri, "k"))}
	}
	tests := []struct {
		name   string
		noURL  bool
		cred   func(uri string) credentials.GoogleGar
		setup  func(*gcpemu.Emulator)
		status providers.Status
		code   string
		trips  int
		hits   gcpemu.Hits
	}{
		{name: "healthy", cred: keyCred, status: providers.StatusHealthy, trips: 3, hits: gcpemu.Hits{Token: 1, Realm: 1, Registry: 1}},
		{name: "key only without URL", noURL: true, cred: keyCred, status: providers.StatusHealthy, trips: 1, hits: gcpemu.Hits{Token: 1}},
		{name: "wrong key", cred: func(uri string) credentials.GoogleGar { return otherKey(t, uri) },
			status: providers.StatusAuthFailed, code: "invalid_grant", trips: 1, hits: gcpemu.Hits{Token: 1}},
		{name: "unknown account", cred: unknownAccount, status: providers.StatusAuthFailed, code: "invalid_grant", trips: 1, hits: gcpemu.Hits{Token: 1}},
		{name: "denied", cred: keyCred, setup: func(e *gcpemu.Emulator) { e.Deny(email) },
			status: providers.StatusForbidden, code: "DENIED", trips: 3, hits: gcpemu.Hits{Token: 1, Realm: 1, Registry: 1}},
		{name: "throttled", cred: keyCred, setup: func(e *gcpemu.Emulator) { e.ThrottleNext(1) },
			status: providers.StatusRateLimited, code: "rate_limit_exceeded", trips: 1, hits: gcpemu.Hits{Token: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			if tc.setup != nil {
				tc.setup(emu)
			}
			url := "https://" + emu.Host()
			if tc.noURL {
				url = ""
			}
			r := providertest.TestConnection(t, garTarget(url), tc.cred(emu.TokenURL()), opts)
			providertest.RequireOutcome(t, r, tc.status, tc.code, tc.trips)
			providertest.RequireHits(t, emu.Hits(), tc.hits)
			if tc.noURL && !strings.Contains(r.Message, "only the service-account key") {
				t.Errorf("message does not say only the key was tested: %s", r.Message)
			}
			if r.IdentityOnly != (tc.noURL && r.Healthy()) {
				t.Errorf("IdentityOnly %v: only a healthy check without a registry URL reached no registry", r.IdentityOnly)
			}
		})
	}
}

// TestTokenURIPolicy: the key file chooses token_uri; one that points at a
// refused address is refused before any request.
func TestTokenURIPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, uri string
		status    providers.Status
	}{
		{"cloud metadata literal", "https://169.254.169.254/computeMetadata/v1/token", providers.StatusUnreachable},
		{"private literal", "https://10.0.0.1/token", providers.StatusUnreachable},
		{"name resolving to metadata", "https://oauth2.evil.example/token", providers.StatusUnreachable},
		{"IPv4-mapped metadata", "https://[::ffff:169.254.169.254]/token", providers.StatusUnreachable},
		{"plain http", "http://oauth2.googleapis.com/token", providers.StatusInvalidConfig},
		{"userinfo", "https://u:p@oauth2.googleapis.com/token", providers.StatusInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			opts.Resolver = safehttp.StaticResolver{"oauth2.evil.example": netip.MustParseAddr("169.254.169.254")}
			r := providertest.TestConnection(t, garTarget("https://"+emu.Host()), keyCred(tc.uri), opts)
			if r.Status != tc.status || r.RoundTrips != 0 || emu.Hits() != (gcpemu.Hits{}) {
				t.Fatalf("got %s trips %d hits %+v: %s", r.Status, r.RoundTrips, emu.Hits(), r.Message)
			}
		})
	}
}

// TestTokenRedirectPolicy: a token endpoint that redirects to an address
// the policy refuses is an address-policy refusal (unreachable, the
// message says so), not a provider error; nothing reaches the target.
func TestTokenRedirectPolicy(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusFound, http.StatusTemporaryRedirect} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			redirector := httptest.NewTLSServer(http.RedirectHandler("https://10.0.0.1/token", code))
			t.Cleanup(redirector.Close)
			opts.RootCAs.AddCert(redirector.Certificate())
			r := providertest.TestConnection(t, garTarget("https://"+emu.Host()), keyCred(redirector.URL+"/token"), opts)
			if r.Status != providers.StatusUnreachable || !strings.Contains(r.Message, "address policy") || r.RoundTrips != 1 {
				t.Fatalf("got %s trips %d: %s", r.Status, r.RoundTrips, r.Message)
			}
		})
	}
}

func TestRegistryPolicyAndFailures(t *testing.T) {
	t.Parallel()
	t.Run("registry rewritten to a private address", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		opts.Endpoints = map[string]string{"https://" + emu.Host(): "https://10.0.0.1"}
		r := providertest.TestConnection(t, garTarget("https://"+emu.Host()), keyCred(emu.TokenURL()), opts)
		if r.Status != providers.StatusUnreachable || r.RoundTrips != 1 || emu.Hits().Realm != 0 {
			t.Fatalf("got %s trips %d: %s", r.Status, r.RoundTrips, r.Message)
		}
	})
	t.Run("slow token endpoint", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		emu.SetLatency(time.Minute)
		opts.Timeout = 50 * time.Millisecond
		if r := providertest.TestConnection(t, garTarget(""), keyCred(emu.TokenURL()), opts); r.Status != providers.StatusTimeout {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		opts.RootCAs = nil
		if r := providertest.TestConnection(t, garTarget(""), keyCred(emu.TokenURL()), opts); r.Status != providers.StatusTLSError {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	t.Run("token endpoint down", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		emu.Token.Close()
		if r := providertest.TestConnection(t, garTarget(""), keyCred(emu.TokenURL()), opts); r.Status != providers.StatusUnreachable {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	t.Run("wrong credential kind", func(t *testing.T) {
		t.Parallel()
		_, opts := start(t)
		r := providertest.TestConnection(t, garTarget(""), credentials.UsernamePassword{Username: "_json_key", Password: credentials.NewSecret("x")}, opts)
		if r.Status != providers.StatusInvalidConfig {
			t.Fatalf("got %s", r.Status)
		}
	})
}

func TestCanary(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	_, pemKey := fixtures.RSAKey()
	secrets := []string{"kid-canary", strings.Split(pemKey, "\n")[1]}
	var results []providers.Result
	for _, setup := range []func(){func() {}, func() { emu.ThrottleNext(1) }, func() { emu.Deny(email) }} {
		setup()
		results = append(results, providertest.TestConnection(t, garTarget("https://"+emu.Host()), keyCred(emu.TokenURL()), opts),
			providertest.TestConnection(t, garTarget(""), otherKey(t, emu.TokenURL()), opts))
	}
	for _, r := range results {
		js, _ := json.Marshal(r)
		for _, out := range []string{fmt.Sprintf("%v", r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), string(js)} {
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("secret leaked in %s", out)
				}
			}
		}
	}
}

func BenchmarkTestConnection(b *testing.B) {
	emu, opts := start(b)
	cred := keyCred(emu.TokenURL())
	var r providers.Result
	for b.Loop() {
		r = providertest.TestConnection(b, garTarget("https://"+emu.Host()), cred, opts)
		if !r.Healthy() {
			b.Fatalf("%s: %s", r.Status, r.Message)
		}
	}
	b.ReportMetric(float64(r.RoundTrips), "roundtrips/op")
}

// TestGrantReadsOnlyServiceAccount: grant loads the key as a service
// account even when the file also has an OAuth client's "installed"
// object, which x/oauth2's generic loader would turn into an interactive
// flow with no handler (a nil-function panic). Validation refuses such a
// file; this checks the adapter does not depend on that.
func TestGrantReadsOnlyServiceAccount(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	key := strings.TrimSuffix(fixtures.ServiceAccountKey(email, emu.TokenURL(), "kid"), "}") +
		`,"installed":{"client_id":"c","client_secret":"s","redirect_uris":["http://localhost"],` +
		`"auth_uri":"https://accounts.example/auth","token_uri":"https://accounts.example/token"}}`
	s := providertest.Session(t, opts)
	tok, _, r := grant(t.Context(), s, []byte(key))
	if r != nil || tok == nil || tok.AccessToken == "" {
		t.Fatalf("grant failed: %+v", r)
	}
	providertest.RequireHits(t, emu.Hits(), gcpemu.Hits{Token: 1})
}
