package credentials

import (
	"strings"
	"testing"
)

type validateCase struct {
	name  string
	c     Credential
	want  error
	field string
}

func runValidate(t *testing.T, tests []validateCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkErr(t, tt.c.Validate(), tt.want, tt.field)
		})
	}
}

func TestValidateAllValid(t *testing.T) {
	t.Parallel()
	for _, c := range validCredentials() {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Kind(), err)
		}
	}
}

func TestValidateBasicUsers(t *testing.T) {
	t.Parallel()
	up := func(u, p string) Credential { return UsernamePassword{Username: u, Password: NewSecret(p)} }
	pat := func(u, p string) Credential { return UsernamePat{Username: u, Pat: NewSecret(p)} }
	jf := func(u, p string) Credential { return JfrogIdentityToken{Username: u, IdentityToken: NewSecret(p)} }
	runValidate(t, []validateCase{
		{"ok", up("deploy-bot", "pw"), nil, ""},
		{"ok email user", up("ci@example.com", "pw with spaces"), nil, ""},
		{"ok unicode user", up("déploy", "pässwörd"), nil, ""},
		{"ok max username", up(strings.Repeat("u", MaxUsernameLen), "pw"), nil, ""},
		{"ok max secret", up("u", strings.Repeat("p", MaxSecretLen)), nil, ""},
		{"empty username", up("", "pw"), ErrMissing, "username"},
		{"long username", up(strings.Repeat("u", MaxUsernameLen+1), "pw"), ErrTooLarge, "username"},
		{"colon username", up("deploy:bot", "pw"), ErrInvalid, "username"},
		{"control username", up("deploy\x00bot", "pw"), ErrInvalid, "username"},
		{"newline username", up("deploy\nbot", "pw"), ErrInvalid, "username"},
		{"bidi override username", up("deploy\u202ebot", "pw"), ErrInvalid, "username"},
		{"padded username", up(" deploy-bot", "pw"), ErrInvalid, "username"},
		{"bad UTF-8 username", up("deploy\xffbot", "pw"), ErrInvalid, "username"},
		{"empty password", up("u", ""), ErrMissing, "password"},
		{"long password", up("u", strings.Repeat("p", MaxSecretLen+1)), ErrTooLarge, "password"},
		{"CRLF password", up("u", "pw\r\nX-Injected: 1"), ErrInvalid, "password"},
		{"bad UTF-8 password", up("u", "pw\xc3"), ErrInvalid, "password"},
		{"pat ok", pat("deploy-bot", "glpat-EXAMPLE0000000000"), nil, ""},
		{"pat any prefix", pat("deploy-bot", "some-registry-token"), nil, ""},
		{"pat empty", pat("deploy-bot", ""), ErrMissing, "pat"},
		{"pat tab", pat("deploy-bot", "ghp_a\tb"), ErrInvalid, "pat"},
		{"pat empty user", pat("", "ghp_x"), ErrMissing, "username"},
		{"jfrog ok", jf("ci", "cmVmdGtuOjAx"), nil, ""},
		{"jfrog empty token", jf("ci", ""), ErrMissing, "identityToken"},
		{"jfrog long token", jf("ci", strings.Repeat("t", MaxSecretLen+1)), ErrTooLarge, "identityToken"},
		{"jfrog colon user", jf("c:i", "t"), ErrInvalid, "username"},
	})
}

