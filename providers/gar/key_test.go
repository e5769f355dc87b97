package gar

import (
	"testing"

	"github.com/credvault/credvault/internal/fixtures"
)

func TestParseKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, uri string
		ok             bool
	}{
		{"fixture", fixtures.ServiceAccountKey("a@p.iam", "https://oauth2.googleapis.com/token", "k"), "https://oauth2.googleapis.com/token", true},
		{"default token_uri", `{"type":"service_account","client_email":"a@p.iam"}`, defaultTokenURI, true},
		{"authorized user", `{"type":"authorized_user","client_email":"a@p.iam"}`, "", false},
		{"external account", `{"type":"external_account","token_url":"https://169.254.169.254"}`, "", false},
		{"http token_uri", `{"type":"service_account","client_email":"a@p.iam","token_uri":"http://x/token"}`, "", false},
		{"query", `{"type":"service_account","client_email":"a@p.iam","token_uri":"https://x/token?a=b"}`, "", false},
		{"relative", `{"type":"service_account","client_email":"a@p.iam","token_uri":"/token"}`, "", false},
		{"not JSON", `not json`, "", false},
	}
	for _, tc := range tests {
		_, u, err := parseKey([]byte(tc.key))
		if (err == nil) != tc.ok || (tc.ok && u.String() != tc.uri) {
			t.Errorf("%s: %v %v", tc.name, u, err)
		}
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add(`{"type":"service_account","client_email":"a@p.iam","token_uri":"https://oauth2.googleapis.com/token"}`)
	f.Add(`{"type":"service_account","client_email":"a@p.iam","token_uri":"https://u@h/"}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, raw string) {
		_, u, err := parseKey([]byte(raw))
		if err == nil && (u.Scheme != "https" || u.User != nil || u.Host == "") {
			t.Fatalf("accepted token_uri %v", u)
		}
	})
}
