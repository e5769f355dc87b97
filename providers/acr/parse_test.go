package acr

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/credvault/credvault/providers"
)

func TestRegistryHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, admin, want string
	}{
		{"https://credvaultacr.azurecr.io", "", "credvaultacr.azurecr.io"},
		{"https://CredvaultACR.azurecr.io/v2/", "", "credvaultacr.azurecr.io"},
		{"https://credvaultacr-abcd.eastus.geo.azurecr.io", "", "credvaultacr-abcd.eastus.geo.azurecr.io"},
		{"https://credvaultacr.azurecr.cn", "", "credvaultacr.azurecr.cn"},
		{"", "CredvaultACR", "credvaultacr.azurecr.io"},
		{"", "", ""},
		{"", "a_b", ""},
		{"http://credvaultacr.azurecr.io", "", ""},
		{"https://credvaultacr.azurecr.io:444", "", ""},
		{"https://credvaultacr.azurecr.io.evil.example", "", ""},
	}
	for _, tc := range tests {
		got, err := registryHost(providers.Target{Provider: providers.AzureACR, URL: tc.url}, tc.admin)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("registryHost(%q, %q) = %q, %v", tc.url, tc.admin, got, err)
		}
	}
}

func TestAuthorityFor(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]string{
		"r1234.azurecr.io": "https://login.microsoftonline.com",
		"r1234.azurecr.cn": "https://login.chinacloudapi.cn",
		"r1234.azurecr.us": "https://login.microsoftonline.us",
	} {
		if got := authorityFor(host); got != want {
			t.Errorf("%s: %s", host, got)
		}
	}
}

func TestEntraResponse(t *testing.T) {
	t.Parallel()
	body := `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret s3cr3t provided.\r\nTrace ID: x","error_codes":[7000215]}`
	r := entraResponse(&http.Response{StatusCode: 401, Body: io.NopCloser(strings.NewReader(body))}, "https://login.example/t", "s3cr3t")
	if r.Status != providers.StatusAuthFailed || r.ProviderCode != "AADSTS7000215" ||
		strings.Contains(r.Message, "s3cr3t") || strings.Contains(r.Message, "Trace ID") {
		t.Fatalf("%+v", r)
	}
}

func FuzzEntraResponse(f *testing.F) {
	f.Add(401, []byte(`{"error":"invalid_client","error_description":"AADSTS7000215: x","error_codes":[7000215]}`))
	f.Add(400, []byte(`{"error_codes":"x"}`))
	f.Add(500, []byte(`not json`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 999 {
			return
		}
		r := entraResponse(&http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body))}, "e", "SECRETVALUE")
		if strings.Contains(r.Message, "SECRETVALUE") || r.Status == providers.StatusHealthy {
			t.Fatalf("%+v", r)
		}
	})
}

func FuzzTokenField(f *testing.F) {
	f.Add(`{"refresh_token":"rt"}`)
	f.Add(`{"refresh_token":1}`)
	f.Add(`{"refresh_token":"a\r\nb"}`)
	f.Fuzz(func(t *testing.T, body string) {
		v, err := tokenField([]byte(body), "refresh_token")
		if err == nil && (v == "" || strings.ContainsAny(v, "\r\n")) {
			t.Fatalf("accepted %q", v)
		}
	})
}
