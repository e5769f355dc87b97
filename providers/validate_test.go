package providers_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
)

const canary = "CANARY-s3cr3t-value"

var (
	garOnce sync.Once
	garKey  string
)

// garCredential builds a real service-account key file (RSA-2048, PKCS #8).
func garCredential(t testing.TB) credentials.GoogleGar {
	t.Helper()
	garOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		b, _ := json.Marshal(map[string]string{
			"type": "service_account", "project_id": "acme", "private_key_id": "abc123",
			"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
			"client_email": "puller@acme.iam.gserviceaccount.com", "client_id": "1234567890",
			"token_uri": "https://oauth2.googleapis.com/token",
		})
		garKey = string(b)
	})
	return credentials.GoogleGar{ServiceAccountKey: credentials.NewSecret(garKey)}
}

// creds returns one valid credential of every kind, each carrying canary.
func creds(t testing.TB) map[credentials.Kind]credentials.Credential {
	s := credentials.NewSecret(canary)
	return map[credentials.Kind]credentials.Credential{
		credentials.KindUsernamePassword: credentials.UsernamePassword{Username: "deploy-bot", Password: s},
		credentials.KindUsernamePat:      credentials.UsernamePat{Username: "deploy-bot", Pat: s},
		credentials.KindAwsEcr: credentials.AwsEcr{AccessKeyID: "AKIAIOSFODNN7EXAMPLE",
			SecretAccessKey: credentials.NewSecret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), Region: "us-east-1"},
		credentials.KindGoogleGar: garCredential(t),
		credentials.KindAzureAcr: credentials.AzureAcr{TenantID: "11111111-2222-4333-8444-555555555555",
			ClientID: "0b1d5c9e-7a41-4f0b-9d3c-2f6a8e5b1c7d", ClientSecret: s},
		credentials.KindHarborRobot:        credentials.HarborRobot{RobotName: "robot$library+ci", Secret: s},
		credentials.KindJfrogIdentityToken: credentials.JfrogIdentityToken{Username: "alice", IdentityToken: s},
	}
}

// goodURL is a URL each provider accepts.
var goodURL = map[providers.Provider]string{
	providers.DockerHub:      "https://registry-1.docker.io",
	providers.GHCR:           "https://ghcr.io",
	providers.AWSECR:         "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
	providers.AzureACR:       "https://contoso.azurecr.io",
	providers.GoogleGAR:      "https://europe-west1-docker.pkg.dev",
	providers.GitLab:         "https://registry.gitlab.com",
	providers.Harbor:         "https://harbor.example.com",
	providers.JFrog:          "https://acme.jfrog.io/artifactory/api/docker/docker-local",
	providers.Quay:           "https://quay.io",
	providers.Nexus:          "https://nexus.example.com:8443",
	providers.DockerRegistry: "https://registry.example.com:5000",
	providers.Custom:         "https://10.0.0.5:5000",
	providers.HarnessAR:      "https://pkg.harness.io",
	providers.Buildkite:      "https://packages.buildkite.com/acme/images",
}

// TestKindMatrix checks every provider against every kind and nil.
func TestKindMatrix(t *testing.T) {
	all := creds(t)
	for _, info := range providers.All() {
		for _, k := range credentials.Kinds() {
			err := providers.Validate(info.Provider, goodURL[info.Provider], all[k])
			switch {
			case info.Accepts(k) && err != nil:
				t.Errorf("%s + %s: unexpected error %v", info.Provider, k, err)
			case !info.Accepts(k) && !errors.Is(err, providers.ErrKindNotAccepted):
				t.Errorf("%s + %s: error %v, want ErrKindNotAccepted", info.Provider, k, err)
			}
			assertNoLeak(t, err)
		}
		err := providers.Validate(info.Provider, goodURL[info.Provider], nil)
		if info.Anonymous != (err == nil) || (err != nil && !errors.Is(err, providers.ErrCredentialsRequired)) {
			t.Errorf("%s + nil: error %v, anonymous %v", info.Provider, err, info.Anonymous)
		}
	}
}

