package credentials

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// canary is planted in secret fields; it must never be printed. It uses
// only letters and digits so it fits every secret's charset.
const canary = "Zq9CnryXk7Wv"

var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-q", "%T", "%p"}

// leakChecker collects everything printed and fails on any form of the
// canary (or of extra forbidden strings).
type leakChecker struct {
	t         *testing.T
	forbidden []string
}

func newLeakChecker(t *testing.T, extra ...string) *leakChecker {
	h := hex.EncodeToString([]byte(canary))
	return &leakChecker{t: t, forbidden: append([]string{canary, h, strings.ToUpper(h)}, extra...)}
}

func (lc *leakChecker) check(what, out string) {
	lc.t.Helper()
	for _, f := range lc.forbidden {
		if strings.Contains(out, f) {
			lc.t.Errorf("%s leaked a secret: %.300s", what, out)
		}
	}
}

// printAll renders v every way a program might: fmt verbs, JSON, and slog's
// text and JSON handlers.
func (lc *leakChecker) printAll(name string, v any) {
	lc.t.Helper()
	for _, verb := range printVerbs {
		lc.check(name+" "+verb, fmt.Sprintf(verb, v))
	}
	lc.check(name+" Sprint", fmt.Sprint(v)+fmt.Sprintln(v))
	if b, err := json.Marshal(v); err == nil {
		lc.check(name+" json", string(b))
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		logger := slog.New(h)
		logger.Info("value", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
		if err, ok := v.(error); ok {
			logger.Error("failed", "err", err)
		}
	}
	lc.check(name+" slog", buf.String())
}

// canaryCredentials are valid credentials with the canary in every secret
// field (for GoogleGar, in private_key_id; the whole key is checked too).
func canaryCredentials() []Credential {
	secretKey := canary + strings.Repeat("A", awsSecretKeyLen-len(canary))
	return []Credential{
		UsernamePassword{Username: "deploy-bot", Password: NewSecret("pw-" + canary)},
		UsernamePat{Username: "deploy-bot", Pat: NewSecret("ghp_" + canary)},
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(secretKey), Region: "us-east-1"},
		AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: NewSecret(secretKey), SessionToken: NewSecret("FwoG" + canary + "=="),
			Region: "us-east-1", RoleArn: fakeRoleArn, ExternalID: "org-42"},
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
		AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1", RoleArn: fakeRoleArn, ExternalID: canary + " !"},
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
		enc, err := Encode(c)
		if err != nil {
			t.Fatalf("%s: Encode: %v", name, err)
		}
		for _, bad := range [][]byte{enc[:len(enc)-1], append(enc[:len(enc):len(enc)], 'x'), append([]byte{9}, enc[1:]...)} {
			_, err := Decode(bad)
			if err == nil {
				t.Fatalf("%s: Decode accepted a damaged encoding", name)
			}
			lc.printAll(name+" decode error", err)
		}
	}
	for i, c := range invalidCanaryCredentials() {
		name := fmt.Sprintf("invalid %s#%d", c.Kind(), i)
		err := c.Validate()
		if err == nil {
			t.Fatalf("%s: Validate accepted it", name)
		}
		lc.printAll(name+" error", err)
		_, encErr := Encode(c)
		if encErr == nil {
			t.Fatalf("%s: Encode accepted it", name)
		}
		lc.printAll(name+" encode error", encErr)
		lc.printAll(name+" view", Describe(c))
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

func TestSecretRedactedEverywhere(t *testing.T) {
	t.Parallel()
	lc := newLeakChecker(t)
	s := NewSecret(canary)
	for _, v := range []any{s, &s, []Secret{s, s}, map[string]Secret{"k": s}, struct{ S Secret }{s}, struct{ P *Secret }{&s},
		struct{ s Secret }{s}, struct{ c UsernamePassword }{UsernamePassword{Username: "u", Password: s}}} {
		lc.printAll(fmt.Sprintf("%T", v), v)
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%x", "%X", "%d", "%10s", "%-10v", "%08x"} {
		if got := fmt.Sprintf(verb, s); got != Redacted {
			t.Errorf("Sprintf(%q) = %q, want %q", verb, got, Redacted)
		}
	}
	want := map[string]string{"%q": `"[REDACTED]"`, "%-q": `"[REDACTED]"`, "%#v": `credentials.Secret("[REDACTED]")`}
	for verb, w := range want {
		if got := fmt.Sprintf(verb, s); got != w {
			t.Errorf("Sprintf(%q) = %q, want %q", verb, got, w)
		}
	}
	if s.Reveal() != canary || s.Len() != len(canary) || s.IsZero() {
		t.Fatal("Reveal, Len or IsZero lost the value")
	}
	if !s.Equal(NewSecret(canary)) || s.Equal(NewSecret(canary+"x")) || !NewSecret("").Equal(Secret{}) {
		t.Fatal("Equal compares wrongly")
	}
	if NewSecret("") != (Secret{}) || !(Secret{}).IsZero() || (Secret{}).Reveal() != "" {
		t.Fatal("the empty secret is not the zero Secret")
	}
}

// TestGoStringInStruct checks that %#v of a credential goes through
// Secret's GoString (via Format) rather than dumping the unexported field.
func TestGoStringInStruct(t *testing.T) {
	t.Parallel()
	got := fmt.Sprintf("%#v", UsernamePassword{Username: "u", Password: NewSecret(canary)})
	want := `credentials.UsernamePassword{Username:"u", Password:credentials.Secret("[REDACTED]")}`
	if got != want {
		t.Fatalf("%%#v = %s, want %s", got, want)
	}
}
