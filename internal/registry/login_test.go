package registry

import (
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
)

func TestTokenField(t *testing.T) {
	for _, tc := range []struct {
		body   string
		fields []string
		want   string
		ok     bool
	}{
		{`{"token":"t","access_token":"a"}`, []string{"token", "access_token"}, "t", true},
		{`{"access_token":"a"}`, []string{"token", "access_token"}, "a", true},
		{`{"refresh_token":"r"}`, []string{"refresh_token"}, "r", true},
		{`{"token":"a\r\nb"}`, []string{"token"}, "", false},
		{`{"token":1}`, []string{"token"}, "", false},
		{`[]`, []string{"token"}, "", false},
	} {
		got, ok := TokenField([]byte(tc.body), tc.fields...)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("TokenField(%s, %v) = %q, %v", tc.body, tc.fields, got, ok)
		}
	}
}

// FuzzTokenField: a token that could split a header is never returned.
func FuzzTokenField(f *testing.F) {
	for _, s := range []string{`{"token":"t"}`, `{"access_token":"t"}`, `{"token":"a\nb"}`, `{"refresh_token":1}`, `[]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		tok, ok := TokenField([]byte(body), "token", "access_token", "refresh_token")
		if ok && (tok == "" || strings.ContainsAny(tok, "\r\n")) {
			t.Fatalf("accepted %q", tok)
		}
	})
}

func TestBasicHeader(t *testing.T) {
	l := &BasicAuth{Username: "u", Password: credentials.NewSecret("p")}
	if got := l.Header().Get("Authorization"); got != "Basic dTpw" {
		t.Fatalf("Basic header %q", got)
	}
	if got := Bearer("tok").Get("Authorization"); got != "Bearer tok" {
		t.Fatalf("Bearer header %q", got)
	}
}