func TestValidateTable(t *testing.T) {
	c := creds(t)
	up, robot := c[credentials.KindUsernamePassword], c[credentials.KindHarborRobot]
	tests := []struct {
		name   string
		target providers.Target
		cred   credentials.Credential
		field  string
		want   error
	}{
		{"unknown provider", providers.Target{Provider: "ECR"}, up, "provider", providers.ErrUnknownProvider},
		{"url required", providers.Target{Provider: providers.Harbor}, robot, "url", providers.ErrURLRequired},
		{"gitlab url required", providers.Target{Provider: providers.GitLab}, up, "url", providers.ErrURLRequired},
		{"default url", providers.Target{Provider: providers.DockerHub}, up, "", nil},
		{"ecr derived", providers.Target{Provider: providers.AWSECR}, c[credentials.KindAwsEcr], "", nil},
		{"gar derived", providers.Target{Provider: providers.GoogleGAR}, c[credentials.KindGoogleGar], "", nil},
		{"acr admin derived", providers.Target{Provider: providers.AzureACR}, up, "", nil},
		{"acr principal without url", providers.Target{Provider: providers.AzureACR}, c[credentials.KindAzureAcr], "", nil},
		{"http refused", providers.Target{Provider: providers.Custom, URL: "http://r.example"}, up, "url", providers.ErrInsecureURL},
		{"insecure on a hosted provider", providers.Target{Provider: providers.DockerHub, Insecure: true}, up, "insecure", providers.ErrInsecureNotAllowed},
		{"CA bundle on a hosted provider", providers.Target{Provider: providers.GHCR, CABundle: []byte("pem")}, up, "caBundle", providers.ErrInsecureNotAllowed},
		{"CA bundle without a certificate", providers.Target{Provider: providers.Harbor, URL: "https://h.example", CABundle: []byte("not PEM")}, robot, "caBundle", providers.ErrInvalidURL},
		{"http insecure", providers.Target{Provider: providers.Custom, URL: "http://r.example", Insecure: true}, up, "", nil},
		{"userinfo", providers.Target{Provider: providers.Custom, URL: "https://bob:" + canary + "@r.example"}, up, "url", providers.ErrURLCredentials},
		{"user only", providers.Target{Provider: providers.Custom, URL: "https://bob@r.example"}, up, "url", providers.ErrURLCredentials},
		{"bad parse with password", providers.Target{Provider: providers.Custom, URL: "https://bob:" + canary + "@r.example:x%zz/"}, up, "url", providers.ErrInvalidURL},
		{"ftp", providers.Target{Provider: providers.Custom, URL: "ftp://r.example"}, up, "url", providers.ErrInvalidURL},
		{"one trailing dot", providers.Target{Provider: providers.Custom, URL: "https://r.example."}, up, "", nil},
		{"empty last label", providers.Target{Provider: providers.Custom, URL: "https://r.example.."}, up, "url", providers.ErrInvalidURL},
		{"empty inner label", providers.Target{Provider: providers.Custom, URL: "https://r..example"}, up, "url", providers.ErrInvalidURL},
		{"numeric last label", providers.Target{Provider: providers.Custom, URL: "https://r.123"}, up, "url", providers.ErrInvalidURL},
		{"IPv4", providers.Target{Provider: providers.Custom, URL: "https://192.0.2.7:5000"}, up, "", nil},
		{"no scheme", providers.Target{Provider: providers.Custom, URL: "r.example:5000"}, up, "url", providers.ErrInvalidURL},
		{"relative", providers.Target{Provider: providers.Custom, URL: "/v2/"}, up, "url", providers.ErrInvalidURL},
		{"opaque", providers.Target{Provider: providers.Custom, URL: "https:r.example"}, up, "url", providers.ErrInvalidURL},
		{"query", providers.Target{Provider: providers.Custom, URL: "https://r.example/?a=b"}, up, "url", providers.ErrInvalidURL},
		{"empty query", providers.Target{Provider: providers.Custom, URL: "https://r.example/?"}, up, "url", providers.ErrInvalidURL},
		{"fragment", providers.Target{Provider: providers.Custom, URL: "https://r.example/#x"}, up, "url", providers.ErrInvalidURL},
		{"no host", providers.Target{Provider: providers.Custom, URL: "https:///v2/"}, up, "url", providers.ErrInvalidURL},
		{"port zero", providers.Target{Provider: providers.Custom, URL: "https://r.example:0"}, up, "url", providers.ErrInvalidURL},
		{"port too big", providers.Target{Provider: providers.Custom, URL: "https://r.example:65536"}, up, "url", providers.ErrInvalidURL},
		{"empty port", providers.Target{Provider: providers.Custom, URL: "https://r.example:"}, up, "url", providers.ErrInvalidURL},
		{"max port", providers.Target{Provider: providers.Custom, URL: "https://r.example:65535"}, up, "", nil},
		{"ipv6", providers.Target{Provider: providers.Custom, URL: "https://[2001:db8::1]:5000"}, up, "", nil},
		{"ipv6 zone", providers.Target{Provider: providers.Custom, URL: "https://[fe80::1%25eth0]/"}, up, "url", providers.ErrInvalidURL},
		{"decimal ip", providers.Target{Provider: providers.Custom, URL: "https://2130706433/"}, up, "url", providers.ErrInvalidURL},
		{"octal ip", providers.Target{Provider: providers.Custom, URL: "https://0177.0.0.1/"}, up, "url", providers.ErrInvalidURL},
		{"hex ip", providers.Target{Provider: providers.Custom, URL: "https://0x7f.1/"}, up, "url", providers.ErrInvalidURL},
		{"underscore host", providers.Target{Provider: providers.Custom, URL: "https://r_1.example/"}, up, "url", providers.ErrInvalidURL},
		{"unicode host", providers.Target{Provider: providers.Custom, URL: "https://régistry.example/"}, up, "url", providers.ErrInvalidURL},
		{"punycode host", providers.Target{Provider: providers.Custom, URL: "https://xn--rgistry-bya.example/"}, up, "", nil},
		{"too long", providers.Target{Provider: providers.Custom, URL: "https://r.example/" + strings.Repeat("a", 2048)}, up, "url", providers.ErrInvalidURL},
		{"ghcr other host", providers.Target{Provider: providers.GHCR, URL: "https://ghcr.io.evil.example"}, up, "url", providers.ErrInvalidURL},
		{"ghcr upper", providers.Target{Provider: providers.GHCR, URL: "https://GHCR.IO"}, up, "", nil},
		{"hub docker.io", providers.Target{Provider: providers.DockerHub, URL: "https://index.docker.io"}, up, "", nil},
		{"hub other", providers.Target{Provider: providers.DockerHub, URL: "https://hub.example"}, up, "url", providers.ErrInvalidURL},
		{"quay other", providers.Target{Provider: providers.Quay, URL: "https://quay.example"}, up, "url", providers.ErrInvalidURL},
		{"harbor robot prefix", providers.Target{Provider: providers.Harbor, URL: "https://h.example"},
			credentials.HarborRobot{RobotName: "ci-bot", Secret: credentials.NewSecret(canary)}, "credentials.robotName", providers.ErrInvalidCredentials},
		{"harbor custom prefix", providers.Target{Provider: providers.Harbor, URL: "https://h.example", RobotPrefix: "harbor@"},
			credentials.HarborRobot{RobotName: "harbor@library+ci", Secret: credentials.NewSecret(canary)}, "", nil},
		{"harbor custom prefix mismatch", providers.Target{Provider: providers.Harbor, URL: "https://h.example", RobotPrefix: "harbor@"},
			robot, "credentials.robotName", providers.ErrInvalidCredentials},
		{"harbor bad prefix", providers.Target{Provider: providers.Harbor, URL: "https://h.example", RobotPrefix: "a b"},
			robot, "robotPrefix", providers.ErrInvalidCredentials},
		{"invalid credential", providers.Target{Provider: providers.Custom, URL: "https://r.example"},
			credentials.UsernamePassword{Username: "bob"}, "credentials.password", providers.ErrInvalidCredentials},
		{"typed nil credential", providers.Target{Provider: providers.Custom, URL: "https://r.example"},
			(*credentials.UsernamePassword)(nil), "", nil},
		{"typed nil needs creds", providers.Target{Provider: providers.AWSECR},
			(*credentials.AwsEcr)(nil), "credentials", providers.ErrCredentialsRequired},
		{"pointer credential", providers.Target{Provider: providers.Custom, URL: "https://r.example"},
			&credentials.UsernamePassword{Username: "bob", Password: credentials.NewSecret(canary)}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.target.Validate(tc.cred)
			assertNoLeak(t, err)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var fe *credentials.FieldError
			if !errors.Is(err, tc.want) || !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("error %v, want %v on field %q", err, tc.want, tc.field)
			}
		})
	}
}

