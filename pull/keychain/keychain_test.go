package keychain_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/aademu"
	"github.com/credvault/credvault/internal/doortest"
	"github.com/credvault/credvault/internal/ecremu"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/gcpemu"
	"github.com/credvault/credvault/internal/vaultenv"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	_ "github.com/credvault/credvault/providers/all" // the cloud exchanges
	"github.com/credvault/credvault/pull"
	"github.com/credvault/credvault/pull/keychain"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// canary is in every stored secret: no error may show it.
const canary = "CANARYkc5e1d0b"

const org = "acme"

// newVault returns a vault over a memstore with org's keyset.
func newVault(t *testing.T) (*vault.Vault, *memstore.Store) {
	t.Helper()
	root, err := local.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(t.TempDir(), root)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(context.Background(), org); err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	v, err := vault.New(st, m)
	if err != nil {
		t.Fatal(err)
	}
	return v, st
}

func put(t *testing.T, v *vault.Vault, reg string, e vault.Entry) vault.Key {
	t.Helper()
	k := vault.Key{Org: org, Registry: reg}
	if _, err := v.Put(context.Background(), k, e); err != nil {
		t.Fatal(err)
	}
	return k
}

// image pushes a random image to reg (an unauthenticated in-memory
// registry handler) as repo:v1 and returns it.
func image(t *testing.T, reg http.Handler, repo string) v1.Image {
	t.Helper()
	open := httptest.NewServer(reg)
	t.Cleanup(open.Close)
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(strings.TrimPrefix(open.URL, "http://")+"/"+repo+":v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	return img
}

// rewrite sends requests for the origins in routes to their servers, as
// DNS would: the request keeps its host name (and Host header).
type rewrite struct {
	routes map[string]string
	next   http.RoundTripper
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if to, ok := rw.routes[r.URL.Scheme+"://"+r.URL.Host]; ok {
		u, _ := url.Parse(to)
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host = u.Scheme, u.Host
	}
	return rw.next.RoundTrip(r)
}

func transport(pool *x509.CertPool, routes map[string]string) http.RoundTripper {
	return rewrite{routes: routes, next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// serveTLS runs h on httptest's TLS certificate, the one every emulator
// shares, so their CertPool trusts it.
func serveTLS(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// pullDigest pulls ref through kc and returns the pulled image's digest.
func pullDigest(t *testing.T, ref string, kc authn.Keychain, rt http.RoundTripper) (v1.Hash, error) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r, remote.WithAuthFromKeychain(kc), remote.WithTransport(rt))
	if err != nil {
		return v1.Hash{}, err
	}
	if _, err := img.RawManifest(); err != nil {
		return v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	for _, l := range layers { // fetch every blob through the registry's auth
		rc, err := l.Compressed()
		if err != nil {
			return v1.Hash{}, err
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return v1.Hash{}, err
		}
	}
	return img.Digest()
}

func wantDigest(t *testing.T, img v1.Image, got v1.Hash, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if want, _ := img.Digest(); got != want {
		t.Fatalf("pulled %s, pushed %s", got, want)
	}
}

// basicRegistry is an in-memory registry behind a Basic challenge for
// user and pass; it counts authorized requests.
func basicRegistry(t *testing.T, reg http.Handler, user, pass string, authorized *int) *httptest.Server {
	return serveTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="credvault-test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
			return
		}
		*authorized++
		reg.ServeHTTP(w, r)
	}))
}

