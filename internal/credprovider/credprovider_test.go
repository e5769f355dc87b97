package credprovider

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
)

func TestSplitImage(t *testing.T) {
	for _, tc := range []struct{ image, host, repo string }{
		{"nginx", "docker.io", "library/nginx"},
		{"nginx:1.27", "docker.io", "library/nginx"},
		{"acme/app@sha256:" + strings.Repeat("a", 64), "docker.io", "acme/app"},
		{"ghcr.io/acme/app:v1", "ghcr.io", "acme/app"},
		{"GHCR.io/acme/app", "ghcr.io", "acme/app"},
		{"localhost:5000/app:tag", "localhost:5000", "app"},
		{"localhost/app", "localhost", "app"},
		{"123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1", "123456789012.dkr.ecr.us-east-1.amazonaws.com", "team/app"},
	} {
		host, repo, err := SplitImage(tc.image)
		if err != nil || host != tc.host || repo != tc.repo {
			t.Errorf("SplitImage(%q) = %q, %q, %v; want %q, %q", tc.image, host, repo, err, tc.host, tc.repo)
		}
	}
	for _, bad := range []string{"", "a b", "https://ghcr.io/acme", "ghcr.io/", "ghcr.io//x", "ghcr.io/x/", strings.Repeat("a", 1025)} {
		if _, _, err := SplitImage(bad); !errors.Is(err, ErrRequest) {
			t.Errorf("SplitImage(%q): %v, want ErrRequest", bad, err)
		}
	}
}

func TestDecodeRequest(t *testing.T) {
	good := `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"ghcr.io/acme/app:v1","serviceAccountToken":"sa-token-CANARY","newField":1}`
	req, err := DecodeRequest(strings.NewReader(good))
	if err != nil || req.Image != "ghcr.io/acme/app:v1" {
		t.Fatalf("%+v %v", req, err)
	}
	for _, tc := range []struct{ in, field string }{
		{`{`, "JSON"},
		{`[]`, "JSON"},
		{`{"apiVersion":1}`, "JSON"},
		{`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","kind":"CredentialProviderRequest","image":"x"}`, "apiVersion"},
		{`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"Other","image":"x"}`, "kind"},
		{`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest"}`, "image"},
		{`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"http://x/y","serviceAccountToken":"sa-token-CANARY"}`, "image"},
		{`{"image":"` + strings.Repeat("a", MaxRequestSize) + `"}`, "larger"},
	} {
		_, err := DecodeRequest(strings.NewReader(tc.in))
		if !errors.Is(err, ErrRequest) || !strings.Contains(err.Error(), tc.field) || strings.Contains(err.Error(), "CANARY") {
			t.Errorf("DecodeRequest(%.60q): %v, want ErrRequest naming %s", tc.in, err, tc.field)
		}
	}
}

func TestResponseEncode(t *testing.T) {
	var buf bytes.Buffer
	d := 11*time.Hour + 55*time.Minute
	r := Response{CacheKeyType: CacheImage, CacheDuration: &d,
		Auth: map[string]Auth{"ghcr.io/acme": {Username: "bot", Password: credentials.NewSecret("pw-CANARY")}}}
	if err := r.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderResponse","cacheKeyType":"Image","cacheDuration":"11h55m0s","auth":{"ghcr.io/acme":{"username":"bot","password":"pw-CANARY"}}}` + "\n"
	if buf.String() != want {
		t.Fatalf("got  %s\nwant %s", buf.String(), want)
	}
	buf.Reset()
	if err := (Response{CacheKeyType: CacheRegistry}).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["cacheDuration"] != nil || m["auth"] != nil {
		t.Fatalf("%s %v", buf.String(), err)
	}
	buf.Reset()
	zero := time.Duration(0)
	if err := (Response{CacheKeyType: CacheRegistry, CacheDuration: &zero}).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"cacheDuration":"0s"`) {
		t.Fatalf("zero duration not kept: %s", buf.String())
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add(`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"ghcr.io/acme/app:v1"}`)
	f.Add(`{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"nginx@sha256:00"}`)
	f.Add(`{"image":"localhost:5000/x:"}`)
	f.Fuzz(func(t *testing.T, in string) {
		req, err := DecodeRequest(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrRequest) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		host, repo, err := SplitImage(req.Image)
		if err != nil || host == "" || repo == "" {
			t.Fatalf("accepted %q but split %q %q %v", req.Image, host, repo, err)
		}
	})
}
