package credentials

import (
	"fmt"
	"strings"
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

// validCredentials returns one valid value per kind (AwsEcr twice: with
// and without the optional fields).
func validCredentials() []Credential {
	return []Credential{
		UsernamePassword{Username: "deploy-bot", Password: NewSecret("correct horse battery staple")},
		UsernamePat{Username: "deploy-bot", Pat: NewSecret("ghp_EXAMPLE0000000000000000000000000000")},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1"},
		AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: NewSecret(fakeSecretKey),
			SessionToken: NewSecret(fakeSessionToken), Region: "eu-west-1",
			RoleArn: fakeRoleArn, ExternalID: NewSecret("harborguard-org-42")},
		GoogleGar{ServiceAccountKey: NewSecret(garKeyJSON(nil))},
		AzureAcr{TenantID: fakeTenant, ClientID: fakeClient, ClientSecret: NewSecret("fake~client~secret")},
		HarborRobot{RobotName: "robot$ci+pusher", Secret: NewSecret("Fake0Robot0Secret0Value000000000")},
		JfrogIdentityToken{Username: "ci", IdentityToken: NewSecret("cmVmdGtuOjAxOjAwMDAwMDAwMDA6RVhBTVBMRQ")},
	}
}

// canaryCredentials are valid credentials with the canary in every secret
// field (for GoogleGar, in private_key_id; the whole key is checked too),
// AwsEcr's confidential externalId included.
func canaryCredentials() []Credential {
	secretKey := canary + strings.Repeat("A", awsSecretKeyLen-len(canary))
	return []Credential{
		UsernamePassword{Username: "deploy-bot", Password: NewSecret("pw-" + canary)},
		UsernamePat{Username: "deploy-bot", Pat: NewSecret("ghp_" + canary)},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(secretKey), Region: "us-east-1"},
		AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: NewSecret(secretKey), SessionToken: NewSecret("FwoG" + canary + "=="),
			Region: "us-east-1", RoleArn: fakeRoleArn, ExternalID: NewSecret("org-" + canary)},
		GoogleGar{ServiceAccountKey: NewSecret(garKeyJSON(map[string]any{"private_key_id": canary}))},
		AzureAcr{TenantID: fakeTenant, ClientID: fakeClient, ClientSecret: NewSecret("x~" + canary)},
		HarborRobot{RobotName: "robot$ci", Secret: NewSecret(canary)},
		JfrogIdentityToken{Username: "ci", IdentityToken: NewSecret(canary)},
	}
}