func TestValidateAwsEcr(t *testing.T) {
	t.Parallel()
	base := AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1"}
	with := func(f func(*AwsEcr)) Credential { c := base; f(&c); return c }
	temp := func(f func(*AwsEcr)) Credential {
		return with(func(c *AwsEcr) {
			c.AccessKeyID, c.SessionToken = fakeTempKeyID, NewSecret(fakeSessionToken)
			f(c)
		})
	}
	runValidate(t, []validateCase{
		{"long-term key", base, nil, ""},
		{"temporary key", temp(func(*AwsEcr) {}), nil, ""},
		{"role and external id", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, "Org-42:x/y@z" }), nil, ""},
		{"role with path", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::123456789012:role/service-role/ci/Pull+er" }), nil, ""},
		{"china", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "cn-north-1", "arn:aws-cn:iam::123456789012:role/puller"
		}), nil, ""},
		{"govcloud", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-gov-west-1", "arn:aws-us-gov:iam::123456789012:role/puller"
		}), nil, ""},
		{"iso-b", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-isob-east-1", "arn:aws-iso-b:iam::123456789012:role/puller"
		}), nil, ""},
		{"ap-southeast-5", with(func(c *AwsEcr) { c.Region = "ap-southeast-5" }), nil, ""},
		{"eusc", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "eusc-de-east-1", "arn:aws-eusc:iam::123456789012:role/puller"
		}), nil, ""},
		{"iso", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-iso-east-1", "arn:aws-iso:iam::123456789012:role/puller"
		}), nil, ""},
		{"gov partition mismatch", with(func(c *AwsEcr) {
			c.Region, c.RoleArn = "us-gov-west-1", fakeRoleArn
		}), ErrInvalid, "roleArn"},
		{"empty key id", with(func(c *AwsEcr) { c.AccessKeyID = "" }), ErrMissing, "accessKeyId"},
		{"user id not key", with(func(c *AwsEcr) { c.AccessKeyID = "AIDAIOSFODNN7EXAMPLE" }), ErrInvalid, "accessKeyId"},
		{"lowercase key id", with(func(c *AwsEcr) { c.AccessKeyID = "akiaiosfodnn7example" }), ErrInvalid, "accessKeyId"},
		{"short key id", with(func(c *AwsEcr) { c.AccessKeyID = "AKIAIOSFODNN7EXAMPL" }), ErrInvalid, "accessKeyId"},
		{"non-base32 key id", with(func(c *AwsEcr) { c.AccessKeyID = "AKIA0000000000000000" }), ErrInvalid, "accessKeyId"},
		{"long key id", with(func(c *AwsEcr) { c.AccessKeyID = fakeKeyID + "A" }), ErrTooLarge, "accessKeyId"},
		{"empty secret", with(func(c *AwsEcr) { c.SecretAccessKey = Secret{} }), ErrMissing, "secretAccessKey"},
		{"short secret", with(func(c *AwsEcr) { c.SecretAccessKey = NewSecret(fakeSecretKey[1:]) }), ErrInvalid, "secretAccessKey"},
		{"secret bad char", with(func(c *AwsEcr) { c.SecretAccessKey = NewSecret("wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY") }), ErrInvalid, "secretAccessKey"},
		{"temporary without token", with(func(c *AwsEcr) { c.AccessKeyID = fakeTempKeyID }), ErrMissing, "sessionToken"},
		{"long-term with token", with(func(c *AwsEcr) { c.SessionToken = NewSecret(fakeSessionToken) }), ErrInvalid, "sessionToken"},
		{"token not base64", temp(func(c *AwsEcr) { c.SessionToken = NewSecret("not base64!") }), ErrInvalid, "sessionToken"},
		{"token too long", temp(func(c *AwsEcr) { c.SessionToken = NewSecret(strings.Repeat("A", MaxSessionTokenLen+1)) }), ErrTooLarge, "sessionToken"},
		{"empty region", with(func(c *AwsEcr) { c.Region = "" }), ErrMissing, "region"},
		{"upper region", with(func(c *AwsEcr) { c.Region = "US-EAST-1" }), ErrInvalid, "region"},
		{"region no number", with(func(c *AwsEcr) { c.Region = "us-east" }), ErrInvalid, "region"},
		{"region as host", with(func(c *AwsEcr) { c.Region = "us-east-1.amazonaws.com" }), ErrInvalid, "region"},
		{"region newline", with(func(c *AwsEcr) { c.Region = "us-east-1\n" }), ErrInvalid, "region"},
		{"role short account", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::12345:role/x" }), ErrInvalid, "roleArn"},
		{"user arn", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::123456789012:user/bob" }), ErrInvalid, "roleArn"},
		{"role name too long", with(func(c *AwsEcr) { c.RoleArn = "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65) }), ErrInvalid, "roleArn"},
		{"partition mismatch", with(func(c *AwsEcr) { c.RoleArn = "arn:aws-cn:iam::123456789012:role/x" }), ErrInvalid, "roleArn"},
		{"external id short", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, "x" }), ErrInvalid, "externalId"},
		{"external id long", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, strings.Repeat("x", 1225) }), ErrInvalid, "externalId"},
		{"external id space", with(func(c *AwsEcr) { c.RoleArn, c.ExternalID = fakeRoleArn, "org 42" }), ErrInvalid, "externalId"},
		{"external id without role", with(func(c *AwsEcr) { c.ExternalID = "org-42" }), ErrInvalid, "externalId"},
	})
}

