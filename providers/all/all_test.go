package all_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/aademu"
	"github.com/credvault/credvault/internal/ecremu"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/gcpemu"
	"github.com/credvault/credvault/internal/providertest"
	"github.com/credvault/credvault/internal/regemu"
	"github.com/credvault/credvault/providers"
	_ "github.com/credvault/credvault/providers/all"
)

func fixture(t *testing.T, k credentials.Kind) credentials.Credential {
	for _, c := range fixtures.All("canaryall0000") {
		if c.Kind() == k {
			return c
		}
	}
	t.Fatalf("no fixture of kind %s", k)
	return nil
}

// TestCloudAdaptersLinked: with this package imported, each cloud provider
// reaches its own adapter, which the address policy then stops before any
// byte leaves the process (the ECR Public API, the GAR token_uri and the
// ACR authority all point at private addresses).
func TestCloudAdaptersLinked(t *testing.T) {
	gar := credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(
		fixtures.ServiceAccountKey("a@example-project.iam.gserviceaccount.com", "https://10.0.0.1/token", "kid"))}
	tests := []struct {
		target providers.Target
		cred   credentials.Credential
		opts   providers.Options
		want   string
	}{
		{providers.Target{Provider: providers.AWSECR, URL: "https://public.ecr.aws"}, fixture(t, credentials.KindAwsEcr),
			providers.Options{Endpoints: map[string]string{
				"https://sts.us-east-1.amazonaws.com":            "https://10.0.0.1",
				"https://api.ecr-public.us-east-1.amazonaws.com": "https://10.0.0.1",
			}}, "address policy"},
		{providers.Target{Provider: providers.GoogleGAR}, gar, providers.Options{}, "token_uri"},
		{providers.Target{Provider: providers.AzureACR, URL: "https://credvaultacr.azurecr.io"}, fixture(t, credentials.KindAzureAcr),
			providers.Options{Endpoints: map[string]string{"https://login.microsoftonline.com": "https://10.0.0.1"}}, "Entra authority"},
	}
	for _, tc := range tests {
		r := providers.TestConnection(context.Background(), tc.target, tc.cred, tc.opts)
		// The SDK's request is counted when handed to the safe client,
		// which then refuses it: at most one round trip, no byte sent.
		if !strings.Contains(r.Message, tc.want) || r.RoundTrips > 1 {
			t.Errorf("%s: %s (%d round trips)", tc.target.Provider, r.Message, r.RoundTrips)
		}
	}
}

// shape is a secret of one shape, at most maxLen bytes where the shape
// is "very long".
type shape struct {
	name string
	make func(maxLen int) string
}

// shapes are the secrets the echo sweep tries: validation accepts NBSP,
// U+3000, quotes and backslashes inside a secret, one character, and up
// to the field's cap.
var shapes = []shape{
	{"ascii", func(int) string { return "Ascii-S3cret-Passw0rd-9f8e7d" }},
	{"nbsp", func(int) string { return "nb\u00a0sp-S3cret\u00a0Pass-42" }},
	{"ideographic-space", func(int) string { return "id\u3000sp-S3cret\u3000Pass-42" }},
	{"quote-backslash", func(int) string { return `q"uo\te-S3cret\"Pass\\42` }},
	{"one-char", func(int) string { return "Q" }},
	{"very-long", longSecret},
}

// longSecret is maxLen-16 bytes of varied printable ASCII (a fixed
// sequence, so a failure repeats).
func longSecret(maxLen int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/=@!"
	b := make([]byte, maxLen-16)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = alphabet[x%uint32(len(alphabet))]
	}
	return string(b)
}

// encoding is how a hostile server re-encodes what it echoes.
type encoding struct {
	name   string
	encode func(string) string
}

func unquoted(q string) string { return q[1 : len(q)-1] }

