package regemu

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// Mode is a fault an emulator injects.
type Mode int32

// The modes.
const (
	Normal      Mode = iota // behave
	RateLimit               // 429 to every request
	ServerError             // 503 to every request
	Deny                    // 403 to authenticated requests (valid credentials, no access)
)

// Config describes an emulator.
type Config struct {
	Flavor Flavor
	// Username and Password are the valid login. For Harness and
	// Buildkite the password is also the API token.
	Username, Password string
	// TLS serves https with httptest's self-signed certificate.
	TLS bool
	// RequirePAT makes the Docker Hub token server refuse passwords that
	// are not personal access tokens (an account with 2FA).
	RequirePAT bool
	// Realm replaces the challenge's realm (for SSRF tests).
	Realm string
	// RedirectTo makes an authenticated /v2/ answer 307 to this URL.
	RedirectTo string
}

// A Registry is a running emulator.
type Registry struct {
	// URL is the registry's origin; AuthURL the token server's (the same
	// unless the flavor has a separate one).
	URL, AuthURL string

	cfg       Config
	spec      flavorSpec
	service   string
	servers   []*httptest.Server
	mode      atomic.Int32
	hits      atomic.Int64
	mu        sync.Mutex
	tokens    map[string]bool
	lastQuery url.Values
}

// ErrUnknownFlavor is returned by Start for a flavor it does not know.
var ErrUnknownFlavor = errors.New("regemu: unknown flavor")

// Start runs an emulator on loopback. Close it when done.
func Start(cfg Config) (*Registry, error) {
	spec, ok := specs[cfg.Flavor]
	if !ok {
		return nil, ErrUnknownFlavor
	}
	r := &Registry{cfg: cfg, spec: spec, tokens: map[string]bool{}}
	reg := r.serve(http.HandlerFunc(r.serveRegistry))
	r.URL, r.AuthURL = reg.URL, reg.URL
	if spec.separateAuth {
		r.AuthURL = r.serve(http.HandlerFunc(r.serveAuth)).URL
	}
	r.service = spec.service
	if cfg.Flavor == JFrog {
		r.service = strings.TrimPrefix(strings.TrimPrefix(r.URL, "https://"), "http://")
	}
	return r, nil
}

func (r *Registry) serve(h http.Handler) *httptest.Server {
	s := newServer(h, r.cfg.TLS)
	r.servers = append(r.servers, s)
	return s
}

// newServer starts a loopback server whose error log (TLS handshake
// failures that tests provoke on purpose) is discarded.
func newServer(h http.Handler, useTLS bool) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if useTLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	return s
}

// Close stops the emulator's servers.
func (r *Registry) Close() {
	for _, s := range r.servers {
		s.Close()
	}
}

// SetMode switches the fault mode.
func (r *Registry) SetMode(m Mode) { r.mode.Store(int32(m)) }

// Hits counts the requests received by all the emulator's servers.
func (r *Registry) Hits() int64 { return r.hits.Load() }

// LastTokenQuery returns the query of the last token request.
func (r *Registry) LastTokenQuery() url.Values {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastQuery
}

// Challenge returns the WWW-Authenticate value /v2/ answers with.
func (r *Registry) Challenge() string { return r.challenge() }

// CertPEM returns the emulator's certificate (httptest's self-signed
// one), or nil without TLS.
func (r *Registry) CertPEM() []byte {
	if !r.cfg.TLS {
		return nil
	}
	c := r.servers[0].Certificate()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// CertPool returns a pool trusting the emulator's certificate.
func (r *Registry) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	if r.cfg.TLS {
		p.AddCert(r.servers[0].Certificate())
	}
	return p
}

// Endpoints maps the flavor's fixed public origins to the emulator, for
// providers.Options.Endpoints.
func (r *Registry) Endpoints() map[string]string {
	switch r.cfg.Flavor {
	case DockerHub:
		return map[string]string{"https://registry-1.docker.io": r.URL, "https://auth.docker.io": r.AuthURL}
	case GHCR:
		return map[string]string{"https://ghcr.io": r.URL}
	case Quay:
		return map[string]string{"https://quay.io": r.URL}
	case Harness:
		return map[string]string{"https://app.harness.io": r.URL}
	case Buildkite:
		return map[string]string{"https://api.buildkite.com": r.URL}
	}
	return nil
}

// TargetURL is the registry URL a target for this emulator names: the
// public URL for fixed-host flavors (rewritten by Endpoints), the
// emulator's own URL (with the path the provider needs) otherwise.
func (r *Registry) TargetURL() string {
	switch r.cfg.Flavor {
	case DockerHub:
		return ""
	case GHCR:
		return "https://ghcr.io"
	case Quay:
		return "https://quay.io"
	case JFrog:
		return r.URL + "/artifactory/api/docker/" + JFrogRepo
	case Harness:
		return r.URL + "/" + HarnessSpace
	case Buildkite:
		return r.URL + "/acme/images"
	}
	return r.URL
}

// ClosedURL returns an http URL on a loopback port nothing listens on.
func ClosedURL() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", err
	}
	return "http://" + addr, nil
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "emu-" + hex.EncodeToString(b)
}
