package integration_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/go-jose/go-jose/v4"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"

	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

const (
	user     = "deploy-bot"
	password = "s3cret-CANARY-4d1f"
	service  = "credvault-test-registry"
	issuer   = "credvault-test-issuer"
)

func init() { logrus.SetOutput(io.Discard) }

// serve runs h over TLS on loopback with httptest's self-signed
// certificate, discarding the server's handshake-error log.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// newRegistry builds distribution's registry app with in-memory storage
// and the given auth section.
func newRegistry(t *testing.T, auth configuration.Auth) http.Handler {
	t.Helper()
	cfg := &configuration.Configuration{
		Storage: configuration.Storage{"inmemory": configuration.Parameters{}},
		Auth:    auth,
	}
	cfg.HTTP.Secret = "integration-test-secret"
	cfg.Log.Level = "error"
	return handlers.NewApp(context.Background(), cfg)
}

func htpasswdRegistry(t *testing.T) *httptest.Server {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(path, []byte(user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return serve(t, newRegistry(t, configuration.Auth{"htpasswd": configuration.Parameters{
		"realm": "credvault-test", "path": path}}))
}

// tokenIssuer is the test's token server: Basic login in, a JWT signed by
// a key whose self-signed certificate the registry trusts out.
type tokenIssuer struct {
	key    *ecdsa.PrivateKey
	certDE []byte
}

func newIssuer(t *testing.T) *tokenIssuer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: issuer},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tokenIssuer{key: key, certDE: der}
}

func (ti *tokenIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if !ok || u != user || p != password || r.URL.Query().Get("service") != service {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
		return
	}
	tok, err := ti.sign(u, grants(r.URL.Query()["scope"]))
	if err != nil {
		http.Error(w, "sign", http.StatusInternalServerError)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "expires_in": 300, "issued_at": time.Now().UTC().Format(time.RFC3339)})
}

func (ti *tokenIssuer) sign(sub string, access []any) (string, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("x5c", []string{base64.StdEncoding.EncodeToString(ti.certDE)})
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: ti.key}, opts)
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": issuer, "sub": sub, "aud": service, "exp": now.Add(5 * time.Minute).Unix(),
		"nbf": now.Add(-time.Minute).Unix(), "iat": now.Unix(), "jti": "t1", "access": access})
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// grants gives the authenticated user every scope asked for
// ("repository:team/app:pull,push"), as a permissive token server does.
func grants(scopes []string) []any {
	access := []any{}
	for _, sc := range scopes {
		for _, one := range strings.Fields(sc) {
			parts := strings.Split(one, ":")
			if len(parts) == 3 {
				access = append(access, map[string]any{"type": parts[0], "name": parts[1], "actions": strings.Split(parts[2], ",")})
			}
		}
	}
	return access
}

func tokenRegistry(t *testing.T) *httptest.Server {
	reg, _ := tokenRegistryRealm(t, "")
	return reg
}

// tokenRegistryRealm is tokenRegistry with the realm on realmHost (the
// token server's own address when empty); it returns the token server too.
func tokenRegistryRealm(t *testing.T, realmHost string) (reg, auth *httptest.Server) {
	ti := newIssuer(t)
	auth = serve(t, ti)
	bundle := filepath.Join(t.TempDir(), "root.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ti.certDE}), 0o600); err != nil {
		t.Fatal(err)
	}
	realm := auth.URL + "/token"
	if realmHost != "" {
		realm = "https://" + realmHost + "/token"
	}
	return serve(t, newRegistry(t, configuration.Auth{"token": configuration.Parameters{
		"realm": realm, "service": service, "issuer": issuer, "rootcertbundle": bundle}})), auth
}

// noDNS answers every lookup with "no such host".
type noDNS struct{}

