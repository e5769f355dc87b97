package acr

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/aademu"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/providertest"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/internal/safehttp"
	"github.com/credvault/credvault/providers"
)

const canary = "CANARY-acr-s3cr3t"

// spCred is the fixture service principal.
func spCred(t testing.TB) credentials.AzureAcr {
	for _, c := range fixtures.All(canary) {
		if v, ok := c.(credentials.AzureAcr); ok {
			return v
		}
	}
	t.Fatal("no AzureAcr fixture")
	return credentials.AzureAcr{}
}

func adminCred(pass string) credentials.UsernamePassword {
	return credentials.UsernamePassword{Username: aademu.DefaultRegistry, Password: credentials.NewSecret(pass)}
}

func start(t testing.TB) (*aademu.Emulator, providertest.Options) {
	t.Helper()
	emu := aademu.Start(t)
	sp := spCred(t)
	emu.AddApp(sp.ClientID, sp.ClientSecret.Reveal())
	emu.EnableAdmin("admin-" + canary)
	return emu, providertest.Options{Options: providers.Options{AllowLoopback: true, Endpoints: emu.Endpoints(), RootCAs: emu.CertPool()}}
}

func acrTarget(url string) providers.Target {
	return providers.Target{Provider: providers.AzureACR, URL: url}
}

const regURL = "https://" + aademu.DefaultRegistry + ".azurecr.io"

func TestCheck(t *testing.T) {
	t.Parallel()
	sp := spCred(t)
	wrongSecret := sp
	wrongSecret.ClientSecret = credentials.NewSecret("wrong-" + canary)
	unknownApp := sp
	unknownApp.ClientID = "11111111-2222-3333-4444-555555555555"
	unknownTenant := sp
	unknownTenant.TenantID = "99999999-2222-3333-4444-555555555555"
	tests := []struct {
		name   string
		url    string
		cred   credentials.Credential
		setup  func(*aademu.Emulator)
		status providers.Status
		code   string
		trips  int
		hits   aademu.Hits
	}{
		{name: "service principal", url: regURL, cred: sp, status: providers.StatusHealthy, trips: 5,
			hits: aademu.Hits{Discovery: 1, AADToken: 1, Exchange: 1, Token: 1, Registry: 1}},
		{name: "admin user", url: regURL, cred: adminCred("admin-" + canary), status: providers.StatusHealthy, trips: 2,
			hits: aademu.Hits{Token: 1, Registry: 1}},
		{name: "admin user, registry derived from the name", cred: adminCred("admin-" + canary), status: providers.StatusHealthy, trips: 2,
			hits: aademu.Hits{Token: 1, Registry: 1}},
		{name: "admin user, wrong password", url: regURL, cred: adminCred("nope"), status: providers.StatusAuthFailed, code: "UNAUTHORIZED", trips: 1,
			hits: aademu.Hits{Token: 1}},
		{name: "wrong client secret", url: regURL, cred: wrongSecret, status: providers.StatusAuthFailed, code: "AADSTS7000215", trips: 2,
			hits: aademu.Hits{Discovery: 1, AADToken: 1}},
		{name: "unknown application", url: regURL, cred: unknownApp, status: providers.StatusAuthFailed, code: "AADSTS700016", trips: 2,
			hits: aademu.Hits{Discovery: 1, AADToken: 1}},
		{name: "unknown tenant", url: regURL, cred: unknownTenant, status: providers.StatusAuthFailed, code: "AADSTS90002", trips: 1,
			hits: aademu.Hits{Discovery: 1}},
		{name: "firewall denies", url: regURL, cred: sp, setup: (*aademu.Emulator).DenyClientIP, status: providers.StatusForbidden, code: "DENIED", trips: 5,
			hits: aademu.Hits{Discovery: 1, AADToken: 1, Exchange: 1, Token: 1, Registry: 1}},
		{name: "throttled", url: regURL, cred: adminCred("admin-" + canary), setup: func(e *aademu.Emulator) { e.ThrottleNext(1) },
			status: providers.StatusRateLimited, code: "TOOMANYREQUESTS", trips: 1, hits: aademu.Hits{Token: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			if tc.setup != nil {
				tc.setup(emu)
			}
			r := providertest.TestConnection(t, acrTarget(tc.url), tc.cred, opts)
			providertest.RequireOutcome(t, r, tc.status, tc.code, tc.trips)
			providertest.RequireHits(t, emu.Hits(), tc.hits)
			if r.Healthy() && (r.Endpoint != regURL+"/v2/" || !r.Authenticated) {
				t.Errorf("healthy result %+v", r)
			}
		})
	}
}

