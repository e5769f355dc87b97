package credentials

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"
)

func TestParseInfersKind(t *testing.T) {
	t.Parallel()
	keyJSON := garKeyJSON(nil)
	keyString, _ := json.Marshal(keyJSON)
	tests := []struct {
		name string
		in   string
		want Credential
	}{
		{"UsernamePassword", `{"username":"deploy-bot","password":"hunter2-not-real"}`,
			UsernamePassword{Username: "deploy-bot", Password: NewSecret("hunter2-not-real")}},
		{"UsernamePat", `{"pat":"dckr_pat_EXAMPLE","username":"deploy-bot"}`,
			UsernamePat{Username: "deploy-bot", Pat: NewSecret("dckr_pat_EXAMPLE")}},
		{"AwsEcr minimal", `{"accessKeyId":"` + fakeKeyID + `","secretAccessKey":"` + fakeSecretKey + `","region":"us-east-1"}`,
			AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1"}},
		{"AwsEcr full", `{"accessKeyId":"` + fakeTempKeyID + `","secretAccessKey":"` + fakeSecretKey +
			`","sessionToken":"` + fakeSessionToken + `","region":"eu-west-1","roleArn":"` + fakeRoleArn + `","externalId":"org-42"}`,
			AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: NewSecret(fakeSecretKey), SessionToken: NewSecret(fakeSessionToken),
				Region: "eu-west-1", RoleArn: fakeRoleArn, ExternalID: NewSecret("org-42")}},
		{"AwsEcr empty optional", `{"accessKeyId":"` + fakeKeyID + `","secretAccessKey":"` + fakeSecretKey + `","region":"cn-north-1","roleArn":""}`,
			AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "cn-north-1"}},
		{"GoogleGar string", `{"serviceAccountKey":` + string(keyString) + `}`,
			GoogleGar{ServiceAccountKey: NewSecret(keyJSON)}},
		{"GoogleGar object", `{"serviceAccountKey": ` + keyJSON + ` }`,
			GoogleGar{ServiceAccountKey: NewSecret(keyJSON)}},
		{"AzureAcr", `{"tenantId":"contoso.onmicrosoft.com","clientId":"` + fakeClient + `","clientSecret":"fake~secret"}`,
			AzureAcr{TenantID: "contoso.onmicrosoft.com", ClientID: fakeClient, ClientSecret: NewSecret("fake~secret")}},
		{"HarborRobot", `{"robotName":"robot$library+ci","secret":"FakeSecret123"}`,
			HarborRobot{RobotName: "robot$library+ci", Secret: NewSecret("FakeSecret123")}},
		{"JfrogIdentityToken", "\n{ \"username\" : \"ci\",\n \"identityToken\" : \"fake-token\" }\n",
			JfrogIdentityToken{Username: "ci", IdentityToken: NewSecret("fake-token")}},
		{"escapes decoded", `{"username":"d\u00e9ploy","password":"a\"b\\c"}`,
			UsernamePassword{Username: "déploy", Password: NewSecret(`a"b\c`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse = %#v, want %#v (secrets differ if both print the same)", got, tt.want)
			}
			if got.Kind() != tt.want.Kind() {
				t.Fatalf("Kind = %s, want %s", got.Kind(), tt.want.Kind())
			}
			again, err := ParseAs(tt.want.Kind(), []byte(tt.in))
			if err != nil || !reflect.DeepEqual(again, tt.want) {
				t.Fatalf("ParseAs = %#v, %v", again, err)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	up := `"username":"u","password":"p"`
	tests := []struct {
		name  string
		in    string
		want  error
		field string
	}{
		{"unknown field", `{` + up + `,"extra":"x"}`, ErrUnknownField, "extra"},
		{"unknown field case", `{"Username":"u","password":"p"}`, ErrUnknownField, "Username"},
		{"unknown field withheld", `{"bad\nname":"x"}`, ErrUnknownField, "withheld"},
		{"token pasted as a key", `{"ghp_EXAMPLE0000token":"x"}`, ErrUnknownField, "withheld"},
		{"duplicate key", `{"username":"u","username":"v","password":"p"}`, ErrMalformed, "username"},
		{"duplicate secret", `{"username":"u","password":"p","password":"p"}`, ErrMalformed, "password"},
		{"no kind", `{"username":"u"}`, ErrAmbiguous, ""},
		{"mixed kinds", `{` + up + `,"pat":"x"}`, ErrAmbiguous, ""},
		{"aws missing region", `{"accessKeyId":"` + fakeKeyID + `","secretAccessKey":"` + fakeSecretKey + `"}`, ErrAmbiguous, ""},
		{"empty object", `{}`, ErrAmbiguous, ""},
		{"number value", `{"username":"u","password":1}`, ErrMalformed, "password"},
		{"null value", `{"username":null,"password":"p"}`, ErrMalformed, "username"},
		{"bool value", `{"username":"u","password":true}`, ErrMalformed, "password"},
		{"object value", `{"username":{},"password":"p"}`, ErrMalformed, "username"},
		{"gar array", `{"serviceAccountKey":[]}`, ErrMalformed, "serviceAccountKey"},
		{"gar null", `{"serviceAccountKey":null}`, ErrMalformed, "serviceAccountKey"},
		{"null document", `null`, ErrMalformed, ""},
		{"array document", `[` + `{` + up + `}]`, ErrMalformed, ""},
		{"string document", `"x"`, ErrMalformed, ""},
		{"empty input", ``, ErrMalformed, ""},
		{"truncated", `{"username":"u","password":"p"`, ErrMalformed, ""},
		{"truncated value", `{"username":"u","password":"p`, ErrMalformed, ""},
		{"trailing object", `{` + up + `}{}`, ErrMalformed, ""},
		{"trailing garbage", `{` + up + `} x`, ErrMalformed, ""},
		{"trailing comma", `{` + up + `,}`, ErrMalformed, ""},
		{"invalid UTF-8", "{\"username\":\"u\xff\",\"password\":\"p\"}", ErrMalformed, ""},
		{"too large", `{"username":"u","password":"` + strings.Repeat("a", MaxInputSize) + `"}`, ErrTooLarge, ""},
		{"empty secret", `{"username":"u","password":""}`, ErrMissing, "password"},
		{"invalid value", `{"accessKeyId":"AKIA","secretAccessKey":"` + fakeSecretKey + `","region":"us-east-1"}`, ErrInvalid, "accessKeyId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tt.in))
			if c != nil {
				t.Fatalf("Parse returned a credential with error %v", err)
			}
			checkErr(t, err, tt.want, tt.field)
		})
	}
}

func TestParseAmbiguousListsCandidates(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte(`{"username":"u"}`))
	for _, k := range []Kind{KindUsernamePassword, KindUsernamePat, KindJfrogIdentityToken} {
		if !strings.Contains(err.Error(), string(k)) {
			t.Errorf("error %q does not list candidate %s", err, k)
		}
	}
	if strings.Contains(err.Error(), string(KindAwsEcr)) {
		t.Errorf("error %q lists an unrelated kind", err)
	}
}

func TestParseUnknownFieldNameWithheldWhenLong(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1000)
	_, err := Parse([]byte(`{"` + long + `":"v"}`))
	checkErr(t, err, ErrUnknownField, "withheld")
	if strings.Contains(err.Error(), "xxx") || len(err.Error()) > 200 {
		t.Fatalf("error repeats a %d-byte field name: %d bytes", len(long), len(err.Error()))
	}
}

