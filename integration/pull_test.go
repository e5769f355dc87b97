package integration_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/docker-credential-helpers/client"
	dockercreds "github.com/docker/docker-credential-helpers/credentials"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	kubeletv1 "k8s.io/kubelet/pkg/apis/credentialprovider/v1"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/pull"
	"github.com/credvault/credvault/pull/keychain"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// regHost and authHost are the names the tests give the loopback
// registry and token server (go-containerregistry refuses a realm on a
// loopback IP literal): requests for them go to the test servers
// (rewrite), as DNS would send them.
const (
	regHost  = "registry.test"
	authHost = "auth.test"
)

// rewrite sends requests for the hosts it maps to the test servers'
// addresses; the request keeps its Host header.
type rewrite struct {
	to   map[string]string // host -> host:port
	next http.RoundTripper
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if addr, ok := rw.to[r.URL.Host]; ok {
		r = r.Clone(r.Context())
		r.URL.Host = addr
	}
	return rw.next.RoundTrip(r)
}

// clientFor trusts the servers' certificate (httptest's, shared by all)
// and maps regHost and authHost to reg and auth (nil: none).
func clientFor(reg, auth *httptest.Server) http.RoundTripper {
	pool := x509.NewCertPool()
	pool.AddCert(reg.Certificate())
	to := map[string]string{regHost: strings.TrimPrefix(reg.URL, "https://")}
	if auth != nil {
		to[authHost] = strings.TrimPrefix(auth.URL, "https://")
	}
	return rewrite{to: to, next: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// pushImage writes a random image to regHost/team/app:v1 as the test
// user, and returns it.
func pushImage(t *testing.T, rt http.RoundTripper) v1.Image {
	t.Helper()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref := name.MustParseReference(regHost + "/team/app:v1")
	if err := remote.Write(ref, img, remote.WithAuth(&authn.Basic{Username: user, Password: password}), remote.WithTransport(rt)); err != nil {
		t.Fatal(err)
	}
	return img
}

// pullWith pulls regHost/team/app:v1 with kc, reading every layer, and
// requires the pushed image.
func pullWith(t *testing.T, kc authn.Keychain, rt http.RoundTripper, want v1.Image) {
	t.Helper()
	img, err := remote.Image(name.MustParseReference(regHost+"/team/app:v1"), remote.WithAuthFromKeychain(kc), remote.WithTransport(rt))
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		if _, err := l.Digest(); err != nil {
			t.Fatal(err)
		}
		rc, err := l.Compressed()
		if err != nil {
			t.Fatalf("layer: %v", err)
		}
		rc.Close()
	}
	got, _ := img.Digest()
	if w, _ := want.Digest(); got != w {
		t.Fatalf("pulled %s, pushed %s", got, w)
	}
}

func TestPullThroughKeychain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(*testing.T) (reg, auth *httptest.Server)
	}{
		{"htpasswd", func(t *testing.T) (*httptest.Server, *httptest.Server) { return htpasswdRegistry(t), nil }},
		{"token", func(t *testing.T) (*httptest.Server, *httptest.Server) { return tokenRegistryRealm(t, authHost) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := clientFor(tc.start(t))
			img := pushImage(t, rt)

			root, err := local.GenerateRootKey()
			if err != nil {
				t.Fatal(err)
			}
			keys, err := local.Open(t.TempDir(), root)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if err := keys.Create(ctx, "acme"); err != nil {
				t.Fatal(err)
			}
			v, err := vault.New(memstore.New(), keys)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Put(ctx, vault.Key{Org: "acme", Registry: "private"}, vault.Entry{Provider: providers.DockerRegistry,
				URL: "https://" + regHost, Credential: credentials.UsernamePassword{Username: user, Password: credentials.NewSecret(password)}}); err != nil {
				t.Fatal(err)
			}
			pullWith(t, keychain.New(pull.New(v, pull.Options{}), "acme"), rt, img)

			// Without credentials the registry refuses.
			if _, err := remote.Image(name.MustParseReference(regHost+"/team/app:v1"), remote.WithTransport(rt)); err == nil {
				t.Fatal("anonymous pull succeeded")
			}
		})
	}
}

