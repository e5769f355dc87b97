package ecremu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// testAccessKey is the access key the tests below sign with.
const testAccessKey = "AKIDFIDELITY"

// signedClient starts an emulator that knows testAccessKey and returns a
// client trusting it, for requests signed by hand.
func signedClient(t *testing.T) (*Emulator, *http.Client) {
	e := Start(t)
	e.AddKey(testAccessKey, "secret", "")
	return e, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
}

// callSigned sends an empty JSON 1.1 call to target, signed for service
// and region as at the time given, and returns the response.
func callSigned(t *testing.T, e *Emulator, c *http.Client, target, service, region string, at time.Time) *http.Response {
	t.Helper()
	body := []byte("{}")
	req, _ := http.NewRequest(http.MethodPost, e.API.URL+"/", bytes.NewReader(body))
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: "secret"},
		req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestStaleSignatureRefused: AWS refuses a SigV4 request whose
// X-Amz-Date is more than 15 minutes from its clock ("Signature expired"),
// which also bounds replays. The emulator must too, or a client signing
// with a wrong clock, or replaying a signed request, passes its tests.
func TestStaleSignatureRefused(t *testing.T) {
	t.Parallel()
	e, c := signedClient(t)
	call := func(at time.Time) (int, string) {
		resp := callSigned(t, e, c, TargetGetAuthorizationToken, "ecr", e.Region(), at)
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

// TestPrivateAndPublicTokensAreDistinct: an ECR authorization token
// is for the private registries of its region, an ECR Public one for
// public.ecr.aws; neither registry takes the other's. An emulator sharing
// one token pool lets a client that calls the wrong GetAuthorizationToken
// (ecr for public.ecr.aws, ecr-public for a private registry) pass.
func TestPrivateAndPublicTokensAreDistinct(t *testing.T) {
	t.Parallel()
	e, c := signedClient(t)
	password := func(target, service, region string, public bool) string {
		resp := callSigned(t, e, c, target, service, region, time.Now())
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

// TestSTSUnsignedHasCode: STS answers an unsigned AssumeRole with
// 403 and the Query error code MissingAuthenticationToken; every STS
// error carries a code, which is what the SDK reports as ErrorCode().
func TestSTSUnsignedHasCode(t *testing.T) {
	t.Parallel()
	e, c := signedClient(t)
	resp, err := c.PostForm(e.API.URL+"/", url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
		"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out stsErrorResponse
	if err := xml.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden || out.Code != "MissingAuthenticationToken" {
		t.Errorf("unsigned AssumeRole: %d code %q, want 403 MissingAuthenticationToken", resp.StatusCode, out.Code)
	}
}