// TestValidateMessages: the reasons say what to fix: the valid provider
// names for an unknown provider, ACR's name rule for a bad ACR name.
func TestValidateMessages(t *testing.T) {
	c := creds(t)
	for _, tc := range []struct {
		target providers.Target
		want   string
	}{
		{providers.Target{Provider: "ECR"}, "(DOCKER_HUB, GHCR, AWS_ECR, AZURE_ACR, GOOGLE_GAR, GITLAB, HARBOR, JFROG, QUAY, NEXUS, DOCKER_REGISTRY, CUSTOM, HARNESS_AR, BUILDKITE_PACKAGES)"},
		{providers.Target{Provider: providers.AzureACR, URL: "https://ab.azurecr.io"}, "must be 5-50 letters and digits"},
		{providers.Target{Provider: providers.AzureACR, URL: "https://" + strings.Repeat("a", 51) + ".azurecr.us"}, "must be 5-50 letters and digits"},
		{providers.Target{Provider: providers.AzureACR, URL: "https://registry.example.com"}, "host is not one of Azure Container Registry's hosts"},
	} {
		err := tc.target.Validate(c[credentials.KindAzureAcr])
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want it to say %q", tc.target, err, tc.want)
		}
	}
	if _, err := providers.ParseProvider("ghcr"); err == nil || !strings.Contains(err.Error(), "GHCR, AWS_ECR") {
		t.Errorf("ParseProvider: %v", err)
	}
}