func (noDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestDistribution(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(*testing.T) *httptest.Server
		trips int
	}{
		{"htpasswd", htpasswdRegistry, 2},
		{"token", tokenRegistry, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.start(t)
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			opts := providers.Options{AllowLoopback: true, RootCAs: pool}
			target := providers.Target{Provider: providers.DockerRegistry, URL: srv.URL}
			good := credentials.UsernamePassword{Username: user, Password: credentials.NewSecret(password)}
			bad := credentials.UsernamePassword{Username: user, Password: credentials.NewSecret(password + "x")}
			run := func(t *testing.T, tg providers.Target, c credentials.Credential, o providers.Options, want providers.Status) providers.Result {
				t.Helper()
				r := providers.TestConnection(registry.WithResolver(context.Background(), noDNS{}), tg, c, o)
				if r.Status != want {
					t.Fatalf("status %s, want %s: %+v", r.Status, want, r)
				}
				if js, _ := json.Marshal(r); containsSecret(string(js)) {
					t.Fatalf("secret in result %s", js)
				}
				return r
			}
			t.Run("right credentials", func(t *testing.T) {
				r := run(t, target, good, opts, providers.StatusHealthy)
				if !r.Authenticated || r.RoundTrips != tc.trips {
					t.Fatalf("%+v, want authenticated in %d round trips", r, tc.trips)
				}
			})
			t.Run("wrong credentials", func(t *testing.T) { run(t, target, bad, opts, providers.StatusAuthFailed) })
			t.Run("anonymous", func(t *testing.T) {
				if r := run(t, target, nil, opts, providers.StatusHealthy); r.Authenticated {
					t.Fatalf("%+v", r)
				}
			})
			t.Run("wrong host", func(t *testing.T) {
				run(t, providers.Target{Provider: providers.DockerRegistry, URL: "https://registry.invalid"}, good, opts, providers.StatusUnreachable)
			})
			t.Run("closed port", func(t *testing.T) {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				addr := l.Addr().String()
				l.Close()
				run(t, providers.Target{Provider: providers.DockerRegistry, URL: "https://" + addr}, good, opts, providers.StatusUnreachable)
			})
			t.Run("self-signed", func(t *testing.T) {
				untrusting := opts
				untrusting.RootCAs = nil
				run(t, target, good, untrusting, providers.StatusTLSError)
				insecure := target
				insecure.Insecure = true
				// With token auth the realm is self-signed too: Insecure
				// covers the whole target, realm included.
				if r := run(t, insecure, good, untrusting, providers.StatusHealthy); !r.InsecureTLS {
					t.Fatalf("an insecure check must say certificate verification was skipped: %+v", r)
				}
			})
			t.Run("private CA", func(t *testing.T) {
				// The target's CA bundle is trusted besides the system
				// roots, for the registry and its token realm alike.
				bundled := target
				bundled.CABundle = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
				system := opts
				system.RootCAs = nil
				if r := run(t, bundled, good, system, providers.StatusHealthy); !r.Authenticated || r.InsecureTLS {
					t.Fatalf("%+v", r)
				}
				testStoredPrivateCA(t, bundled, good, system)
			})
			t.Run("production default refuses loopback", func(t *testing.T) {
				// Refused before sending: no request left, none is counted.
				r := run(t, target, good, providers.Options{RootCAs: pool}, providers.StatusUnreachable)
				if r.RoundTrips != 0 {
					t.Fatalf("%+v", r)
				}
			})
		})
	}
}

func containsSecret(s string) bool {
	return strings.Contains(s, password) || strings.Contains(s, base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
}

// testStoredPrivateCA seals the entry (its CA bundle included) in a vault
// and tests the record through providers/stored: the sealed bundle is
// what makes the certificate verify.
func testStoredPrivateCA(t *testing.T, tg providers.Target, c credentials.Credential, o providers.Options) {
	t.Helper()
	ctx := registry.WithResolver(context.Background(), noDNS{})
	v, err := vault.New(memstore.New(), kek.StaticResolver{"acme": newGCMKEK(t)})
	if err != nil {
		t.Fatal(err)
	}
	for name, bundle := range map[string][]byte{"private-ca": tg.CABundle, "system-roots": nil} {
		e := vault.Entry{Provider: tg.Provider, URL: tg.URL, CABundle: bundle, Credential: c}
		if _, err := v.Put(ctx, vault.Key{Org: "acme", Registry: name}, e); err != nil {
			t.Fatal(err)
		}
	}
	if r := stored.Test(ctx, v, vault.Key{Org: "acme", Registry: "private-ca"}, o); r.Status != providers.StatusHealthy || !r.Authenticated {
		t.Fatalf("stored record with its CA bundle: %+v", r)
	}
	if r := stored.Test(ctx, v, vault.Key{Org: "acme", Registry: "system-roots"}, o); r.Status != providers.StatusTLSError {
		t.Fatalf("stored record without a CA bundle: %+v", r)
	}
}

// gcmKEK is a minimal KEK for this module's tests (kek/local's Tink
// dependency stays out of its go.mod): one AES-256-GCM key, aad.Data
// bound, the nonce prefixed.
type gcmKEK struct{ aead cipher.AEAD }

func newGCMKEK(t *testing.T) gcmKEK {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return gcmKEK{a}
}

const gcmKeyID = "test://acme#v=1"

func (k gcmKEK) Wrap(_ context.Context, dek []byte, aad kek.AAD) ([]byte, string, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", err
	}
	return k.aead.Seal(nonce, nonce, dek, aad.Data), gcmKeyID, nil
}

func (k gcmKEK) Unwrap(_ context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	n := k.aead.NonceSize()
	if keyID != gcmKeyID {
		return nil, kek.ErrKeyNotFound
	}
	if len(wrapped) < n {
		return nil, kek.ErrUnwrap
	}
	dek, err := k.aead.Open(nil, wrapped[:n], wrapped[n:], aad.Data)
	if err != nil {
		return nil, kek.ErrUnwrap
	}
	return dek, nil
}

func (k gcmKEK) CurrentKeyID(context.Context) (string, error) { return gcmKeyID, nil }
