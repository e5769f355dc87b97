package ecr

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/safehttp"
	"github.com/credvault/credvault/providers"
)

// ECR Public serves its API from one region and its registry from one host.
const (
	publicRegion = "us-east-1"
	publicHost   = "public.ecr.aws"
	publicAPI    = "https://api.ecr-public." + publicRegion + ".amazonaws.com"
)

// checkPublic is the ECR Public flow: ecr-public's GetAuthorizationToken
// (which needs ecr-public:GetAuthorizationToken and
// sts:GetServiceBearerToken), the token as Basic AWS:<password> to the
// registry's realm https://public.ecr.aws/token/ (service public.ecr.aws,
// scope aws), and GET /v2/ with the registry token: three round trips.
func checkPublic(ctx context.Context, s *providers.Session, cred credentials.AwsEcr) providers.Result {
	client := ecrpublic.NewFromConfig(awsConfig(s, cred, publicRegion), func(o *ecrpublic.Options) {
		o.BaseEndpoint = endpointFor(s, publicAPI)
	})
	out, err := client.GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{})
	if err != nil {
		return awsFailure(err, publicAPI, cred)
	}
	if out.AuthorizationData == nil {
		return *protocolErr(publicAPI, "GetAuthorizationToken returned no authorization data")
	}
	password, err := decodeToken(aws.ToString(out.AuthorizationData.AuthorizationToken))
	if err != nil {
		return *protocolErr(publicAPI, "GetAuthorizationToken: "+err.Error())
	}
	realm := "https://" + publicHost + "/token/?scope=aws&service=" + publicHost
	body, r := publicGet(ctx, s, realm, basicAuth("AWS", password), password)
	if r != nil {
		return *r
	}
	token, ok := bearerToken(body)
	if !ok {
		return providers.Result{Status: providers.StatusProviderError, Endpoint: realm, Authenticated: true, Message: "token realm answered without a token"}
	}
	ping := "https://" + publicHost + "/v2/"
	if _, r := publicGet(ctx, s, ping, "Bearer "+token, password, token); r != nil {
		return *r
	}
	return providers.Result{Status: providers.StatusHealthy, Endpoint: ping, Authenticated: true,
		Message: "ECR Public GetAuthorizationToken succeeded and " + publicHost + " accepted the token"}
}

// publicGet sends an authorized GET to the logical URL raw (rewritten by
// Options.Endpoints, checked against the address policy), returning a 2xx
// body or the failure as a Result.
func publicGet(ctx context.Context, s *providers.Session, raw, auth string, secrets ...string) ([]byte, *providers.Result) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, protocolErr(raw, "bad URL")
	}
	dial := s.RewriteURL(u)
	if err := s.Policy.CheckURL(ctx, dial); err != nil {
		st, reason := providers.TransportStatus(err)
		return nil, &providers.Result{Status: st, Endpoint: raw, Message: "registry " + reason}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, dial.String(), nil)
	if err != nil {
		return nil, protocolErr(raw, "bad URL")
	}
	req.Header.Set("Authorization", auth)
	resp, err := s.Client.Do(req)
	if err != nil {
		st, reason := providers.TransportStatus(err)
		return nil, &providers.Result{Status: st, Endpoint: raw, Message: "registry: " + reason}
	}
	defer resp.Body.Close()
	body, err := safehttp.ReadBody(resp.Body, 64<<10)
	switch {
	case resp.StatusCode/100 == 2 && err == nil:
		return body, nil
	case resp.StatusCode/100 == 2:
		return nil, protocolErr(raw, "registry response body unreadable or too large")
	}
	r := registryResult(resp.StatusCode, body, raw, publicHost, secrets...)
	return nil, &r
}

func bearerToken(body []byte) (string, bool) {
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(body, &t) != nil {
		return "", false
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	return t.Token, t.Token != "" && !strings.ContainsAny(t.Token, "\r\n")
}

func basicAuth(user, pass string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pass)
	return r.Header.Get("Authorization")
}