func TestKeychainPullBasic(t *testing.T) {
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	img := image(t, reg, "team/app")
	pass := "pw-" + canary
	var authorized int
	srv := basicRegistry(t, reg, "deploy-bot", pass, &authorized)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	rt := transport(pool, map[string]string{"https://registry.test": srv.URL})

	v, _ := newVault(t)
	k := put(t, v, "private", vault.Entry{Provider: providers.DockerRegistry, URL: "https://registry.test",
		Credential: credentials.UsernamePassword{Username: "deploy-bot", Password: credentials.NewSecret(pass)}})
	a := pull.New(v, pull.Options{Recheck: -1})
	kc := keychain.New(a, org)

	got, err := pullDigest(t, "registry.test/team/app:v1", kc, rt)
	wantDigest(t, img, got, err)
	if authorized == 0 {
		t.Fatal("the registry authorized nothing")
	}

	// Behind MultiKeychain, another org's keychain (no record) says
	// "not mine" and the next one answers.
	multi := authn.NewMultiKeychain(keychain.New(a, "other-org"), kc)
	got, err = pullDigest(t, "registry.test/team/app:v1", multi, rt)
	wantDigest(t, img, got, err)

	// The authenticator asks the Authorizer on every call: a record
	// updated after Resolve is presented on the next request.
	auth, err := kc.Resolve(name.MustParseReference("registry.test/team/app:v1").Context())
	if err != nil {
		t.Fatal(err)
	}
	put(t, v, k.Registry, vault.Entry{Provider: providers.DockerRegistry, URL: "https://registry.test",
		Credential: credentials.UsernamePassword{Username: "deploy-bot", Password: credentials.NewSecret("new-" + canary)}})
	cfg, err := auth.Authorization()
	if err != nil || cfg.Username != "deploy-bot" || cfg.Password != "new-"+canary {
		t.Fatalf("after the update: %v (password updated: %t)", err, cfg != nil && cfg.Password == "new-"+canary)
	}
	if s := auth.(interface{ String() string }).String(); strings.Contains(s, canary) {
		t.Fatalf("authenticator prints a secret: %s", s)
	}
	// ... and the old password no longer pulls: the registry wants it.
	if _, err := pullDigest(t, "registry.test/team/app:v1", kc, rt); err == nil {
		t.Fatal("pulled with a credential the registry does not accept")
	}
}

func TestKeychainResolve(t *testing.T) {
	v, st := newVault(t)
	cred := func(s string) credentials.Credential {
		return credentials.UsernamePat{Username: "bot", Pat: credentials.NewSecret("ghp_" + canary + s)}
	}
	put(t, v, "ghcr-a", vault.Entry{Provider: providers.GHCR, URL: "https://ghcr.io/acme", Credential: cred("a")})
	put(t, v, "ghcr-b", vault.Entry{Provider: providers.GHCR, URL: "https://ghcr.io/acme", Credential: cred("b")})
	put(t, v, "local", vault.Entry{Provider: providers.DockerRegistry, URL: "https://localhost:5000", Credential: cred("l")})
	put(t, v, "lan", vault.Entry{Provider: providers.DockerRegistry, URL: "http://registry.local:5000", Insecure: true, Credential: cred("n")})
	put(t, v, "quay", vault.Entry{Provider: providers.Quay, Credential: cred("q")})
	kc := keychain.New(pull.New(v, pull.Options{Recheck: -1}), org)

	resolve := func(ref string) (authn.Authenticator, error) {
		t.Helper()
		r, err := name.ParseReference(ref)
		if err != nil {
			t.Fatal(err)
		}
		auth, err := kc.Resolve(r.Context())
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Fatalf("secret in error %v", err)
		}
		return auth, err
	}
	for _, ref := range []string{"docker.io/library/nginx", "ghcr.io/other/app", "ghcr.io.evil.example/acme/app", "registry.test/x"} {
		if auth, err := resolve(ref); err != nil || auth != authn.Anonymous {
			t.Errorf("%s: %v, %v; want Anonymous", ref, auth, err)
		}
	}
	if _, err := resolve("ghcr.io/acme/app"); !errors.Is(err, pull.ErrAmbiguous) {
		t.Errorf("two equal records: %v, want ErrAmbiguous", err)
	}
	// localhost is reached over plain http when https fails: only an
	// insecure record may serve it.
	if _, err := resolve("localhost:5000/app"); !errors.Is(err, keychain.ErrPlainHTTP) || !strings.Contains(err.Error(), "localhost:5000") {
		t.Errorf("localhost, record not insecure: %v, want ErrPlainHTTP naming the host", err)
	}
	if auth, err := resolve("registry.local:5000/app"); err != nil || auth == authn.Anonymous {
		t.Errorf("insecure record: %v, %v", auth, err)
	}
	cfg, err := authn.Authorization(context.Background(), must(resolve("quay.io/acme/app")))
	if err != nil || cfg.Username != "bot" || cfg.Password != "ghp_"+canary+"q" {
		t.Fatalf("quay: %v", err)
	}

	// A record that no longer opens (its store rows tampered) is an
	// error when authorizing, never anonymous.
	tamper(t, st, vault.Key{Org: org, Registry: "quay"})
	auth, err := resolve("quay.io/acme/app")
	if err == nil {
		_, err = authn.Authorization(context.Background(), auth)
	}
	if !errors.Is(err, pull.ErrOpen) || strings.Contains(err.Error(), canary) {
		t.Fatalf("tampered record: %v, want ErrOpen", err)
	}
}

