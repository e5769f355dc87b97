package ecr

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/smithy-go"
	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/ecremu"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/internal/providertest"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/internal/safehttp"
	"github.com/credvault/credvault/providers"
)

const (
	canary  = "CANARYs3cr3tCANARYs3cr3tCANARYs3cr3t0000" // 40 chars, like a secret access key
	akid    = "AKIAIOSFODNN7EXAMPLE"
	regHost = ecremu.DefaultAccount + ".dkr.ecr." + ecremu.DefaultRegion + ".amazonaws.com"
)

func staticCred() credentials.AwsEcr {
	return credentials.AwsEcr{AccessKeyID: akid, SecretAccessKey: credentials.NewSecret(canary), Region: ecremu.DefaultRegion}
}

// roleCred is the fixture credential: session token, role ARN, external id.
func roleCred(t testing.TB) credentials.AwsEcr {
	for _, c := range fixtures.All(canary) {
		if v, ok := c.(credentials.AwsEcr); ok {
			return v
		}
	}
	t.Fatal("no AwsEcr fixture")
	return credentials.AwsEcr{}
}

func start(t testing.TB) (*ecremu.Emulator, providertest.Options) {
	t.Helper()
	emu := ecremu.Start(t)
	emu.AddKey(akid, canary, "")
	rc := roleCred(t)
	emu.AddKey(rc.AccessKeyID, rc.SecretAccessKey.Reveal(), rc.SessionToken.Reveal())
	emu.AddRole(rc.RoleArn, rc.ExternalID.Reveal())
	return emu, providertest.Options{Options: providers.Options{AllowLoopback: true, Endpoints: emu.Endpoints(), RootCAs: emu.CertPool()}}
}

func ecrTarget(url string) providers.Target {
	return providers.Target{Provider: providers.AWSECR, URL: url}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	other := staticCred()
	other.Region = "us-east-1" // the URL's region must win (trivy #1026)
	wrongSecret := staticCred()
	wrongSecret.SecretAccessKey = credentials.NewSecret(strings.Repeat("x", 40))
	unknown := staticCred()
	unknown.AccessKeyID = "AKIAQQQQQQQQQQQQQQQQ"
	badExt := roleCred(t)
	badExt.ExternalID = credentials.NewSecret("someone-else")
	tests := []struct {
		name   string
		url    string
		cred   credentials.AwsEcr
		setup  func(*ecremu.Emulator)
		status providers.Status
		code   string
		trips  int
		hits   ecremu.Hits
	}{
		{name: "static key, proxy endpoint", cred: staticCred(), status: providers.StatusHealthy, trips: 2, hits: ecremu.Hits{API: 1, Registry: 1}},
		{name: "static key, registry URL", url: "https://" + regHost, cred: staticCred(), status: providers.StatusHealthy, trips: 2, hits: ecremu.Hits{API: 1, Registry: 1}},
		{name: "region from the URL", url: "https://" + regHost + "/team/app", cred: other, status: providers.StatusHealthy, trips: 2, hits: ecremu.Hits{API: 1, Registry: 1}},
		{name: "region from the credential when no URL", cred: other, status: providers.StatusUnreachable, trips: 0}, // the name did not resolve: nothing sent
		{name: "assume role with external id", cred: roleCred(t), status: providers.StatusHealthy, trips: 3, hits: ecremu.Hits{API: 1, STS: 1, Registry: 1}},
		{name: "assume role, wrong external id", cred: badExt, status: providers.StatusForbidden, code: "AccessDenied", trips: 1, hits: ecremu.Hits{STS: 1}},
		{name: "wrong secret", cred: wrongSecret, status: providers.StatusAuthFailed, code: "InvalidSignatureException", trips: 1, hits: ecremu.Hits{API: 1}},
		{name: "unknown key", cred: unknown, status: providers.StatusAuthFailed, code: "UnrecognizedClientException", trips: 1, hits: ecremu.Hits{API: 1}},
		{name: "expired session token", cred: staticCred(), setup: func(e *ecremu.Emulator) { e.ExpireKey(akid) },
			status: providers.StatusAuthFailed, code: "ExpiredTokenException", trips: 1, hits: ecremu.Hits{API: 1}},
		{name: "denied", cred: staticCred(), setup: func(e *ecremu.Emulator) { e.Deny(akid) },
			status: providers.StatusForbidden, code: "AccessDeniedException", trips: 1, hits: ecremu.Hits{API: 1}},
		{name: "throttled, SDK retry counted", cred: staticCred(), setup: func(e *ecremu.Emulator) { e.ThrottleNext(10) },
			status: providers.StatusRateLimited, code: "ThrottlingException", trips: maxAttempts, hits: ecremu.Hits{API: maxAttempts}},
		{name: "throttled once, retry succeeds", cred: staticCred(), setup: func(e *ecremu.Emulator) { e.ThrottleNext(1) },
			status: providers.StatusHealthy, trips: 3, hits: ecremu.Hits{API: 2, Registry: 1}},
		{name: "expired registry token (trivy #5310)", cred: staticCred(), setup: (*ecremu.Emulator).ExpireTokens,
			status: providers.StatusAuthFailed, code: "DENIED", trips: 2, hits: ecremu.Hits{API: 1, Registry: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			if tc.setup != nil {
				tc.setup(emu)
			}
			opts.Resolver = safehttp.StaticResolver{} // no DNS: us-east-1 is not emulated
			r := providertest.TestConnection(t, ecrTarget(tc.url), tc.cred, opts)
			providertest.RequireOutcome(t, r, tc.status, tc.code, tc.trips)
			providertest.RequireHits(t, emu.Hits(), tc.hits)
			if r.Healthy() && (r.Endpoint != "https://"+regHost+"/v2/" || !r.Authenticated) {
				t.Errorf("healthy result %+v", r)
			}
		})
	}
}

