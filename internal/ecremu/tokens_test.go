package ecremu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestPrivateAndPublicTokensAreDistinct: an ECR authorization token
// is for the private registries of its region, an ECR Public one for
// public.ecr.aws; neither registry takes the other's. An emulator sharing
// one token pool lets a client that calls the wrong GetAuthorizationToken
// (ecr for public.ecr.aws, ecr-public for a private registry) pass.
func TestPrivateAndPublicTokensAreDistinct(t *testing.T) {
	t.Parallel()
	e := Start(t)
	e.AddKey("AKIDREVIEW", "secret", "")
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
	password := func(target, service, region string, public bool) string {
		body := []byte("{}")
		req, _ := http.NewRequest(http.MethodPost, e.API.URL+"/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDREVIEW", SecretAccessKey: "secret"},
			req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tok string
		if public {
			var out struct {
				AuthorizationData struct{ AuthorizationToken string }
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			tok = out.AuthorizationData.AuthorizationToken
		} else {
			var out struct {
				AuthorizationData []struct{ AuthorizationToken string }
			}
			_ = json.NewDecoder(resp.Body).Decode(&out)
			if len(out.AuthorizationData) == 1 {
				tok = out.AuthorizationData[0].AuthorizationToken
			}
		}
		raw, _ := base64.StdEncoding.DecodeString(tok)
		pw, ok := strings.CutPrefix(string(raw), "AWS:")
		if resp.StatusCode != 200 || !ok {
			t.Fatalf("%s: %d", target, resp.StatusCode)
		}
		return pw
	}
	get := func(url, pw string) int {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth("AWS", pw)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	private := password(TargetGetAuthorizationToken, "ecr", e.Region(), false)
	public := password(TargetPublicGetAuthorizationToken, "ecr-public", PublicRegion, true)
	if st := get(e.Registry.URL+"/v2/", private); st != 200 {
		t.Fatalf("private token at the private registry: %d", st)
	}
	if st := get(e.Public.URL+"/token/?service=public.ecr.aws&scope=aws", public); st != 200 {
		t.Fatalf("public token at the public realm: %d", st)
	}
	if st := get(e.Registry.URL+"/v2/", public); st != http.StatusUnauthorized {
		t.Errorf("private registry took an ECR Public token: %d, want 401", st)
	}
	if st := get(e.Public.URL+"/token/?service=public.ecr.aws&scope=aws", private); st != http.StatusUnauthorized {
		t.Errorf("public.ecr.aws took a private ECR token: %d, want 401", st)
	}
}