func must(a authn.Authenticator, err error) authn.Authenticator {
	if err != nil {
		panic(err)
	}
	return a
}

// tamper flips a byte of the record's sealed payload in the store.
func tamper(t *testing.T, st *memstore.Store, k vault.Key) {
	t.Helper()
	ctx := context.Background()
	rec, err := st.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	rec.Envelope[len(rec.Envelope)-1] ^= 1
	if _, err := st.Put(ctx, rec, rec.Version); err != nil {
		t.Fatal(err)
	}
}

// cloudFront stands in front of an emulator's registry endpoint, which
// answers only its ping and token routes: it proxies those, and serves
// image content from reg only to a request whose Authorization the
// emulator accepts on GET /v2/ (a token the emulator issued and that has
// not expired), relaying the emulator's refusal otherwise.
func cloudFront(t *testing.T, emuURL string, pool *x509.CertPool, reg http.Handler, authorized *int) *httptest.Server {
	t.Helper()
	target, err := url.Parse(emuURL)
	if err != nil {
		t.Fatal(err)
	}
	rt := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport, proxy.ErrorLog = rt, log.New(io.Discard, "", 0)
	return serveTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/manifests/") && !strings.Contains(r.URL.Path, "/blobs/") {
			proxy.ServeHTTP(w, r)
			return
		}
		ping, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, emuURL+"/v2/", nil)
		ping.Host = r.Host
		ping.Header.Set("Authorization", r.Header.Get("Authorization"))
		resp, err := rt.RoundTrip(ping)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			for _, h := range []string{"Www-Authenticate", "Content-Type"} {
				w.Header().Set(h, resp.Header.Get(h))
			}
			w.WriteHeader(resp.StatusCode)
			_, _ = io.Copy(w, resp.Body)
			return
		}
		*authorized++
		reg.ServeHTTP(w, r)
	}))
}

