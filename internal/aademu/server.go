package aademu

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// Defaults of an emulator.
const (
	DefaultTenant   = "11111111-2222-4333-8444-555555555555"
	DefaultRegistry = "credvaultacr"
	// ACRScope is the Entra scope of an ACR-bound access token.
	ACRScope = "https://containerregistry.azure.net/.default"
)

// An Emulator is an Entra ID tenant and one container registry. Methods
// are safe for concurrent use.
type Emulator struct {
	emufault.Faults
	// AAD serves the authority; Registry the ACR endpoints.
	AAD, Registry *httptest.Server

	tenant, name string

	mu                                   sync.Mutex
	apps                                 map[string]string    // client id -> secret
	admin                                [2]string            // user, password
	aadTokens, refreshTokens, accessToks map[string]time.Time // token -> expiry
	denyIP                               bool

	discoveryHits, aadTokenHits, exchangeHits, tokenHits, registryHits atomic.Int64
}

// Start runs an emulator on two loopback TLS servers closed when the test
// ends.
func Start(t testing.TB) *Emulator {
	t.Helper()
	e := &Emulator{tenant: DefaultTenant, name: DefaultRegistry, apps: map[string]string{},
		aadTokens: map[string]time.Time{}, refreshTokens: map[string]time.Time{}, accessToks: map[string]time.Time{}}
	e.AAD = emufault.StartTLS(t, e.serveAAD)
	e.Registry = emufault.StartTLS(t, e.serveRegistry)
	t.Cleanup(func() { e.Release() }) // runs first
	return e
}

// Tenant is the tenant id the authority serves.
func (e *Emulator) Tenant() string { return e.tenant }

// Host is the registry host the emulator stands for.
func (e *Emulator) Host() string { return e.name + ".azurecr.io" }

// Endpoints maps the real origins (the public cloud's authority and the
// registry) to the emulator, as providers.Options.Endpoints takes them.
func (e *Emulator) Endpoints() map[string]string {
	return map[string]string{
		"https://login.microsoftonline.com": e.AAD.URL,
		"https://" + e.Host():               e.Registry.URL,
	}
}

// CertPool trusts the emulator's servers.
func (e *Emulator) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.AAD.Certificate())
	return p
}

// AddApp registers a service principal (application) and its secret.
func (e *Emulator) AddApp(clientID, secret string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.apps[clientID] = secret
}

// EnableAdmin turns on the admin user; its name is the registry name.
func (e *Emulator) EnableAdmin(password string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.admin = [2]string{e.name, password}
}

// DenyClientIP makes the registry's firewall refuse every /v2/ request.
func (e *Emulator) DenyClientIP() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.denyIP = true
}

// Hits counts requests per endpoint.
type Hits struct{ Discovery, AADToken, Exchange, Token, Registry int }

// Hits reports the requests received so far.
func (e *Emulator) Hits() Hits {
	return Hits{Discovery: int(e.discoveryHits.Load()), AADToken: int(e.aadTokenHits.Load()),
		Exchange: int(e.exchangeHits.Load()), Token: int(e.tokenHits.Load()), Registry: int(e.registryHits.Load())}
}

// Token lifetimes, as Entra ID and ACR issue them.
const (
	AADTokenTTL     = time.Hour
	RefreshTokenTTL = 3 * time.Hour
	AccessTokenTTL  = 75 * time.Minute
)

// RefreshUser is the user name that presents an ACR refresh token as a
// Basic password.
const RefreshUser = "00000000-0000-0000-0000-000000000000"

// issue records a new random token in set, valid for ttl.
func (e *Emulator) issue(set map[string]time.Time, prefix string, ttl time.Duration) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := prefix + base64.RawURLEncoding.EncodeToString(b)
	e.mu.Lock()
	set[tok] = time.Now().Add(ttl)
	e.mu.Unlock()
	return tok
}

// issueRefresh issues an ACR refresh token: a JWT whose exp claim is its
// expiry, as ACR's are (the signature is random bytes: only the
// emulator verifies it, by lookup).
func (e *Emulator) issueRefresh() string {
	exp := time.Now().Add(RefreshTokenTTL)
	claims, _ := json.Marshal(map[string]any{"exp": exp.Unix(), "grant_type": "refresh_token", "tenant": e.tenant})
	tok := e.issue(e.refreshTokens, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9."+base64.RawURLEncoding.EncodeToString(claims)+".", RefreshTokenTTL)
	return tok
}

// known reports whether tok was issued in set and has not expired.
func (e *Emulator) known(set map[string]time.Time, tok string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	exp, ok := set[tok]
	return tok != "" && ok && time.Now().Before(exp)
}

// ExpireTokens expires every token issued so far: Entra tokens, refresh
// tokens and registry access tokens.
func (e *Emulator) ExpireTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for _, set := range []map[string]time.Time{e.aadTokens, e.refreshTokens, e.accessToks} {
		for tok := range set {
			set[tok] = past
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