// invalidCanaryCredentials are invalid variants with the canary in secret
// fields and in non-secret ones: validation errors must name the field only.
func invalidCanaryCredentials() []Credential {
	pemWithCanary := "-----BEGIN PRIVATE KEY-----\n" + canary + "AAAA\n-----END PRIVATE KEY-----\n"
	gar := func(s string) Credential { return GoogleGar{ServiceAccountKey: NewSecret(s)} }
	return []Credential{
		UsernamePassword{Username: "u", Password: NewSecret(canary + "\n")},
		UsernamePassword{Username: "u", Password: NewSecret(strings.Repeat(canary, 400))},
		UsernamePassword{Username: canary + ":", Password: NewSecret(canary)},
		UsernamePassword{Username: " " + canary, Password: NewSecret(canary)},
		UsernamePat{Username: "u", Pat: NewSecret(canary + "\x00")},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(canary), Region: "us-east-1"},
		AwsEcr{AccessKeyID: "AKIA" + canary, SecretAccessKey: NewSecret(canary), Region: "us-east-1"},
		AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: NewSecret(fakeSecretKey), SessionToken: NewSecret("!" + canary), Region: "us-east-1"},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), SessionToken: NewSecret(canary), Region: "us-east-1"},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: canary},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1", RoleArn: "arn:" + canary},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1", RoleArn: fakeRoleArn, ExternalID: NewSecret(canary + " !")},
		gar(canary),
		gar(`{"type":"` + canary + `"}`),
		gar(`{"private_key":"` + canary + `" x}`),
		gar(canary + `{"type":"service_account"}`),
		gar(garKeyJSON(map[string]any{"private_key": pemWithCanary})),
		gar(garKeyJSON(map[string]any{"private_key": canary + "\n" + testRSA2048()})),
		gar(garKeyJSON(map[string]any{"token_uri": "http://" + canary + ".example/"})),
		gar(garKeyJSON(map[string]any{"client_email": canary})),
		gar(garKeyJSON(map[string]any{"private_key_id": canary + "\n"})),
		gar(garKeyJSON(map[string]any{"type": canary})),
		gar(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"token_uri":"https://` + canary + `/"}`),
		AzureAcr{TenantID: fakeTenant, ClientID: fakeClient, ClientSecret: NewSecret(strings.Repeat(canary, 100))},
		AzureAcr{TenantID: fakeTenant, ClientID: fakeClient, ClientSecret: NewSecret(canary + "\r")},
		AzureAcr{TenantID: canary + "!", ClientID: canary, ClientSecret: NewSecret(canary)},
		AzureAcr{TenantID: fakeTenant, ClientID: canary, ClientSecret: NewSecret(canary)},
		HarborRobot{RobotName: "robot$ci", Secret: NewSecret(canary + "\x1b")},
		HarborRobot{RobotName: "robot$" + canary + " x", Secret: NewSecret(canary)},
		JfrogIdentityToken{Username: "ci", IdentityToken: NewSecret(canary + "\n")},
		JfrogIdentityToken{Username: canary + "\t", IdentityToken: NewSecret(canary)},
	}
}

// canaryDocuments are JSON inputs Parse refuses, with the canary in values.
func canaryDocuments() []string {
	return []string{
		`{"username":"u","password":"` + canary + `"`,
		`{"username":"u","password":"` + canary + `" x}`,
		`{"username":"u","password":"` + canary + `","password":"` + canary + `"}`,
		`{"username":"u","password":"` + canary + `"} ` + canary,
		`{"username":"u","password":` + canary + `}`,
		`{"username":"` + canary + `"}`,
		`{"username":"u","password":"` + canary + `\u0000"}`,
		`{"username":"u","password":"` + canary + `","pat":"` + canary + `"}`,
		`{"serviceAccountKey":{"type":"` + canary + `"}}`,
		`{"serviceAccountKey":{"type":"service_account","private_key":"` + canary,
		`{"serviceAccountKey":"` + canary + `"}`,
		`{"robotName":"robot$ci","secret":["` + canary + `"]}`,
		`{"tenantId":"` + canary + `","clientId":"` + canary + `","clientSecret":"` + canary + `"}`,
	}
}

func TestCanaryNeverPrinted(t *testing.T) {
	t.Parallel()
	pemLines := strings.Split(testRSA2048(), "\n")
	lc := newLeakChecker(t, pemLines[1], pemLines[len(pemLines)/2], `"private_key"`)
	for i, c := range canaryCredentials() {
		if err := c.Validate(); err != nil {
			t.Fatalf("canary credential %d (%s) is invalid: %v", i, c.Kind(), err)
		}
		name := fmt.Sprintf("%s#%d", c.Kind(), i)
		lc.printAll(name, c)
		lc.printAll(name+" pointer", &c)
		lc.printAll(name+" view", Describe(c))
		lc.printAll(name+" in slice", []Credential{c})
	}
	for i, c := range invalidCanaryCredentials() {
		name := fmt.Sprintf("invalid %s#%d", c.Kind(), i)
		err := c.Validate()
		if err == nil {
			t.Fatalf("%s: Validate accepted it", name)
		}
		lc.printAll(name+" error", err)
		view, descErr := DescribeValid(c)
		if descErr == nil {
			t.Fatalf("%s: DescribeValid accepted it", name)
		}
		lc.printAll(name+" describe error", descErr)
		lc.printAll(name+" view", view)
		if h, ok := c.(HarborRobot); ok {
			lc.printAll(name+" prefix error", h.ValidateWithPrefix("harbor@"))
		}
	}
	for i, doc := range canaryDocuments() {
		_, err := Parse([]byte(doc))
		if err == nil {
			t.Fatalf("document %d parsed", i)
		}
		lc.printAll(fmt.Sprintf("parse error %d", i), err)
	}
}