// TestAddressPolicy: an AWS endpoint or a proxy endpoint resolving to a
// refused address is refused before any byte reaches it, and not retried.
func TestAddressPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(e *ecremu.Emulator, o *providertest.Options)
		trips int // the role credential: STS, then ECR, then the registry
		hits  ecremu.Hits
	}{
		{"registry rewritten to a private address", func(e *ecremu.Emulator, o *providertest.Options) {
			o.Endpoints["https://"+regHost] = "https://10.0.0.1"
		}, 2, ecremu.Hits{API: 1}},
		{"proxy endpoint resolving to cloud metadata", func(e *ecremu.Emulator, o *providertest.Options) {
			delete(o.Endpoints, "https://"+regHost)
			o.Resolver = safehttp.StaticResolver{regHost: netip.MustParseAddr("169.254.169.254")}
		}, 2, ecremu.Hits{API: 1}},
		{"ECR API at cloud metadata", func(e *ecremu.Emulator, o *providertest.Options) {
			o.Endpoints["https://api.ecr."+ecremu.DefaultRegion+".amazonaws.com"] = "https://169.254.169.254"
		}, 1, ecremu.Hits{}},
		{"STS at a private address", func(e *ecremu.Emulator, o *providertest.Options) {
			o.Endpoints["https://sts."+ecremu.DefaultRegion+".amazonaws.com"] = "https://10.0.0.1"
		}, 0, ecremu.Hits{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			tc.edit(emu, &opts)
			r := providertest.TestConnection(t, ecrTarget(""), roleCred(t), opts)
			// A refused request, the SDK's or the registry's, sent
			// nothing and is not counted; nor is it retried.
			if r.Status != providers.StatusUnreachable || !strings.Contains(r.Message, "address policy") || r.RoundTrips != tc.trips {
				t.Fatalf("got %s, %d trips: %s", r.Status, r.RoundTrips, r.Message)
			}
			if got := emu.Hits(); got.Registry != tc.hits.Registry || got.API != tc.hits.API {
				t.Errorf("emulator hits %+v, want %+v", got, tc.hits)
			}
		})
	}
}

func TestInvalidConfig(t *testing.T) {
	t.Parallel()
	noRegion := staticCred()
	noRegion.Region = ""
	tests := []struct {
		name string
		url  string
		cred credentials.Credential
	}{
		{"not an ECR host", "https://registry.example.com", staticCred()},
		{"port on the host", "https://" + regHost + ":8443", staticCred()},
		{"other credential kind", "", credentials.UsernamePassword{Username: "AWS", Password: credentials.NewSecret(canary)}},
		{"nil pointer", "", (*credentials.AwsEcr)(nil)},
		{"no region", "", noRegion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			r := providertest.TestConnection(t, ecrTarget(tc.url), tc.cred, opts)
			if r.Status != providers.StatusInvalidConfig || r.RoundTrips != 0 || emu.Hits() != (ecremu.Hits{}) {
				t.Fatalf("got %+v, hits %+v", r, emu.Hits())
			}
		})
	}
}