// binaries builds the CLI and the docker credential helper into a
// temporary directory.
func binaries(t *testing.T) (cli, helper string) {
	t.Helper()
	dir := t.TempDir()
	cli, helper = filepath.Join(dir, "credvault"), filepath.Join(dir, "docker-credential-credvault")
	for bin, pkg := range map[string]string{cli: "cmd/credvault", helper: "cmd/docker-credential-credvault"} {
		out, err := exec.Command("go", "build", "-o", bin, "github.com/credvault/credvault/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return cli, helper
}

// doorEnv is the environment both commands read: a SQLite store, a
// keyset directory, a root key and the org.
func doorEnv(t *testing.T) map[string]string {
	dir := t.TempDir()
	root := make([]byte, 32)
	_, _ = rand.Read(root)
	return map[string]string{
		"CREDVAULT_STORE":    "sqlite://" + filepath.Join(dir, "vault.db"),
		"CREDVAULT_KEYSETS":  filepath.Join(dir, "keys"),
		"CREDVAULT_ROOT_KEY": base64.StdEncoding.EncodeToString(root),
		"CREDVAULT_ORG":      "acme",
	}
}

// runCmd runs bin with env and stdin; it returns stdout and stderr.
func runCmd(t *testing.T, env map[string]string, stdin, bin string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), err
}

// helperKeychain is the docker credential helper binary as a
// go-containerregistry keychain: authn.NewKeychainFromHelper over
// docker-credential-helpers' own client.
type helperKeychain struct{ program client.ProgramFunc }

func (h helperKeychain) Get(serverURL string) (string, string, error) {
	c, err := client.Get(h.program, serverURL)
	if err != nil {
		return "", "", err
	}
	return c.Username, c.Secret, nil
}

// TestDoorsBinaries stores a record with the CLI, then pulls through the
// docker credential helper binary (driven by docker-credential-helpers'
// client package) and with the auth the kubelet plugin answers for real
// request JSON.
func TestDoorsBinaries(t *testing.T) {
	rt := clientFor(htpasswdRegistry(t), nil)
	img := pushImage(t, rt)
	cli, helper := binaries(t)
	env := doorEnv(t)
	if out, errOut, err := runCmd(t, env, "", cli, "keys", "create", "acme"); err != nil {
		t.Fatalf("keys create: %v\n%s%s", err, out, errOut)
	}
	cred := `{"username":"` + user + `","password":"` + password + `"}`
	if out, errOut, err := runCmd(t, env, cred, cli, "put", "acme", "private", "-provider", "DOCKER_REGISTRY", "-url", "https://"+regHost); err != nil {
		t.Fatalf("put: %v\n%s%s", err, out, errOut)
	}

	program := client.NewShellProgramFuncWithEnv(helper, &env)
	t.Run("docker credential helper", func(t *testing.T) {
		c, err := client.Get(program, regHost)
		if err != nil || c.Username != user || c.Secret != password {
			t.Fatalf("get: %v (user %q, secret as stored: %t)", err, c.Username, c != nil && c.Secret == password)
		}
		list, err := client.List(program)
		if err != nil || len(list) != 1 || list[regHost] != user {
			t.Fatalf("list: %v %v", list, err)
		}
		if _, err := client.Get(program, "other.example.com"); !dockercreds.IsErrCredentialsNotFound(err) {
			t.Fatalf("unknown host: %v, want docker's not found", err)
		}
		err = client.Store(program, &dockercreds.Credentials{ServerURL: regHost, Username: "u", Secret: password})
		if err == nil || !strings.Contains(err.Error(), "read-only") || containsSecret(err.Error()) {
			t.Fatalf("store: %v", err)
		}
		if err := client.Erase(program, regHost); err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Fatalf("erase: %v", err)
		}
		pullWith(t, authn.NewKeychainFromHelper(helperKeychain{program}), rt, img)
	})

	t.Run("kubelet plugin", func(t *testing.T) {
		req := kubeletv1.CredentialProviderRequest{Image: regHost + "/team/app:v1", ServiceAccountToken: "sa-token-not-kept"}
		req.APIVersion, req.Kind = "credentialprovider.kubelet.k8s.io/v1", "CredentialProviderRequest"
		in, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, err := runCmd(t, env, string(in), cli, "kubelet-credential-provider")
		if err != nil || errOut != "" {
			t.Fatalf("plugin: %v\n%s", err, errOut)
		}
		var resp kubeletv1.CredentialProviderResponse
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields() // every field is the published type's
		if err := dec.Decode(&resp); err != nil {
			t.Fatalf("response does not decode as the published type: %v", err)
		}
		auth, ok := resp.Auth[regHost]
		if resp.APIVersion != req.APIVersion || resp.Kind != "CredentialProviderResponse" || resp.CacheKeyType != kubeletv1.RegistryPluginCacheKeyType ||
			resp.CacheDuration != nil || len(resp.Auth) != 1 || !ok || auth.Username != user || auth.Password != password {
			t.Fatalf("response %s %s %s %v, %d auth entries", resp.APIVersion, resp.Kind, resp.CacheKeyType, resp.CacheDuration, len(resp.Auth))
		}
		if strings.Contains(out, "sa-token") {
			t.Fatal("the service account token is echoed")
		}
		pullWith(t, authn.NewMultiKeychain(staticKeychain{auth.Username, auth.Password}), rt, img)

		// An image no record serves: non-zero, the host named, no secret.
		req.Image = "other.example.com/app"
		in, _ = json.Marshal(req)
		out, errOut, err = runCmd(t, env, string(in), cli, "kubelet-credential-provider")
		if err == nil || out != "" || !strings.Contains(errOut, "other.example.com") || containsSecret(errOut) {
			t.Fatalf("unknown host: %v\nstdout: %s\nstderr: %s", err, out, errOut)
		}
	})
}

// staticKeychain answers every resource with one username and password:
// what a kubelet does with the plugin's auth.
type staticKeychain struct{ user, pass string }

func (s staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: s.user, Password: s.pass}, nil
}