func TestValidateGoogleGar(t *testing.T) {
	t.Parallel()
	gar := func(overrides map[string]any) Credential {
		return GoogleGar{ServiceAccountKey: NewSecret(garKeyJSON(overrides))}
	}
	raw := func(s string) Credential { return GoogleGar{ServiceAccountKey: NewSecret(s)} }
	pemKey := testRSA2048()
	pemBody := strings.TrimSuffix(strings.TrimPrefix(pemKey, "-----BEGIN PRIVATE KEY-----\n"), "-----END PRIVATE KEY-----\n")
	runValidate(t, []validateCase{
		{"ok", gar(nil), nil, ""},
		{"ok any email", gar(map[string]any{"client_email": "robot@example.com"}), nil, ""},
		{"ok without optional ids", gar(map[string]any{"project_id": nil, "client_id": nil, "private_key_id": nil}), nil, ""},
		{"ok extra fields", gar(map[string]any{"universe_domain": "googleapis.com", "nested": map[string]any{"a": 1}}), nil, ""},
		{"ok pretty printed", raw("{\n  \"type\": \"service_account\",\n  \"private_key\": " + jsonString(pemKey) +
			",\n  \"client_email\": \"" + fakeEmail + "\",\n  \"token_uri\": \"" + fakeTokenURI + "\"\n}\n"), nil, ""},
		{"empty", raw(""), ErrMissing, "serviceAccountKey"},
		{"too large", raw(strings.Repeat(" ", MaxServiceAccountKeyLen+1)), ErrTooLarge, "serviceAccountKey"},
		{"not JSON", raw("not json"), ErrMalformed, "serviceAccountKey"},
		{"array", raw(`[{"type":"service_account"}]`), ErrMalformed, "serviceAccountKey"},
		{"trailing data", raw(garKeyJSON(nil) + "{}"), ErrMalformed, "serviceAccountKey"},
		{"bad UTF-8", raw("{\"type\":\"\xff\"}"), ErrInvalid, "serviceAccountKey"},
		{"user credentials", gar(map[string]any{"type": "authorized_user"}), ErrInvalid, "serviceAccountKey.type"},
		{"type not string", gar(map[string]any{"type": 1}), ErrMalformed, "serviceAccountKey.type"},
		{"missing type", gar(map[string]any{"type": nil}), ErrInvalid, "serviceAccountKey.type"},
		{"missing email", gar(map[string]any{"client_email": nil}), ErrMissing, "serviceAccountKey.client_email"},
		{"bad email", gar(map[string]any{"client_email": "puller"}), ErrInvalid, "serviceAccountKey.client_email"},
		{"email two ats", gar(map[string]any{"client_email": "a@b@example.com"}), ErrInvalid, "serviceAccountKey.client_email"},
		{"project id newline", gar(map[string]any{"project_id": "p\n"}), ErrInvalid, "serviceAccountKey.project_id"},
		{"missing private key", gar(map[string]any{"private_key": nil}), ErrMissing, "serviceAccountKey.private_key"},
		{"private key not PEM", gar(map[string]any{"private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"}), ErrInvalid, "serviceAccountKey.private_key"},
		{"junk before PEM", gar(map[string]any{"private_key": "junk\n" + pemKey}), ErrInvalid, "serviceAccountKey.private_key"},
		{"data after PEM", gar(map[string]any{"private_key": pemKey + "junk"}), ErrInvalid, "serviceAccountKey.private_key"},
		{"PKCS1 block", gar(map[string]any{"private_key": "-----BEGIN RSA PRIVATE KEY-----\n" + pemBody + "-----END RSA PRIVATE KEY-----\n"}),
			ErrInvalid, "serviceAccountKey.private_key"},
		{"garbage DER", gar(map[string]any{"private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}),
			ErrInvalid, "serviceAccountKey.private_key"},
		{"corrupted body", gar(map[string]any{"private_key": strings.Replace(pemKey, "A", "B", 40)}),
			ErrInvalid, "serviceAccountKey.private_key"},
		{"EC key", gar(map[string]any{"private_key": testECKey()}), ErrInvalid, "serviceAccountKey.private_key"},
		{"RSA 1024", gar(map[string]any{"private_key": testRSA1024()}), ErrInvalid, "serviceAccountKey.private_key"},
		{"missing token_uri", gar(map[string]any{"token_uri": nil}), ErrMissing, "serviceAccountKey.token_uri"},
		{"http token_uri", gar(map[string]any{"token_uri": "http://oauth2.googleapis.com/token"}), ErrInvalid, "serviceAccountKey.token_uri"},
		{"relative token_uri", gar(map[string]any{"token_uri": "/token"}), ErrInvalid, "serviceAccountKey.token_uri"},
		{"userinfo token_uri", gar(map[string]any{"token_uri": "https://u:p@oauth2.googleapis.com/token"}), ErrInvalid, "serviceAccountKey.token_uri"},
		{"duplicate token_uri", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"token_uri":"https://evil.example/"}`),
			ErrMalformed, "serviceAccountKey.token_uri"},
		{"case-folded duplicate", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"TOKEN_URI":"http://169.254.169.254/"}`),
			ErrMalformed, "serviceAccountKey"},
		{"Kelvin-sign duplicate", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"private_\u212aey":"x"}`),
			ErrMalformed, "serviceAccountKey"},
		{"OAuth client file", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"installed":{"redirect_uris":["x"]}}`),
			ErrInvalid, "serviceAccountKey.installed"},
		{"OAuth web client, other case", raw(strings.TrimSuffix(garKeyJSON(nil), "}") + `,"Web":{"redirect_uris":["x"]}}`),
			ErrInvalid, "serviceAccountKey.Web"},
	})
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func TestValidateAzureAcr(t *testing.T) {
	t.Parallel()
	az := func(tenant, client, secret string) Credential {
		return AzureAcr{TenantID: tenant, ClientID: client, ClientSecret: NewSecret(secret)}
	}
	runValidate(t, []validateCase{
		{"guid tenant", az(fakeTenant, fakeClient, "s"), nil, ""},
		{"upper guid", az(strings.ToUpper(fakeTenant), strings.ToUpper(fakeClient), "s"), nil, ""},
		{"onmicrosoft domain", az("contoso.onmicrosoft.com", fakeClient, "s"), nil, ""},
		{"custom domain", az("contoso.com", fakeClient, "s"), nil, ""},
		{"max secret", az(fakeTenant, fakeClient, strings.Repeat("s", MaxClientSecretLen)), nil, ""},
		{"empty tenant", az("", fakeClient, "s"), ErrMissing, "tenantId"},
		{"common tenant", az("common", fakeClient, "s"), ErrInvalid, "tenantId"},
		{"nil guid tenant", az(nilGUID, fakeClient, "s"), ErrInvalid, "tenantId"},
		{"url tenant", az("https://login.microsoftonline.com/contoso.com", fakeClient, "s"), ErrInvalid, "tenantId"},
		{"bad label", az("-contoso.com", fakeClient, "s"), ErrInvalid, "tenantId"},
		{"braced guid client", az(fakeTenant, "{"+fakeClient+"}", "s"), ErrTooLarge, "clientId"},
		{"short guid client", az(fakeTenant, fakeClient[1:], "s"), ErrInvalid, "clientId"},
		{"domain client", az(fakeTenant, "contoso.com", "s"), ErrInvalid, "clientId"},
		{"nil guid client", az(fakeTenant, nilGUID, "s"), ErrInvalid, "clientId"},
		{"empty secret", az(fakeTenant, fakeClient, ""), ErrMissing, "clientSecret"},
		{"long secret", az(fakeTenant, fakeClient, strings.Repeat("s", MaxClientSecretLen+1)), ErrTooLarge, "clientSecret"},
		{"newline secret", az(fakeTenant, fakeClient, "s\n"), ErrInvalid, "clientSecret"},
	})
}

