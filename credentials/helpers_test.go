package credentials

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
)

// Obviously fake values, from AWS's documentation where one exists.
const (
	fakeKeyID        = "AKIAIOSFODNN7EXAMPLE"
	fakeTempKeyID    = "ASIAIOSFODNN7EXAMPLE"
	fakeSecretKey    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	fakeSessionToken = "FwoGZXIvYXdzEXAMPLE+SESSION/TOKEN=="
	fakeRoleArn      = "arn:aws:iam::123456789012:role/ecr-puller"
	fakeTenant       = "11111111-2222-3333-4444-555555555555"
	fakeClient       = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	fakeEmail        = "puller@example-project.iam.gserviceaccount.com"
	fakeTokenURI     = "https://oauth2.googleapis.com/token"
)

// Test keys are generated once per test binary: RSA generation is slow.
var (
	testRSA2048 = sync.OnceValue(func() string { return mustPKCS8PEM(mustRSA(2048)) })
	testRSA1024 = sync.OnceValue(func() string { return mustPKCS8PEM(mustRSA(1024)) })
	testECKey   = sync.OnceValue(func() string {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return mustPKCS8PEM(k)
	})
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func mustPKCS8PEM(k any) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// garKeyFields returns a valid service-account key file as a map.
func garKeyFields() map[string]any {
	return map[string]any{
		"type":           "service_account",
		"project_id":     "example-project",
		"private_key_id": "0123456789abcdef0123456789abcdef01234567",
		"private_key":    testRSA2048(),
		"client_email":   fakeEmail,
		"client_id":      "123456789012345678901",
		"auth_uri":       "https://accounts.google.com/o/oauth2/auth",
		"token_uri":      fakeTokenURI,
	}
}

// garKeyJSON returns a key file with overrides applied; a nil override
// deletes the field.
func garKeyJSON(overrides map[string]any) string {
	m := garKeyFields()
	for k, v := range overrides {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// validCredentials returns one valid value per kind (AwsEcr twice: with
// and without the optional fields).
func validCredentials() []Credential {
	return []Credential{
		UsernamePassword{Username: "deploy-bot", Password: NewSecret("correct horse battery staple")},
		UsernamePat{Username: "deploy-bot", Pat: NewSecret("ghp_EXAMPLE0000000000000000000000000000")},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1"},
		AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: NewSecret(fakeSecretKey),
			SessionToken: NewSecret(fakeSessionToken), Region: "eu-west-1",
			RoleArn: fakeRoleArn, ExternalID: "harborguard-org-42"},
		GoogleGar{ServiceAccountKey: NewSecret(garKeyJSON(nil))},
		AzureAcr{TenantID: fakeTenant, ClientID: fakeClient, ClientSecret: NewSecret("fake~client~secret")},
		HarborRobot{RobotName: "robot$ci+pusher", Secret: NewSecret("Fake0Robot0Secret0Value000000000")},
		JfrogIdentityToken{Username: "ci", IdentityToken: NewSecret("cmVmdGtuOjAxOjAwMDAwMDAwMDA6RVhBTVBMRQ")},
	}
}

// checkErr asserts err matches want (nil for success) and, when want is
// set, that it is a *FieldError whose Field contains field.
func checkErr(t *testing.T, err, want error, field string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want %v", err, want)
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FieldError", err)
	}
	if !strings.Contains(fe.Field, field) {
		t.Fatalf("error field = %q, want it to name %q (error: %v)", fe.Field, field, err)
	}
}
