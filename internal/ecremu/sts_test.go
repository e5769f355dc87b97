package ecremu

import (
	"crypto/tls"
	"encoding/xml"
	"net/http"
	"net/url"
	"testing"
)

// TestSTSUnsignedHasCode: STS answers an unsigned AssumeRole with
// 403 and the Query error code MissingAuthenticationToken; every STS
// error carries a code, which is what the SDK reports as ErrorCode().
func TestSTSUnsignedHasCode(t *testing.T) {
	t.Parallel()
	e := Start(t)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.CertPool()}}}
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
