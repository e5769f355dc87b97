package ecremu

import (
	"crypto/x509"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// Default identity of an emulator.
const (
	DefaultAccount = "123456789012"
	DefaultRegion  = "eu-west-1"
	// TokenTTL is how long an issued authorization token is valid, as on
	// ECR.
	TokenTTL = 12 * time.Hour
)

// Protocol strings the emulator and its clients share.
const (
	TargetGetAuthorizationToken       = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
	TargetPublicGetAuthorizationToken = "SpencerFrontendService.GetAuthorizationToken"
	// PublicRegion is the only region ECR Public's API serves.
	PublicRegion = "us-east-1"
	// PublicHost is ECR Public's registry host.
	PublicHost          = "public.ecr.aws"
	ExpiredTokenMessage = "Your authorization token has expired. Reauthenticate and try again."
	OnlyOneAuthMessage  = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, " +
		"Signature query string parameter or the Authorization header should be specified"
)

// An Emulator is an in-memory ECR + STS + registry + S3. Methods are safe
// for concurrent use.
type Emulator struct {
	emufault.Faults
	// API serves ECR (JSON 1.1) and STS (Query); Registry the v2 API; S3
	// the blobs the registry redirects to.
	API, Registry, S3 *httptest.Server
	// Public serves ECR Public's registry (public.ecr.aws).
	Public *httptest.Server

	account, region string

	mu        sync.Mutex
	keys      map[string]*accessKey // by access key id
	roles     map[string]string     // role ARN -> required external id
	tokens    map[string]time.Time  // private registry password -> expiry
	pubTokens map[string]time.Time  // ECR Public password or registry token -> expiry
	denied    map[string]bool       // access key ids denied GetAuthorizationToken
	expireNew bool

	apiHits, stsHits, registryHits, s3Hits, publicHits atomic.Int64
	s3WithAuth                                         atomic.Int64
}

type accessKey struct {
	secret, sessionToken string
	expired              bool
}

// An Option configures an Emulator.
type Option func(*Emulator)

// WithAccount sets the account id (default DefaultAccount).
func WithAccount(a string) Option { return func(e *Emulator) { e.account = a } }

// WithRegion sets the region (default DefaultRegion).
func WithRegion(r string) Option { return func(e *Emulator) { e.region = r } }

// Start runs an emulator on three loopback TLS servers closed when the test
// ends.
func Start(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	e := &Emulator{account: DefaultAccount, region: DefaultRegion, keys: map[string]*accessKey{},
		roles: map[string]string{}, tokens: map[string]time.Time{}, pubTokens: map[string]time.Time{}, denied: map[string]bool{}}
	for _, o := range opts {
		o(e)
	}
	e.API = emufault.StartTLS(t, e.serveAPI)
	e.Registry = emufault.StartTLS(t, e.serveRegistry)
	e.S3 = emufault.StartTLS(t, e.serveS3)
	e.Public = emufault.StartTLS(t, e.servePublic)
	t.Cleanup(func() { e.Release() }) // runs first
	return e
}

// Account reports the emulator's account id.
func (e *Emulator) Account() string { return e.account }

// Region reports the emulator's region.
func (e *Emulator) Region() string { return e.region }

// RegistryHost is the ECR host name the emulator's proxy endpoint names.
func (e *Emulator) RegistryHost() string {
	return e.account + ".dkr.ecr." + e.region + ".amazonaws.com"
}

// Endpoints maps the real AWS origins (ECR API, STS, the registry) to the
// emulator's servers, in the form providers.Options.Endpoints takes.
func (e *Emulator) Endpoints() map[string]string {
	return map[string]string{
		"https://api.ecr." + e.region + ".amazonaws.com":            e.API.URL,
		"https://sts." + e.region + ".amazonaws.com":                e.API.URL,
		"https://" + e.RegistryHost():                               e.Registry.URL,
		"https://api.ecr-public." + PublicRegion + ".amazonaws.com": e.API.URL,
		"https://sts." + PublicRegion + ".amazonaws.com":            e.API.URL,
		"https://" + PublicHost:                                     e.Public.URL,
	}
}

// CertPool trusts the emulator's servers (httptest's shared certificate).
func (e *Emulator) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(e.API.Certificate())
	return p
}

// AddKey registers an IAM access key (with a session token for temporary
// credentials, else "").
func (e *Emulator) AddKey(accessKeyID, secret, sessionToken string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keys[accessKeyID] = &accessKey{secret: secret, sessionToken: sessionToken}
}

// AddRole registers a role that AssumeRole accepts, requiring externalID
// when it is not empty.
func (e *Emulator) AddRole(arn, externalID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.roles[arn] = externalID
}

// ExpireKey makes requests signed with accessKeyID fail with
// ExpiredTokenException (an expired session token).
func (e *Emulator) ExpireKey(accessKeyID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if k, ok := e.keys[accessKeyID]; ok {
		k.expired = true
	}
}

// Deny makes GetAuthorizationToken by accessKeyID fail with
// AccessDeniedException.
func (e *Emulator) Deny(accessKeyID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.denied[accessKeyID] = true
}

// ExpireTokens makes every authorization token issued so far, and every
// one issued later, already expired.
func (e *Emulator) ExpireTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range []map[string]time.Time{e.tokens, e.pubTokens} {
		for k := range m {
			m[k] = time.Unix(0, 0)
		}
	}
	e.expireNew = true
}

// Hits counts the requests each server received.
type Hits struct{ API, STS, Registry, S3, S3WithAuthorization, Public int }

// Hits reports the requests received so far.
func (e *Emulator) Hits() Hits {
	return Hits{API: int(e.apiHits.Load()), STS: int(e.stsHits.Load()), Registry: int(e.registryHits.Load()),
		S3: int(e.s3Hits.Load()), S3WithAuthorization: int(e.s3WithAuth.Load()), Public: int(e.publicHits.Load())}
}
