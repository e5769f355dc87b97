package ecremu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// signed returns a request signed by the SDK's own SigV4 signer.
func signed(t *testing.T, body []byte, secret string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "https://api.ecr.eu-west-1.amazonaws.com/?a=b%20c", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", TargetGetAuthorizationToken)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256(body)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "ecr", "eu-west-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestSigV4Verify(t *testing.T) {
	t.Parallel()
	body := []byte("{}")
	tests := []struct {
		name   string
		body   []byte
		secret string
		edit   func(*http.Request)
		ok     bool
	}{
		{"valid", body, "secret", func(*http.Request) {}, true},
		{"wrong secret", body, "other", func(*http.Request) {}, false},
		{"tampered body", []byte(`{"x":1}`), "secret", func(*http.Request) {}, false},
		{"tampered header", body, "secret", func(r *http.Request) { r.Header.Set("X-Amz-Target", "Other") }, false},
		{"tampered date", body, "secret", func(r *http.Request) { r.Header.Set("X-Amz-Date", "20000101T000000Z") }, false},
	}
	for _, tc := range tests {
		req := signed(t, body, "secret")
		tc.edit(req)
		sig, err := parseSigV4(req.Header.Get("Authorization"))
		if err != nil {
			t.Fatal(err)
		}
		if got := sig.verify(req, tc.body, tc.secret); got != tc.ok {
			t.Errorf("%s: verify = %v", tc.name, got)
		}
	}
}

func FuzzParseSigV4(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/ecr/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd")
	f.Add("AWS4-HMAC-SHA256 Credential=AKID/x/aws4_request")
	f.Add("Basic QVdTOnA=")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		s, err := parseSigV4(h)
		if err == nil && (s.accessKeyID == "" || s.signature == "" || len(s.signedHeaders) == 0) {
			t.Fatalf("accepted incomplete header %q", h)
		}
	})
}
