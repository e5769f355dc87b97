package aademu

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func client(e *Emulator) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
}

func TestRegistryWire(t *testing.T) {
	t.Parallel()
	e := Start(t)
	c := client(e)
	resp, err := c.Get(e.Registry.URL + "/v2/")
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Errors []v2Error }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	wantChallenge := `Bearer realm="https://credvaultacr.azurecr.io/oauth2/token",service="credvaultacr.azurecr.io"`
	if resp.StatusCode != 401 || resp.Header.Get("Www-Authenticate") != wantChallenge ||
		len(body.Errors) != 1 || body.Errors[0].Code != "UNAUTHORIZED" {
		t.Fatalf("%d %q %+v", resp.StatusCode, resp.Header.Get("Www-Authenticate"), body)
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
	}{
		{"exchange with an unknown AAD token", url.Values{"grant_type": {"access_token"}, "service": {e.Host()}, "tenant": {e.Tenant()}, "access_token": {"x"}}, 401},
		{"exchange for another registry", url.Values{"grant_type": {"access_token"}, "service": {"other.azurecr.io"}, "tenant": {e.Tenant()}, "access_token": {"x"}}, 400},
		{"exchange with the wrong grant", url.Values{"grant_type": {"password"}, "service": {e.Host()}, "tenant": {e.Tenant()}}, 400},
	}
	for _, tc := range tests {
		resp, err := c.PostForm(e.Registry.URL+"/oauth2/exchange", tc.form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d", tc.name, resp.StatusCode)
		}
	}
}

func TestAADWire(t *testing.T) {
	t.Parallel()
	e := Start(t)
	e.AddApp("app", "secret")
	c := client(e)
	resp, err := c.Get(e.AAD.URL + "/" + e.Tenant() + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if cfg["token_endpoint"] != e.AAD.URL+"/"+e.Tenant()+"/oauth2/v2.0/token" || !strings.HasPrefix(cfg["issuer"].(string), e.AAD.URL) {
		t.Fatalf("%v", cfg)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "client_secret": {"bad"}, "scope": {ACRScope}}
	resp, err = c.PostForm(cfg["token_endpoint"].(string), form)
	if err != nil {
		t.Fatal(err)
	}
	var aadErr struct {
		Error string `json:"error"`
		Codes []int  `json:"error_codes"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&aadErr)
	resp.Body.Close()
	if resp.StatusCode != 401 || aadErr.Error != "invalid_client" || len(aadErr.Codes) != 1 || aadErr.Codes[0] != 7000215 {
		t.Fatalf("%d %+v", resp.StatusCode, aadErr)
	}
}