func TestFixedHosts(t *testing.T) {
	tests := []struct {
		p    providers.Provider
		host string
		ok   bool
	}{
		{providers.AWSECR, "123456789012.dkr.ecr.eu-west-3.amazonaws.com", true},
		{providers.AWSECR, "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", true},
		{providers.AWSECR, "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", true},
		{providers.AWSECR, "123456789012.dkr-ecr.us-east-1.on.aws", true},
		{providers.AWSECR, "public.ecr.aws", true},
		{providers.AWSECR, "12345678901.dkr.ecr.us-east-1.amazonaws.com", false},
		{providers.AWSECR, "123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", false},
		{providers.AWSECR, "evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com", false},
		{providers.AWSECR, "ecr.aws", false},
		{providers.AzureACR, "contoso.azurecr.io", true},
		{providers.AzureACR, "contoso-abc123.azurecr.io", true},
		{providers.AzureACR, "contoso.westeurope.geo.azurecr.io", true},
		{providers.AzureACR, "contoso.azurecr.cn", true},
		{providers.AzureACR, "contoso.azurecr.us", true},
		{providers.AzureACR, "ab.azurecr.io", false},
		{providers.AzureACR, "contoso.azurecr.io.evil.example", false},
		{providers.AzureACR, "azurecr.io", false},
		{providers.GoogleGAR, "us-docker.pkg.dev", true},
		{providers.GoogleGAR, "europe-west1-docker.pkg.dev", true},
		{providers.GoogleGAR, "gcr.io", true},
		{providers.GoogleGAR, "eu.gcr.io", true},
		{providers.GoogleGAR, "docker.pkg.dev", false},
		{providers.GoogleGAR, "us-docker.pkg.dev.evil.example", false},
		{providers.GoogleGAR, "evil.example", false},
		{providers.GHCR, "ghcr.io", true},
		{providers.GHCR, "docker.pkg.github.com", false},
		{providers.DockerHub, "registry.hub.docker.com", true},
		{providers.DockerHub, "docker.com", false},
		{providers.Quay, "quay.io", true},
		{providers.Quay, "cdn.quay.io", false},
	}
	c := creds(t)
	for _, tc := range tests {
		info, _ := providers.Lookup(tc.p)
		err := providers.Validate(tc.p, "https://"+tc.host+"/", c[info.Kinds[0]])
		if tc.ok && err != nil {
			t.Errorf("%s %s: unexpected error %v", tc.p, tc.host, err)
		}
		if !tc.ok && !errors.Is(err, providers.ErrInvalidURL) {
			t.Errorf("%s %s: error %v, want ErrInvalidURL", tc.p, tc.host, err)
		}
	}
}