// TestServicePrincipalWithoutURL: AZURE_ACR's URL is optional. With a
// service principal and no registry named, the identity is checked (Entra
// sign-in) and the Result says no registry was reached; a wrong secret is
// still auth_failed.
func TestServicePrincipalWithoutURL(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	r := providertest.TestConnection(t, acrTarget(""), spCred(t), opts)
	providertest.RequireOutcome(t, r, providers.StatusHealthy, "", 2)
	providertest.RequireHits(t, emu.Hits(), aademu.Hits{Discovery: 1, AADToken: 1})
	if !r.IdentityOnly || !r.Authenticated || !strings.Contains(r.Message, "no registry was reached") {
		t.Fatalf("identity-only result %+v", r)
	}
	wrong := spCred(t)
	wrong.ClientSecret = credentials.NewSecret("wrong-" + canary)
	r = providertest.TestConnection(t, acrTarget(""), wrong, opts)
	providertest.RequireOutcome(t, r, providers.StatusAuthFailed, "AADSTS7000215", 2)
	if r.IdentityOnly {
		t.Fatalf("a failed sign-in claims an identity-only check: %+v", r)
	}
}

// TestEntraRedirectPolicy: an Entra token endpoint that redirects to a
// refused address is an address-policy refusal, as GAR's is: azidentity
// hides the client's error, the session remembers it.
func TestEntraRedirectPolicy(t *testing.T) {
	t.Parallel()
	_, opts := start(t)
	var authority *httptest.Server
	authority = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := authority.URL + "/" + aademu.DefaultTenant
		if strings.HasSuffix(r.URL.Path, "/openid-configuration") {
			_ = json.NewEncoder(w).Encode(map[string]any{"token_endpoint": base + "/oauth2/v2.0/token",
				"authorization_endpoint": base + "/oauth2/v2.0/authorize", "issuer": base + "/v2.0"})
			return
		}
		http.Redirect(w, r, "https://10.0.0.1/token", http.StatusFound)
	}))
	t.Cleanup(authority.Close)
	opts.RootCAs.AddCert(authority.Certificate())
	opts.Endpoints["https://login.microsoftonline.com"] = authority.URL
	r := providertest.TestConnection(t, acrTarget(""), spCred(t), opts)
	if r.Status != providers.StatusUnreachable || !strings.Contains(r.Message, "address policy") {
		t.Fatalf("got %s trips %d: %s", r.Status, r.RoundTrips, r.Message)
	}
}

// TestAddressPolicy: an authority or registry at a refused address is
// refused before any byte reaches it.
func TestAddressPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(e *aademu.Emulator, o *providertest.Options)
		hits aademu.Hits
	}{
		{"authority at cloud metadata", func(e *aademu.Emulator, o *providertest.Options) {
			o.Endpoints["https://login.microsoftonline.com"] = "https://169.254.169.254"
		}, aademu.Hits{}},
		{"authority resolving to a private address", func(e *aademu.Emulator, o *providertest.Options) {
			delete(o.Endpoints, "https://login.microsoftonline.com")
			o.Resolver = safehttp.StaticResolver{"login.microsoftonline.com": netip.MustParseAddr("10.0.0.1")}
		}, aademu.Hits{}},
		{"registry at a private address", func(e *aademu.Emulator, o *providertest.Options) {
			o.Endpoints[regURL] = "https://10.0.0.1"
		}, aademu.Hits{Discovery: 1, AADToken: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			tc.edit(emu, &opts)
			r := providertest.TestConnection(t, acrTarget(regURL), spCred(t), opts)
			if r.Status != providers.StatusUnreachable || !strings.Contains(r.Message, "address policy") {
				t.Fatalf("got %s: %s", r.Status, r.Message)
			}
			if got := emu.Hits(); got != tc.hits {
				t.Errorf("emulator hits %+v, want %+v", got, tc.hits)
			}
		})
	}
}