func TestValidateHarborRobot(t *testing.T) {
	t.Parallel()
	robot := func(name string) Credential { return HarborRobot{RobotName: name, Secret: NewSecret("FakeSecret1")} }
	runValidate(t, []validateCase{
		{"system robot", robot("robot$pusher"), nil, ""},
		{"project robot", robot("robot$library+ci-pusher.v2"), nil, ""},
		{"legacy upper case", robot("robot$Library+CI"), nil, ""},
		{"custom prefix accepted", robot("harbor@library+ci"), nil, ""},
		{"empty", robot(""), ErrMissing, "robotName"},
		{"prefix only", robot("robot$"), ErrInvalid, "robotName"},
		{"empty name", robot("robot$library+"), ErrInvalid, "robotName"},
		{"empty project", robot("robot$+ci"), ErrInvalid, "robotName"},
		{"double plus", robot("robot$a+b+c"), ErrInvalid, "robotName"},
		{"double dot", robot("robot$ci..pusher"), ErrInvalid, "robotName"},
		{"space", robot("robot$ci pusher"), ErrInvalid, "robotName"},
		{"custom with space", robot("harbor@ci pusher"), ErrInvalid, "robotName"},
		{"too long", robot("robot$" + strings.Repeat("a", MaxUsernameLen)), ErrTooLarge, "robotName"},
		{"empty secret", HarborRobot{RobotName: "robot$ci"}, ErrMissing, "secret"},
		{"empty secret custom prefix", HarborRobot{RobotName: "bot-ci"}, ErrMissing, "secret"},
		{"control secret", HarborRobot{RobotName: "robot$ci", Secret: NewSecret("a\x7fb")}, ErrInvalid, "secret"},
	})
}

func TestHarborRobotValidateWithPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, robot, prefix string
		want                error
		field               string
	}{
		{"default", "robot$library+ci", DefaultRobotPrefix, nil, ""},
		{"custom", "harbor@library+ci", "harbor@", nil, ""},
		{"custom system", "harbor@ci", "harbor@", nil, ""},
		{"wrong prefix", "harbor@library+ci", DefaultRobotPrefix, ErrInvalid, "robotName"},
		{"custom bad suffix", "harbor@lib rary", "harbor@", ErrInvalid, "robotName"},
		{"custom bad project", "harbor@-lib+ci", "harbor@", ErrInvalid, "robotName"},
		{"empty prefix", "robot$ci", "", ErrMissing, "robotPrefix"},
		{"plus in prefix", "a+robot$ci", "a+", ErrInvalid, "robotPrefix"},
		{"space in prefix", "a robot$ci", "a ", ErrInvalid, "robotPrefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := HarborRobot{RobotName: tt.robot, Secret: NewSecret("FakeSecret1")}
			checkErr(t, h.ValidateWithPrefix(tt.prefix), tt.want, tt.field)
		})
	}
}

func TestTokenType(t *testing.T) {
	t.Parallel()
	tests := []struct{ token, want string }{
		{"ghp_EXAMPLE0000000000000000000000000000", TokenTypeGitHubClassic},
		{"github_pat_11EXAMPLE_000000", TokenTypeGitHubFineGrained},
		{"dckr_pat_EXAMPLE-0000", TokenTypeDockerHub},
		{"glpat-EXAMPLE00000000000", TokenTypeGitLabPAT},
		{"gldt-EXAMPLE00000000000", TokenTypeGitLabDeploy},
		{"GHP_EXAMPLE", ""},
		{"ghs_EXAMPLE", ""},
		{"some-token", ""},
		{"", ""},
	}
	for _, tt := range tests {
		p := UsernamePat{Username: "u", Pat: NewSecret(tt.token)}
		if got := p.TokenType(); got != tt.want {
			t.Errorf("TokenType(%q) = %q, want %q", tt.token, got, tt.want)
		}
		if tt.token != "" && len(tt.token) > 6 && strings.Contains(p.TokenType(), tt.token[len(tt.token)-6:]) {
			t.Errorf("TokenType reveals part of the token")
		}
	}
}

func TestFoldKeyMatchesEqualFold(t *testing.T) {
	t.Parallel()
	pairs := [][2]string{{"token_uri", "TOKEN_URI"}, {"private_key", "private_\u212aey"}, {"s", "\u017f"}, {"a", "b"}, {"ǅ", "ǆ"}}
	for _, p := range pairs {
		if got, want := foldKey(p[0]) == foldKey(p[1]), strings.EqualFold(p[0], p[1]); got != want {
			t.Errorf("foldKey(%q)==foldKey(%q) is %v, EqualFold says %v", p[0], p[1], got, want)
		}
	}
}