// TestCredentialErrorsPassThrough checks a credential's own error comes
// back as the one *credentials.FieldError, its field named from the
// target, matching both ErrInvalidCredentials and the credential's own
// sentinel with errors.Is.
func TestCredentialErrorsPassThrough(t *testing.T) {
	bad := credentials.AwsEcr{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: credentials.NewSecret(canary), Region: "us-east-1"}
	err := providers.Validate(providers.AWSECR, "", bad)
	var fe *credentials.FieldError
	if !errors.As(err, &fe) || fe.Field != "credentials.secretAccessKey" || !errors.Is(err, credentials.ErrInvalid) {
		t.Fatalf("error %v does not name the credential's field or match its sentinel", err)
	}
	if !errors.Is(err, providers.ErrInvalidCredentials) || errors.Is(err, providers.ErrInvalidURL) {
		t.Fatalf("error %v is not only ErrInvalidCredentials", err)
	}
	if want := "providers: invalid credentials: credentials.secretAccessKey: "; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error text %q, want it to start %q", err, want)
	}
	assertNoLeak(t, err)
}

func assertNoLeak(t *testing.T, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), canary) || strings.Contains(fmt.Sprintf("%+v", err), canary)) {
		t.Fatalf("error leaks a secret: %v", err)
	}
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"https://ghcr.io", "http://r:5000/v2/", "https://u:p@h", "https://[::1]:0",
		"https://2130706433/", "https://a..b", "https://" + strings.Repeat("a.", 200) + "io", "\x00", "https://%zz"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, insecure bool) {
		for _, p := range []providers.Provider{providers.Custom, providers.AWSECR, providers.AzureACR} {
			err := providers.Target{Provider: p, URL: raw, Insecure: insecure}.Validate(nil)
			var fe *credentials.FieldError
			if err != nil && !errors.As(err, &fe) {
				t.Fatalf("untyped error %v", err)
			}
			if _, pass, ok := strings.Cut(raw, ":"); ok && err != nil && len(pass) > 8 &&
				strings.Contains(raw, "@") && strings.Contains(err.Error(), pass) {
				t.Fatalf("error echoes the URL: %v", err)
			}
		}
	})
}

func ExampleTarget_Validate() {
	target := providers.Target{Provider: providers.Harbor, URL: "https://harbor.example.com"}
	robot := credentials.HarborRobot{RobotName: "robot$library+ci", Secret: credentials.NewSecret("s3cr3t")}
	fmt.Println(target.Validate(robot))

	err := providers.Validate(providers.GHCR, "https://deploy:ghp_x@ghcr.io", nil)
	fmt.Println(err, errors.Is(err, providers.ErrURLCredentials))
	// Output:
	// <nil>
	// providers: credentials in url: url: userinfo is refused; use the credentials field true
}