func TestFailures(t *testing.T) {
	t.Parallel()
	t.Run("slow authority", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		emu.SetLatency(time.Minute)
		opts.Timeout = 50 * time.Millisecond
		if r := providertest.TestConnection(t, acrTarget(regURL), spCred(t), opts); r.Status != providers.StatusTimeout {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		_, opts := start(t)
		opts.RootCAs = nil
		if r := providertest.TestConnection(t, acrTarget(regURL), spCred(t), opts); r.Status != providers.StatusTLSError {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	t.Run("registry down", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		emu.Registry.Close()
		if r := providertest.TestConnection(t, acrTarget(regURL), adminCred("x"), opts); r.Status != providers.StatusUnreachable {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	for name, tc := range map[string]struct {
		url  string
		cred credentials.Credential
	}{
		"not an ACR host":                {"https://registry.example.com", spCred(t)},
		"admin name not a registry name": {"", adminCred("x")},
		"wrong kind":                     {regURL, credentials.UsernamePat{Username: "u", Pat: credentials.NewSecret(canary)}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			c := tc.cred
			if name == "admin name not a registry name" {
				c = credentials.UsernamePassword{Username: "a_b", Password: credentials.NewSecret(canary)}
			}
			r := providertest.TestConnection(t, acrTarget(tc.url), c, opts)
			if r.Status != providers.StatusInvalidConfig || emu.Hits() != (aademu.Hits{}) {
				t.Fatalf("got %s: %s", r.Status, r.Message)
			}
		})
	}
}

func TestCanary(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	var results []providers.Result
	for _, setup := range []func(){func() {}, emu.DenyClientIP, func() { emu.ThrottleNext(1) }} {
		setup()
		wrong := spCred(t)
		wrong.ClientSecret = credentials.NewSecret("wrong-" + canary)
		results = append(results, providertest.TestConnection(t, acrTarget(regURL), spCred(t), opts),
			providertest.TestConnection(t, acrTarget(regURL), wrong, opts),
			providertest.TestConnection(t, acrTarget(regURL), adminCred("admin-"+canary), opts))
	}
	for _, r := range results {
		js, _ := json.Marshal(r)
		for _, out := range []string{fmt.Sprintf("%v", r), fmt.Sprintf("%+v", r), fmt.Sprintf("%#v", r), string(js)} {
			if strings.Contains(out, canary) {
				t.Fatalf("secret leaked in %s", out)
			}
		}
	}
}

func BenchmarkTestConnection(b *testing.B) {
	_, opts := start(b)
	for _, bc := range []struct {
		name string
		cred credentials.Credential
	}{{"ServicePrincipal", spCred(b)}, {"AdminUser", adminCred("admin-" + canary)}} {
		b.Run(bc.name, func(b *testing.B) {
			var r providers.Result
			for b.Loop() {
				r = providertest.TestConnection(b, acrTarget(regURL), bc.cred, opts)
				if !r.Healthy() {
					b.Fatalf("%s: %s", r.Status, r.Message)
				}
			}
			b.ReportMetric(float64(r.RoundTrips), "roundtrips/op")
		})
	}
}

func TestRegistryHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, admin, want string
	}{
		{"https://credvaultacr.azurecr.io", "", "credvaultacr.azurecr.io"},
		{"https://CredvaultACR.azurecr.io/v2/", "", "credvaultacr.azurecr.io"},
		{"https://credvaultacr-abcd.eastus.geo.azurecr.io", "", "credvaultacr-abcd.eastus.geo.azurecr.io"},
		{"https://credvaultacr.azurecr.cn", "", "credvaultacr.azurecr.cn"},
		{"", "CredvaultACR", "credvaultacr.azurecr.io"},
		{"", "", ""},
		{"", "a_b", ""},
		{"http://credvaultacr.azurecr.io", "", ""},
		{"https://credvaultacr.azurecr.io:444", "", ""},
		{"https://credvaultacr.azurecr.io.evil.example", "", ""},
	}
	for _, tc := range tests {
		got, err := registryHost(registry.Target{URL: tc.url}, tc.admin)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("registryHost(%q, %q) = %q, %v", tc.url, tc.admin, got, err)
		}
	}
}
