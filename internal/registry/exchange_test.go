package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
)

// TestRegisterExchangePanics: RegisterExchange follows Register.
func TestRegisterExchangePanics(t *testing.T) {
	const p = "TEST_REGISTER_EXCHANGE_PANICS"
	RegisterExchange(p, Login)
	for name, register := range map[string]func(){
		"duplicate":      func() { RegisterExchange(p, Login) },
		"empty provider": func() { RegisterExchange("", Login) },
		"nil exchange":   func() { RegisterExchange("TEST_NIL_EXCHANGE", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			register()
		})
	}
	if _, ok := LookupExchange(p); !ok {
		t.Fatal("the first exchange was lost")
	}
	if _, ok := LookupExchange("TEST_NIL_EXCHANGE"); ok {
		t.Fatal("a refused registration was kept")
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	pw := credentials.NewSecret("pw")
	g, r := Login(context.Background(), nil, Target{}, &credentials.HarborRobot{RobotName: "robot$ci", Secret: pw})
	if r != nil || g.Username != "robot$ci" || !g.Password.Equal(pw) || !g.Expires.IsZero() {
		t.Fatalf("%+v %+v", g, r)
	}
	for _, c := range []credentials.Credential{nil, credentials.AwsEcr{}} {
		if _, r := Login(context.Background(), nil, Target{}, c); r == nil || r.Status != StatusInvalidConfig {
			t.Errorf("%T: %+v, want StatusInvalidConfig", c, r)
		}
	}
}

// TestExchangeScrubs: a failed exchange's Result is scrubbed of the
// credential's secrets, as Run scrubs a check's, and a grant comes back
// with the round trips sent.
func TestExchangeScrubs(t *testing.T) {
	t.Parallel()
	const secret = "CANARY-exchange-secret"
	c := credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret(secret)}
	leaky := func(context.Context, *Session, Target, credentials.Credential) (Grant, *Result) {
		return Grant{}, &Result{Status: StatusAuthFailed, Message: "refused " + secret, ProviderCode: secret, Endpoint: "https://x/" + secret}
	}
	_, r, trips := Exchange(context.Background(), leaky, Target{}, c, Config{})
	if r == nil || trips != 0 || strings.Contains(r.Message+r.ProviderCode+r.Endpoint, secret) {
		t.Fatalf("%+v", r)
	}
	g, r, _ := Exchange(context.Background(), Login, Target{}, c, Config{})
	if r != nil || g.Username != "u" {
		t.Fatalf("%+v %+v", g, r)
	}
}
