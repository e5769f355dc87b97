package aademu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTokensExpire: a refresh token is a JWT whose exp claim is its
// expiry, docker login's Basic RefreshUser:<refresh token> gets an access
// token, and once ExpireTokens ran no Entra, refresh or access token is
// taken.
func TestTokensExpire(t *testing.T) {
	t.Parallel()
	e := Start(t)
	e.AddApp("app", "secret")
	c := client(e)
	var aad struct {
		AccessToken string `json:"access_token"`
	}
	post(t, c, e.AAD.URL+"/"+e.Tenant()+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {"app"}, "client_secret": {"secret"}, "scope": {ACRScope}}, http.StatusOK, &aad)
	exchange := url.Values{"grant_type": {"access_token"}, "service": {e.Host()}, "tenant": {e.Tenant()}, "access_token": {aad.AccessToken}}
	var rt struct {
		RefreshToken string `json:"refresh_token"`
	}
	post(t, c, e.Registry.URL+"/oauth2/exchange", exchange, http.StatusOK, &rt)
	parts := strings.Split(rt.RefreshToken, ".")
	var claims struct{ Exp int64 }
	if raw, err := base64.RawURLEncoding.DecodeString(parts[min(1, len(parts)-1)]); len(parts) != 3 || err != nil || json.Unmarshal(raw, &claims) != nil ||
		time.Until(time.Unix(claims.Exp, 0)) > RefreshTokenTTL || time.Until(time.Unix(claims.Exp, 0)) < RefreshTokenTTL-time.Minute {
		t.Fatalf("refresh token is not a JWT with exp about %v from now", RefreshTokenTTL)
	}
	basic := func() int {
		req, _ := http.NewRequest(http.MethodGet, e.Registry.URL+"/oauth2/token?service="+e.Host(), nil)
		req.SetBasicAuth(RefreshUser, rt.RefreshToken)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := basic(); st != http.StatusOK {
		t.Fatalf("Basic with the refresh user: %d", st)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "service": {e.Host()}, "refresh_token": {rt.RefreshToken}}
	e.ExpireTokens()
	post(t, c, e.Registry.URL+"/oauth2/exchange", exchange, http.StatusUnauthorized, &struct{}{})
	post(t, c, e.Registry.URL+"/oauth2/token", refresh, http.StatusUnauthorized, &struct{}{})
	if st := basic(); st != http.StatusUnauthorized {
		t.Fatalf("Basic with an expired refresh token: %d", st)
	}
}

func post(t *testing.T, c *http.Client, u string, form url.Values, status int, out any) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d, want %d", u, resp.StatusCode, status)
	}
	_ = json.NewDecoder(resp.Body).Decode(out)
}