func TestTimeoutAndUnreachable(t *testing.T) {
	t.Parallel()
	t.Run("slow API", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		emu.SetLatency(time.Minute)
		opts.Timeout = 50 * time.Millisecond
		if r := providertest.TestConnection(t, ecrTarget(""), staticCred(), opts); r.Status != providers.StatusTimeout {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	t.Run("registry down", func(t *testing.T) {
		t.Parallel()
		emu, opts := start(t)
		emu.Registry.Close()
		r := providertest.TestConnection(t, ecrTarget(""), staticCred(), opts)
		if r.Status != providers.StatusUnreachable || r.Healthy() {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		_, opts := start(t)
		opts.RootCAs = nil
		if r := providertest.TestConnection(t, ecrTarget(""), staticCred(), opts); r.Status != providers.StatusTLSError {
			t.Fatalf("got %s: %s", r.Status, r.Message)
		}
	})
}

// TestBlobRedirectDropsAuthorization follows ECR's layer redirect to S3
// through the session's client: S3 refuses a request that still carries
// Authorization, so a 200 proves the client dropped it.
func TestBlobRedirectDropsAuthorization(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	s := providertest.Session(t, opts)
	cfg := awsConfig(s, staticCred(), ecremu.DefaultRegion)
	cfg.Credentials = awscreds.NewStaticCredentialsProvider(akid, canary, "")
	out, err := awsecr.NewFromConfig(cfg, func(o *awsecr.Options) { o.BaseEndpoint = aws.String(emu.API.URL) }).
		GetAuthorizationToken(context.Background(), &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	password, err := decodeToken(aws.ToString(out.AuthorizationData[0].AuthorizationToken))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, emu.Registry.URL+"/v2/team/app/blobs/sha256:"+strings.Repeat("a", 64), nil)
	req.SetBasicAuth("AWS", password)
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := emu.Hits(); resp.StatusCode != http.StatusOK || h.S3 != 1 || h.S3WithAuthorization != 0 {
		t.Fatalf("status %d, hits %+v", resp.StatusCode, h)
	}
}

// TestCanary: no secret of the credential appears in any result, however
// printed.
func TestCanary(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	secrets := []string{canary, roleCred(t).SessionToken.Reveal()}
	var results []providers.Result
	for _, setup := range []func(){func() {}, func() { emu.ThrottleNext(2) }, func() { emu.Deny(akid) }, emu.ExpireTokens} {
		setup()
		results = append(results, providertest.TestConnection(t, ecrTarget(""), staticCred(), opts),
			providertest.TestConnection(t, ecrTarget(""), roleCred(t), opts))
	}
	for _, r := range results {
		js, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
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
	_, opts := start(b)
	var r providers.Result
	for b.Loop() {
		r = providertest.TestConnection(b, ecrTarget("https://"+regHost), staticCred(), opts)
		if !r.Healthy() {
			b.Fatalf("%s: %s", r.Status, r.Message)
		}
	}
	b.ReportMetric(float64(r.RoundTrips), "roundtrips/op")
}

func TestPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cred   credentials.AwsEcr
		setup  func(*ecremu.Emulator)
		status providers.Status
		code   string
		trips  int
		hits   ecremu.Hits
	}{
		{name: "healthy, API in us-east-1 whatever the credential's region", cred: staticCred(), status: providers.StatusHealthy, trips: 3,
			hits: ecremu.Hits{API: 1, Public: 2}},
		{name: "assume role in us-east-1", cred: roleCred(t), status: providers.StatusHealthy, trips: 4,
			hits: ecremu.Hits{API: 1, STS: 1, Public: 2}},
		{name: "no sts:GetServiceBearerToken", cred: staticCred(), setup: func(e *ecremu.Emulator) { e.Deny(akid) },
			status: providers.StatusForbidden, code: "AccessDeniedException", trips: 1, hits: ecremu.Hits{API: 1}},
		{name: "expired token", cred: staticCred(), setup: (*ecremu.Emulator).ExpireTokens,
			status: providers.StatusAuthFailed, code: "DENIED", trips: 2, hits: ecremu.Hits{API: 1, Public: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, opts := start(t)
			emu.AddRole(roleCred(t).RoleArn, roleCred(t).ExternalID.Reveal())
			if tc.setup != nil {
				tc.setup(emu)
			}
			r := providertest.TestConnection(t, ecrTarget("https://public.ecr.aws"), tc.cred, opts)
			providertest.RequireOutcome(t, r, tc.status, tc.code, tc.trips)
			providertest.RequireHits(t, emu.Hits(), tc.hits)
		})
	}
}

// TestCrossAccount: a registry of another account is checked at its own
// host (stored credentials never go elsewhere), and the message says that
// /v2/ proves no pull rights there.
func TestCrossAccount(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	other := "999999999999.dkr.ecr." + ecremu.DefaultRegion + ".amazonaws.com"
	opts.Endpoints["https://"+other] = emu.Registry.URL
	r := providertest.TestConnection(t, ecrTarget("https://"+other), staticCred(), opts)
	if !r.Healthy() || r.Endpoint != "https://"+other+"/v2/" || !strings.Contains(r.Message, "cross-account") {
		t.Fatalf("%+v", r)
	}
}

// TestPingRedactsCode: the registry's answer to the GetAuthorizationToken
// password (ECR and ECR Public send it through Session.Send) may echo it
// as the error code; ProviderCode must not carry it, as Message does not.
func TestPingRedactsCode(t *testing.T) {
	for _, password := range []string{"CANARY-ecr-password-short", "CANARY-ecr-password-" + strings.Repeat("x", 2000)} {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": password, "message": "no"}}})
		}))
		s, err := registry.NewSession(t.Context(), registry.Config{AllowLoopback: true, Insecure: true,
			Endpoints: map[string]string{"https://" + regHost: srv.URL}})
		if err != nil {
			t.Fatal(err)
		}
		host, _ := parseHost(regHost)
		r := ping(t.Context(), s, host, password)
		srv.Close()
		if r.Status != registry.StatusAuthFailed || strings.Contains(r.ProviderCode, "CANARY-ecr") || strings.Contains(r.Message, "CANARY-ecr") {
			t.Errorf("result %s carries the ECR password: code %q message %q", r.Status, r.ProviderCode, r.Message)
		}
	}
}

