package acr

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/credvault/credvault/internal/registry"
)

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
	s := &registry.Session{}
	s.AddSecrets("s3cr3t")
	r := entraResponse(s, &http.Response{StatusCode: 401, Body: io.NopCloser(strings.NewReader(body))}, "https://login.example/t")
	if r.Status != registry.StatusAuthFailed || r.ProviderCode != "AADSTS7000215" ||
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
		s := &registry.Session{}
		s.AddSecrets("SECRETVALUE")
		r := entraResponse(s, &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body))}, "e")
		if strings.Contains(r.Message, "SECRETVALUE") || r.Status == registry.StatusHealthy {
			t.Fatalf("%+v", r)
		}
	})
}