// encodings are the sweep's own list (not the scrubber's): raw, URL
// query- and path-escaped, JSON-string-escaped, Go %q, base64 standard
// and URL-safe, padded and not. A Basic header is echoed as received
// (base64 of user:secret), in each of these.
var encodings = []encoding{
	{"raw", func(s string) string { return s }},
	{"query", url.QueryEscape},
	{"path", url.PathEscape},
	{"json", func(s string) string { b, _ := json.Marshal(s); return unquoted(string(b)) }},
	{"go-q", func(s string) string { return unquoted(strconv.Quote(s)) }},
	{"b64", func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }},
	{"b64-raw", func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }},
	{"b64-url", func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }},
	{"b64-url-raw", func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }},
}

// A flow is one provider flow run behind an Echo: setup starts its
// emulators with secret in the field the shapes vary and returns the
// target, credential and options, or false when validation refuses the
// shape for that field.
type flow struct {
	name   string
	maxLen int
	stages []int // fixed hostile stages; nil means every request of a healthy run
	setup  func(t *testing.T, e *providertest.Echo, secret string) (providers.Target, credentials.Credential, providertest.Options, bool)
}

func regFlow(name string, p providers.Provider, f regemu.Flavor, user string, cred func(user, pass string) credentials.Credential) flow {
	return flow{name: name, maxLen: credentials.MaxSecretLen, setup: func(t *testing.T, e *providertest.Echo, secret string) (providers.Target, credentials.Credential, providertest.Options, bool) {
		r, err := regemu.Start(regemu.Config{Flavor: f, Username: user, Password: secret, TLS: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(r.Close)
		o := providers.Options{AllowLoopback: true, RootCAs: r.CertPool(), Endpoints: e.Endpoints(r.Endpoints(), r.URL, r.AuthURL)}
		return providers.Target{Provider: p, URL: r.TargetURL()}, cred(user, secret), providertest.Options{Options: o}, true
	}}
}

func up(u, p string) credentials.Credential {
	return credentials.UsernamePassword{Username: u, Password: credentials.NewSecret(p)}
}
func pat(u, p string) credentials.Credential {
	return credentials.UsernamePat{Username: u, Pat: credentials.NewSecret(p)}
}
func robot(u, p string) credentials.Credential {
	return credentials.HarborRobot{RobotName: u, Secret: credentials.NewSecret(p)}
}
func jfrog(u, p string) credentials.Credential {
	return credentials.JfrogIdentityToken{Username: u, IdentityToken: credentials.NewSecret(p)}
}

// ecrFlow varies the external ID of a role credential (the only ECR
// secret free text can go in), to the registry or ECR Public.
func ecrFlow(name, url string) flow {
	return flow{name: name, maxLen: 1224, setup: func(t *testing.T, e *providertest.Echo, secret string) (providers.Target, credentials.Credential, providertest.Options, bool) {
		var c credentials.AwsEcr
		for _, f := range fixtures.All("sweep") {
			if v, ok := f.(credentials.AwsEcr); ok {
				c = v
			}
		}
		c.ExternalID = credentials.NewSecret(secret)
		c.Region = ecremu.DefaultRegion
		if c.Validate() != nil {
			return providers.Target{}, nil, providertest.Options{}, false
		}
		emu := ecremu.Start(t)
		emu.AddKey(c.AccessKeyID, c.SecretAccessKey.Reveal(), c.SessionToken.Reveal())
		emu.AddRole(c.RoleArn, secret)
		if url == "" {
			url = "https://" + emu.RegistryHost()
		}
		o := providers.Options{AllowLoopback: true, RootCAs: emu.CertPool(), Endpoints: e.Endpoints(emu.Endpoints())}
		return providers.Target{Provider: providers.AWSECR, URL: url}, c, providertest.Options{Options: o}, true
	}}
}

func acrFlow(name string, admin bool) flow {
	return flow{name: name, maxLen: credentials.MaxClientSecretLen, setup: func(t *testing.T, e *providertest.Echo, secret string) (providers.Target, credentials.Credential, providertest.Options, bool) {
		emu := aademu.Start(t)
		var c credentials.Credential
		if admin {
			emu.EnableAdmin(secret)
			c = up(aademu.DefaultRegistry, secret)
		} else {
			sp := fixture(t, credentials.KindAzureAcr).(credentials.AzureAcr)
			sp.ClientSecret = credentials.NewSecret(secret)
			emu.AddApp(sp.ClientID, secret)
			c = sp
		}
		o := providers.Options{AllowLoopback: true, RootCAs: emu.CertPool(), Endpoints: e.Endpoints(emu.Endpoints())}
		return providers.Target{Provider: providers.AzureACR, URL: "https://" + emu.Host()}, c, providertest.Options{Options: o}, true
	}}
}

// garFlow varies the key's private_key_id. The token endpoint cannot sit
// behind a forwarding front (the assertion's aud names it), so "token"
// sends the grant to a front with no upstream, hostile at once, and the
// other flow puts the fronts before the registry only.
func garFlow(name string, token bool) flow {
	f := flow{name: name, maxLen: credentials.MaxUsernameLen, setup: func(t *testing.T, e *providertest.Echo, secret string) (providers.Target, credentials.Credential, providertest.Options, bool) {
		emu := gcpemu.Start(t)
		k, _ := fixtures.RSAKey()
		const email = "reader@example-project.iam.gserviceaccount.com"
		emu.AddServiceAccount(email, &k.PublicKey)
		uri := emu.TokenURL()
		if token {
			uri = e.Front("") + "/token"
		}
		c := credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(fixtures.ServiceAccountKey(email, uri, secret))}
		if c.Validate() != nil {
			return providers.Target{}, nil, providertest.Options{}, false
		}
		o := providers.Options{AllowLoopback: true, RootCAs: emu.CertPool(), Endpoints: e.Endpoints(emu.Endpoints())}
		return providers.Target{Provider: providers.GoogleGAR, URL: "https://" + emu.Host()}, c, providertest.Options{Options: o}, true
	}}
	if token {
		f.stages = []int{1}
	}
	return f
}

var flows = []flow{
	regFlow("docker_hub", providers.DockerHub, regemu.DockerHub, "alice", pat),
	regFlow("ghcr", providers.GHCR, regemu.GHCR, "octocat", pat),
	regFlow("quay", providers.Quay, regemu.Quay, "acme+ci", up),
	regFlow("gitlab", providers.GitLab, regemu.GitLab, "deployer", pat),
	regFlow("harbor", providers.Harbor, regemu.Harbor, "robot$library+ci", robot),
	regFlow("jfrog", providers.JFrog, regemu.JFrog, "ci", jfrog),
	regFlow("nexus", providers.Nexus, regemu.Nexus, "nexus-user", up),
	regFlow("docker_registry", providers.DockerRegistry, regemu.Distribution, "dev", up),
	regFlow("custom", providers.Custom, regemu.BasicAuth, "dev", up),
	regFlow("harness", providers.HarnessAR, regemu.Harness, "_token", pat),
	regFlow("buildkite", providers.Buildkite, regemu.Buildkite, "buildkite", pat),
	ecrFlow("ecr", ""),
	ecrFlow("ecr_public", "https://public.ecr.aws"),
	acrFlow("acr_service_principal", false),
	acrFlow("acr_admin", true),
	garFlow("gar_registry", false),
	garFlow("gar_token_endpoint", true),
}

// sweepCounts are the echo sweep's totals.
type sweepCounts struct {
	mu                       sync.Mutex
	runs, leaks, unnamed, na int
	examples                 []string
}

func (c *sweepCounts) add(runs, leaks, unnamed, na int, examples ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs, c.leaks, c.unnamed, c.na = c.runs+runs, c.leaks+leaks, c.unnamed+unnamed, c.na+na
	if len(c.examples) < 40 {
		c.examples = append(c.examples, examples...)
	}
}

// TestEchoSweep: a hostile registry, token endpoint or identity endpoint
// that echoes every secret it has seen (the credential's, and every token
// and assertion derived from it) gets none of them into a Result, for
// every provider flow, secret shape, echo form, encoding and request of
// the flow; and the Result still says what went wrong and where.
func TestEchoSweep(t *testing.T) {
	var total sweepCounts
	t.Run("flows", func(t *testing.T) {
		for _, f := range flows {
			for _, sh := range shapes {
				t.Run(f.name+"/"+sh.name, func(t *testing.T) {
					t.Parallel()
					sweepFlow(t, f, sh.make(f.maxLen), &total)
				})
			}
		}
	})
	t.Logf("echo sweep: %d runs, %d leaks, %d results not naming what went wrong, %d shape/flow pairs refused by validation",
		total.runs, total.leaks, total.unnamed, total.na)
	for _, ex := range total.examples {
		t.Log(ex)
	}
	if total.leaks > 0 || total.unnamed > 0 || total.runs == 0 {
		t.Fail()
	}
}

// sweepFlow runs f with secret: once without hostility to count its
// requests, then hostile at each request in each form and encoding.
func sweepFlow(t *testing.T, f flow, secret string, total *sweepCounts) {
	e := providertest.NewEcho(t, 0, providertest.EchoBody, encodings[0].encode)
	target, cred, opts, ok := f.setup(t, e, secret)
	if !ok {
		total.add(0, 0, 0, 1)
		return
	}
	stages := f.stages
	if stages == nil {
		if r := providertest.TestConnection(t, target, cred, opts); !r.Healthy() {
			t.Fatalf("without an echo: %s: %s", r.Status, r.Message)
		}
		for i := range e.Requests() {
			stages = append(stages, i+1)
		}
	}
	known := append([]string{secret}, secretsOf(cred)...)
	runs, leaks, unnamed := 0, 0, 0
	var examples []string
	for _, form := range providertest.EchoForms {
		for _, enc := range encodings {
			for _, at := range stages {
				e.Arm(at, form, enc.encode, known...)
				r := providertest.TestConnection(t, target, cred, opts)
				runs++
				where := fmt.Sprintf("%s %s/%s at request %d", f.name, form, enc.name, at)
				if leak := leaked(r, e.Secrets()); leak != "" {
					if leaks++; leaks == 1 {
						examples = append(examples, where+": "+leak)
					}
				}
				if !namesFailure(r) {
					unnamed++
					examples = append(examples, fmt.Sprintf("%s: says nothing: %+v", where, r))
				}
			}
		}
	}
	total.add(runs, leaks, unnamed, 0, examples...)
}

// secretsOf are the secret fields of the credentials the flows use.
func secretsOf(c credentials.Credential) []string {
	switch v := c.(type) {
	case credentials.AwsEcr:
		return []string{v.SecretAccessKey.Reveal(), v.SessionToken.Reveal(), v.ExternalID.Reveal()}
	case credentials.AzureAcr:
		return []string{v.ClientSecret.Reveal()}
	case credentials.GoogleGar:
		return []string{v.ServiceAccountKey.Reveal()}
	}
	return nil
}

// leaked returns how a secret shows in r (its %+v and JSON forms), or "".
// An encoding of at least 4 bytes leaks if it, or for an opaque secret
// any 12 bytes of it, appears; a shorter one leaks if it appears framed
// as the Echo sent it ("~" either side).
func leaked(r providers.Result, secrets []string) string {
	js, _ := json.Marshal(r)
	out := fmt.Sprintf("%+v", r) + "\n" + string(js)
	windows := map[string]bool{}
	for i := 0; i+12 <= len(out); i++ {
		windows[out[i:i+12]] = true
	}
	for _, s := range secrets {
		for _, enc := range encodings {
			v := enc.encode(s)
			switch {
			case len(v) < 4 && strings.Contains(out, "~"+v+"~"):
				return enc.name + " of a short secret: " + out
			case len(v) >= 4 && strings.Contains(out, v):
				return enc.name + " of a secret: " + out
			case strings.Contains(s, "client_email"):
				continue // a key file's public fields show in messages
			}
			for i := 0; i+12 <= len(v); i += 4 {
				if windows[v[i:i+12]] {
					return fmt.Sprintf("%s of a secret, bytes %d-%d (%q): %s", enc.name, i, i+12, v[i:i+12], out)
				}
			}
		}
	}
	return ""
}

// namesFailure reports whether r still says what happened and where: a
// status, a message that does not start with a marker, and an endpoint
// with a host.
func namesFailure(r providers.Result) bool {
	u, err := url.Parse(r.Endpoint)
	return r.Status != "" && r.Message != "" && !strings.HasPrefix(r.Message, "[") && err == nil && u.Host != ""
}