// TestAWSFailureClipsCode: the AWS error code comes from the response (a
// header or the JSON __type), so an endpoint answering with a long code
// holding control characters must not put it whole into the Result.
func TestAWSFailureClipsCode(t *testing.T) {
	code := "AccessDenied\r\nX-Forged: 1" + strings.Repeat("A", 500)
	r := awsFailure(&registry.Session{}, &smithy.GenericAPIError{Code: code, Message: "no"}, "https://api.ecr")
	for field, v := range map[string]string{"ProviderCode": r.ProviderCode, "Message": r.Message} {
		if strings.ContainsAny(v, "\r\n") || strings.Contains(v, strings.Repeat("A", 100)) {
			t.Errorf("%s carries the raw code: %q", field, v)
		}
	}
}

// TestDualStackTargetHostIsChecked: the package documentation says
// GET /v2/ goes to "the target URL's host", and dual-stack
// (<acct>.dkr-ecr.<region>.on.aws) hosts are "understood": the check
// must go to that host, not rewrite it to the IPv4-only
// <acct>.dkr.ecr.<region>.amazonaws.com, where an IPv6-only network finds
// a working registry unreachable and the Result names a host the user
// never configured.
func TestDualStackTargetHostIsChecked(t *testing.T) {
	t.Parallel()
	emu, opts := start(t)
	dual := ecremu.DefaultAccount + ".dkr-ecr." + ecremu.DefaultRegion + ".on.aws"
	delete(opts.Endpoints, "https://"+regHost) // only the dual-stack host is reachable
	opts.Endpoints["https://"+dual] = emu.Registry.URL
	r := providertest.TestConnection(t, ecrTarget("https://"+dual), staticCred(), opts)
	if !r.Healthy() || !strings.Contains(r.Endpoint, dual) {
		t.Fatalf("dual-stack target: %s endpoint %q: %s", r.Status, r.Endpoint, r.Message)
	}
}

func TestParseProxy(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com":      true,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/":     true,
		"https://123456789012.dkr.ecr.eu-west-2.amazonaws.com":      false,
		"http://123456789012.dkr.ecr.eu-west-1.amazonaws.com":       false,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com:444":  false,
		"https://u:p@123456789012.dkr.ecr.eu-west-1.amazonaws.com":  false,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/x":    false,
		"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/?q=1": false,
		"https://169.254.169.254":                                   false,
		"":                                                          false,
	} {
		if _, err := parseProxy(raw, "eu-west-1"); (err == nil) != ok {
			t.Errorf("parseProxy(%q) = %v", raw, err)
		}
	}
}

func FuzzParseProxy(f *testing.F) {
	for _, s := range []string{"https://123456789012.dkr.ecr.eu-west-1.amazonaws.com", "https://169.254.169.254/", "http://x", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := parseProxy(raw, "eu-west-1")
		if err == nil && h.Region != "eu-west-1" {
			t.Fatalf("%q accepted in region %s", raw, h.Region)
		}
	})
}
