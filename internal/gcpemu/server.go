package gcpemu

import (
	"crypto/rsa"
	"crypto/x509"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// DefaultLocation is the registry location the emulator serves.
const DefaultLocation = "europe-west1"

// JWTBearerGrant is the grant_type of the service-account flow.
const JWTBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// An Emulator is a Google token endpoint and an Artifact Registry host.
// Methods are safe for concurrent use.
type Emulator struct {
	emufault.Faults
	// Token serves POST /token; Registry serves the v2 API and its realm.
	Token, Registry *httptest.Server

	location string

	mu           sync.Mutex
	accounts     map[string]*rsa.PublicKey // client_email -> key
	accessTokens map[string]string         // OAuth access token -> email
	garTokens    map[string]bool           // access tokens scoped for Artifact Registry
	regTokens    map[string]string         // registry token -> email
	denied       map[string]bool
	expiry       map[string]time.Time // access and registry token -> expiry

	tokenHits, realmHits, registryHits atomic.Int64
}

// Start runs an emulator on two loopback TLS servers closed when the test
// ends.
func Start(t testing.TB) *Emulator {
	t.Helper()
	e := &Emulator{location: DefaultLocation, accounts: map[string]*rsa.PublicKey{}, accessTokens: map[string]string{}, garTokens: map[string]bool{},
		regTokens: map[string]string{}, denied: map[string]bool{}, expiry: map[string]time.Time{}}
	e.Token = emufault.StartTLS(t, e.serveToken)
	e.Registry = emufault.StartTLS(t, e.serveRegistry)
	t.Cleanup(func() { e.Release() }) // runs first
	return e
}

// TokenURL is the token endpoint's URL: the token_uri a key file names and
// the aud its assertions must carry.
func (e *Emulator) TokenURL() string { return e.Token.URL + "/token" }

// Host is the registry host the emulator stands for.
func (e *Emulator) Host() string { return e.location + "-docker.pkg.dev" }

// Endpoints maps the registry's real origin to the emulator, in the form
// providers.Options.Endpoints takes.
func (e *Emulator) Endpoints() map[string]string {
	return map[string]string{"https://" + e.Host(): e.Registry.URL}
}

// CertPool trusts the emulator's servers.
func (e *Emulator) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.Token.Certificate())
	return p
}

// AddServiceAccount registers a service account and its public key.
func (e *Emulator) AddServiceAccount(email string, pub *rsa.PublicKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.accounts[email] = pub
}

// Deny makes the registry refuse email's pulls with 403 DENIED.
func (e *Emulator) Deny(email string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.denied[email] = true
}

// Hits counts requests per endpoint.
type Hits struct{ Token, Realm, Registry int }

// Hits reports the requests received so far.
func (e *Emulator) Hits() Hits {
	return Hits{Token: int(e.tokenHits.Load()), Realm: int(e.realmHits.Load()), Registry: int(e.registryHits.Load())}
}

// Token lifetimes, as Google issues them.
const (
	AccessTokenTTL   = 3599 * time.Second
	RegistryTokenTTL = time.Hour
)

// ExpireTokens expires every access and registry token issued so far.
func (e *Emulator) ExpireTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for tok := range e.expiry {
		e.expiry[tok] = past
	}
}

// live reports whether tok has not expired; the caller holds e.mu.
func (e *Emulator) live(tok string) bool {
	return time.Now().Before(e.expiry[tok])
}