func TestParseAs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		kind  Kind
		in    string
		want  error
		field string
	}{
		{"match", KindJfrogIdentityToken, `{"username":"ci","identityToken":"t"}`, nil, ""},
		{"other kind's field", KindUsernamePassword, `{"username":"ci","identityToken":"t"}`, ErrUnknownField, "identityToken"},
		{"unknown field", KindUsernamePassword, `{"username":"ci","password":"p","x":"y"}`, ErrUnknownField, "x"},
		{"missing field", KindUsernamePassword, `{"username":"ci"}`, ErrMissing, "password"},
		{"unknown kind", Kind("Kerberos"), `{"username":"ci","password":"p"}`, ErrUnknownKind, ""},
		{"malformed", KindUsernamePassword, `{"username":"ci","password":"p"`, ErrMalformed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseAs(tt.kind, []byte(tt.in))
			checkErr(t, err, tt.want, tt.field)
			if tt.want == nil && c.Kind() != tt.kind {
				t.Fatalf("kind = %s, want %s", c.Kind(), tt.kind)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range validCredentials() {
		b, err := json.Marshal(revealedFields(c))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"serviceAccountKey":` + garKeyJSON(nil) + `}`))
	for _, s := range []string{`{}`, `null`, `{"username":"u","username":"u","password":"p"}`,
		`{"username":"u","password":1}`, `{"a":"b"}`, `{"username":"u","password":"p"} {}`, "{\"username\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var fe *FieldError
			if c != nil || !errors.As(err, &fe) {
				t.Fatalf("Parse error %v (credential %v) is not a clean *FieldError", err, c)
			}
			return
		}
		doc, err := json.Marshal(revealedFields(c))
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(doc)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("round trip: %#v, %v", back, err)
		}
	})
}

// revealedFields is the API JSON of c, secrets included (test only).
func revealedFields(c Credential) map[string]string {
	var m map[string]string
	switch v := c.(type) {
	case UsernamePassword:
		m = map[string]string{fUsername: v.Username, fPassword: v.Password.Reveal()}
	case UsernamePat:
		m = map[string]string{fUsername: v.Username, fPat: v.Pat.Reveal()}
	case AwsEcr:
		m = map[string]string{fAccessKeyID: v.AccessKeyID, fSecretAccessKey: v.SecretAccessKey.Reveal(), fRegion: v.Region,
			fSessionToken: v.SessionToken.Reveal(), fRoleArn: v.RoleArn, fExternalID: v.ExternalID.Reveal()}
	case GoogleGar:
		m = map[string]string{fServiceAccountKey: v.ServiceAccountKey.Reveal()}
	case AzureAcr:
		m = map[string]string{fTenantID: v.TenantID, fClientID: v.ClientID, fClientSecret: v.ClientSecret.Reveal()}
	case HarborRobot:
		m = map[string]string{fRobotName: v.RobotName, fSecret: v.Secret.Reveal()}
	case JfrogIdentityToken:
		m = map[string]string{fUsername: v.Username, fIdentityToken: v.IdentityToken.Reveal()}
	}
	maps.DeleteFunc(m, func(_, v string) bool { return v == "" })
	return m
}