// TestKeychainPullCloud pulls through the keychain from ECR, ACR and GAR
// emulators: each record is exchanged for a registry token its
// emulator issued, and the emulator judges every content request.
func TestKeychainPullCloud(t *testing.T) {
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) cloud
	}{
		{"ECR", func(t *testing.T) cloud {
			emu := ecremu.Start(t)
			secret := canary + strings.Repeat("0", 40-len(canary)) // an AWS secret key's shape
			emu.AddKey("AKIAIOSFODNN7EXAMPLE", secret, "")
			host := emu.RegistryHost()
			return cloud{host, "ecr/app", vault.Entry{Provider: providers.AWSECR, URL: "https://" + host,
				Credential: credentials.AwsEcr{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: credentials.NewSecret(secret), Region: emu.Region()}},
				emu.CertPool(), emu.Endpoints(), nil} // ecremu's ExpireTokens expires later tokens too
		}},
		{"ACR", func(t *testing.T) cloud {
			emu := aademu.Start(t)
			var sp credentials.AzureAcr
			for _, c := range fixtures.All(canary) {
				if v, ok := c.(credentials.AzureAcr); ok {
					sp = v
				}
			}
			emu.AddApp(sp.ClientID, sp.ClientSecret.Reveal())
			return cloud{emu.Host(), "acr/app", vault.Entry{Provider: providers.AzureACR, URL: "https://" + emu.Host(), Credential: sp},
				emu.CertPool(), emu.Endpoints(), emu.ExpireTokens}
		}},
		{"ACR admin", func(t *testing.T) cloud {
			emu := aademu.Start(t)
			emu.EnableAdmin("admin-" + canary)
			return cloud{emu.Host(), "acr/admin", vault.Entry{Provider: providers.AzureACR, URL: "https://" + emu.Host(),
				Credential: credentials.UsernamePassword{Username: aademu.DefaultRegistry, Password: credentials.NewSecret("admin-" + canary)}},
				emu.CertPool(), emu.Endpoints(), emu.ExpireTokens}
		}},
		{"GAR", func(t *testing.T) cloud {
			emu := gcpemu.Start(t)
			k, _ := fixtures.RSAKey()
			email := "reader@example-project.iam.gserviceaccount.com"
			emu.AddServiceAccount(email, &k.PublicKey)
			key := credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(fixtures.ServiceAccountKey(email, emu.TokenURL(), "kid-"+canary))}
			return cloud{emu.Host(), "example-project/images/app", vault.Entry{Provider: providers.GoogleGAR,
				URL: "https://" + emu.Host() + "/example-project/images", Credential: key}, emu.CertPool(), emu.Endpoints(), emu.ExpireTokens}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.start(t)
			host, repo, pool, endpoints := c.host, c.repo, c.pool, c.endpoints
			img := image(t, reg, repo)
			var authorized int
			front := cloudFront(t, endpoints["https://"+host], pool, reg, &authorized)
			routes := maps.Clone(endpoints)
			routes["https://"+host] = front.URL
			rt := transport(pool, routes)
			ref := host + "/" + repo + ":v1"

			// The emulator refuses an anonymous pull.
			if _, err := pullDigest(t, ref, authn.NewMultiKeychain(), rt); err == nil {
				t.Fatal("pulled anonymously")
			}
			v, _ := newVault(t)
			k := put(t, v, strings.ReplaceAll(strings.ToLower(tc.name), " ", "-"), c.entry)
			clk := &clock{now: time.Now()}
			a := pull.New(v, pull.Options{AllowLoopback: true, RootCAs: pool, Endpoints: endpoints, Clock: clk.Now})
			kc := keychain.New(a, org)
			got, err := pullDigest(t, ref, kc, rt)
			wantDigest(t, img, got, err)
			if authorized == 0 {
				t.Fatal("the emulator authorized no content request")
			}

			// The token's life runs out (the emulator ends every token it
			// issued; the clock reaches the refresh margin): the next pull
			// goes with a fresh token, never the expired one.
			cred, err := a.Authorize(context.Background(), k, repo)
			if err != nil {
				t.Fatal(err)
			}
			if cred.Expires.IsZero() { // admin credentials do not expire
				return
			}
			if c.expire != nil {
				c.expire()
			}
			clk.Advance(cred.Expires.Sub(clk.Now()) - pull.DefaultMargin + time.Second)
			got, err = pullDigest(t, ref, kc, rt)
			wantDigest(t, img, got, err)
			if fresh, err := a.Authorize(context.Background(), k, repo); err != nil || fresh.Secret.Equal(cred.Secret) {
				t.Fatalf("no fresh token after the refresh margin: %v", err)
			}
		})
	}
}

// A cloud is an emulated cloud registry: its host, a repository to
// push to, a record for it, what trusts and reaches it, and how to end
// every token it issued (nil: not used).
type cloud struct {
	host, repo string
	entry      vault.Entry
	pool       *x509.CertPool
	endpoints  map[string]string
	expire     func()
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestKeychainSweep resolves and authorizes every doors fixture case
// through the keychain: answers for the records that serve, typed errors
// for every failure (no record, ambiguity, unopenable record, ECR
// refusal, GAR outage), and no stored secret in any error.
func TestKeychainSweep(t *testing.T) {
	f := doortest.New(t)
	v, st, _, err := vaultenv.FromEnv(f.Getenv).OpenVault(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kc := keychain.New(pull.New(v, f.Opts), doortest.Org)
	for _, tc := range f.Cases {
		if tc.Image == "" {
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			r, err := name.ParseReference(tc.Image)
			if err != nil {
				t.Fatal(err)
			}
			auth, err := kc.Resolve(r.Context())
			var cfg *authn.AuthConfig
			if err == nil && auth != authn.Anonymous {
				cfg, err = authn.Authorization(context.Background(), auth)
			}
			switch {
			case err != nil && doortest.Leaks(err.Error()):
				t.Fatalf("secret in error %v", err)
			case errors.Is(tc.Err, pull.ErrNoMatch):
				if err != nil || auth != authn.Anonymous {
					t.Fatalf("%v, %v; want Anonymous", auth, err)
				}
			case tc.Err != nil:
				if !errors.Is(err, tc.Err) || !strings.Contains(err.Error(), tc.Host) && !errors.Is(err, pull.ErrOpen) {
					t.Fatalf("%v, want %v", err, tc.Err)
				}
			case err != nil || cfg.Username != tc.Username || tc.Secret != "" && cfg.Password != tc.Secret:
				t.Fatalf("%v (user %v)", err, cfg)
			}
		})
	}
}
