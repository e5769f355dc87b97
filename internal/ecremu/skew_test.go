package ecremu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestStaleSignatureRefused: AWS refuses a SigV4 request whose
// X-Amz-Date is more than 15 minutes from its clock ("Signature expired"),
// which also bounds replays. The emulator must too, or a client signing
// with a wrong clock, or replaying a signed request, passes its tests.
func TestStaleSignatureRefused(t *testing.T) {
	t.Parallel()
	e := Start(t)
	e.AddKey("AKIDSKEW", "secret", "")
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
	call := func(at time.Time) (int, string) {
		body := []byte("{}")
		req, _ := http.NewRequest(http.MethodPost, e.API.URL+"/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", TargetGetAuthorizationToken)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDSKEW", SecretAccessKey: "secret"},
			req, hex.EncodeToString(sum[:]), "ecr", e.Region(), at); err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			Type string `json:"__type"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.Type
	}
	if st, _ := call(time.Now()); st != 200 {
		t.Fatalf("fresh signature: %d", st)
	}
	for _, skew := range []time.Duration{-time.Hour, time.Hour, -24 * time.Hour} {
		if st, typ := call(time.Now().Add(skew)); st != http.StatusBadRequest || typ != "InvalidSignatureException" {
			t.Errorf("signed %v from now: %d %q, want 400 InvalidSignatureException", skew, st, typ)
		}
	}
}
