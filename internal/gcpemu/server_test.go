package gcpemu

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/credvault/credvault/internal/fixtures"
)

// TestScopeIsChecked: Google's token endpoint refuses a scope it
// does not know (400 invalid_scope), and Artifact Registry refuses an
// access token that lacks cloud-platform (or cloud-platform.read-only).
// An emulator accepting any non-empty scope lets a client that asks for
// the wrong scope pass its tests and fail against Google.
func TestScopeIsChecked(t *testing.T) {
	t.Parallel()
	e := Start(t)
	key, _ := fixtures.RSAKey()
	e.AddServiceAccount("sa@p.iam.gserviceaccount.com", &key.PublicKey)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
	grant := func(scope string) (int, string) {
		now := time.Now().Unix()
		a := assertion(t, key, claims{Iss: "sa@p.iam.gserviceaccount.com", Aud: e.TokenURL(), Scope: scope, Iat: now, Exp: now + 3600})
		resp, err := c.PostForm(e.TokenURL(), url.Values{"grant_type": {JWTBearerGrant}, "assertion": {a}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			AccessToken string `json:"access_token"`
			Error       string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode != 200 {
			return resp.StatusCode, out.Error
		}
		return 200, out.AccessToken
	}
	realm := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, e.Registry.URL+"/v2/token", nil)
		req.SetBasicAuth("oauth2accesstoken", tok)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st, got := grant("cloud"); st != http.StatusBadRequest || got != "invalid_scope" {
		t.Errorf("unknown scope %q: %d %q, want 400 invalid_scope", "cloud", st, got)
	}
	st, tok := grant("https://www.googleapis.com/auth/userinfo.email")
	if st != 200 {
		t.Fatalf("userinfo.email scope: %d %s", st, tok)
	}
	if got := realm(tok); got == http.StatusOK {
		t.Errorf("realm accepted an access token without the cloud-platform scope")
	}
	for _, s := range []string{"https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/cloud-platform.read-only"} {
		st, tok := grant(s)
		if st != 200 || realm(tok) != http.StatusOK {
			t.Errorf("scope %s refused", s)
		}
	}
}

// TestTokensExpire: the realm takes only a live access token, and /v2/
// only a live registry token; ExpireTokens ends every one issued.
func TestTokensExpire(t *testing.T) {
	t.Parallel()
	e := Start(t)
	key, _ := fixtures.RSAKey()
	e.AddServiceAccount("sa@p.iam.gserviceaccount.com", &key.PublicKey)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
	now := time.Now().Unix()
	a := assertion(t, key, claims{Iss: "sa@p.iam.gserviceaccount.com", Aud: e.TokenURL(), Scope: "https://www.googleapis.com/auth/cloud-platform", Iat: now, Exp: now + 3600})
	var access struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	post(t, c, e.TokenURL(), url.Values{"grant_type": {JWTBearerGrant}, "assertion": {a}}, &access)
	send := func(path, user, pass, bearer string, out any) int {
		req, _ := http.NewRequest(http.MethodGet, e.Registry.URL+path, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		} else {
			req.SetBasicAuth(user, pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(out)
		return resp.StatusCode
	}
	var reg struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in"`
	}
	if st := send("/v2/token", "oauth2accesstoken", access.AccessToken, "", &reg); st != 200 || access.ExpiresIn != 3599 || reg.ExpiresIn != 3600 {
		t.Fatalf("realm %d, lifetimes %d and %d", st, access.ExpiresIn, reg.ExpiresIn)
	}
	if st := send("/v2/", "", "", reg.Token, &struct{}{}); st != 200 {
		t.Fatalf("/v2/ with a live registry token: %d", st)
	}
	e.ExpireTokens()
	if st := send("/v2/token", "oauth2accesstoken", access.AccessToken, "", &struct{}{}); st != http.StatusUnauthorized {
		t.Errorf("realm took an expired access token: %d", st)
	}
	if st := send("/v2/", "", "", reg.Token, &struct{}{}); st != http.StatusUnauthorized {
		t.Errorf("/v2/ took an expired registry token: %d", st)
	}
}

func post(t *testing.T, c *http.Client, u string, form url.Values, out any) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d", u, resp.StatusCode)
	}
	_ = json.NewDecoder(resp.Body).Decode(out)
}
