package credentials

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	var nilPtr *AzureAcr
	tests := []struct {
		name string
		c    Credential
		want View
	}{
		{"UsernamePassword", UsernamePassword{Username: "deploy-bot", Password: NewSecret("pw")},
			View{Kind: KindUsernamePassword, Username: "deploy-bot"}},
		{"UsernamePat", UsernamePat{Username: "deploy-bot", Pat: NewSecret("dckr_pat_EXAMPLE")},
			View{Kind: KindUsernamePat, Username: "deploy-bot", TokenType: TokenTypeDockerHub}},
		{"AwsEcr", AwsEcr{AccessKeyID: fakeTempKeyID, SecretAccessKey: NewSecret(fakeSecretKey), SessionToken: NewSecret(fakeSessionToken),
			Region: "us-east-1", RoleArn: fakeRoleArn, ExternalID: NewSecret("org-42")},
			View{Kind: KindAwsEcr, AccessKeyID: fakeTempKeyID, Region: "us-east-1", RoleArn: fakeRoleArn}},
		{"GoogleGar", GoogleGar{ServiceAccountKey: NewSecret(garKeyJSON(nil))},
			View{Kind: KindGoogleGar, ClientEmail: fakeEmail, ProjectID: "example-project"}},
		{"GoogleGar invalid", GoogleGar{ServiceAccountKey: NewSecret(garKeyJSON(map[string]any{"private_key": "x"}))},
			View{Kind: KindGoogleGar}},
		{"AzureAcr", AzureAcr{TenantID: fakeTenant, ClientID: fakeClient, ClientSecret: NewSecret("s")},
			View{Kind: KindAzureAcr, TenantID: fakeTenant, ClientID: fakeClient}},
		{"AzureAcr pointer", &AzureAcr{TenantID: fakeTenant, ClientID: fakeClient, ClientSecret: NewSecret("s")},
			View{Kind: KindAzureAcr, TenantID: fakeTenant, ClientID: fakeClient}},
		{"HarborRobot", HarborRobot{RobotName: "robot$ci", Secret: NewSecret("s")},
			View{Kind: KindHarborRobot, RobotName: "robot$ci"}},
		{"JfrogIdentityToken", JfrogIdentityToken{Username: "ci", IdentityToken: NewSecret("t")},
			View{Kind: KindJfrogIdentityToken, Username: "ci"}},
		{"UsernamePassword invalid", UsernamePassword{Username: "pasted\nsecret", Password: NewSecret("pw")},
			View{Kind: KindUsernamePassword}},
		{"AwsEcr invalid", AwsEcr{AccessKeyID: fakeKeyID, Region: "us-east-1"}, View{Kind: KindAwsEcr}},
		{"nil", nil, View{}},
		{"nil pointer", nilPtr, View{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Describe(tt.c); got != tt.want {
				t.Fatalf("Describe = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestViewJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Describe(UsernamePat{Username: "deploy-bot", Pat: NewSecret("ghp_EXAMPLE")}))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"kind":"UsernamePat","username":"deploy-bot","tokenType":"github-classic-pat"}`
	if string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
}

// foreign embeds a kind, so it satisfies Credential without being one.
type foreign struct{ UsernamePassword }

func TestDescribeValid(t *testing.T) {
	t.Parallel()
	var nilPtr *HarborRobot
	good := UsernamePat{Username: "deploy-bot", Pat: NewSecret("ghp_EXAMPLE")}
	tests := []struct {
		name  string
		c     Credential
		view  View
		want  error
		field string
	}{
		{"valid", good, Describe(good), nil, ""},
		{"valid pointer", &good, Describe(good), nil, ""},
		{"invalid", UsernamePat{Username: "a:b", Pat: NewSecret("p")}, View{Kind: KindUsernamePat}, ErrInvalid, "username"},
		{"nil", nil, View{}, ErrUnknownKind, ""},
		{"nil pointer", nilPtr, View{}, ErrUnknownKind, ""},
		{"foreign type", foreign{UsernamePassword{Username: "u", Password: NewSecret("p")}}, View{}, ErrUnknownKind, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			view, err := DescribeValid(tt.c)
			checkErr(t, err, tt.want, tt.field)
			if view != tt.view || view != Describe(tt.c) {
				t.Fatalf("view = %+v, want %+v (Describe %+v)", view, tt.view, Describe(tt.c))
			}
		})
	}
}

// TestViewLeavesOutExternalID checks that the view and the Secret type
// agree: a confidential externalId shows nowhere.
func TestViewLeavesOutExternalID(t *testing.T) {
	t.Parallel()
	c := AwsEcr{AccessKeyID: fakeKeyID, SecretAccessKey: NewSecret(fakeSecretKey), Region: "us-east-1",
		RoleArn: fakeRoleArn, ExternalID: NewSecret("tenant-" + canary)}
	b, err := json.Marshal(struct {
		C AwsEcr
		V View
	}{c, Describe(c)})
	if err != nil || strings.Contains(string(b), canary) || !strings.Contains(string(b), `"externalId":"[REDACTED]"`) {
		t.Fatalf("json = %s, %v", b, err)
	}
}
