package ecr

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecrpublic"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
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
func checkPublic(ctx context.Context, s *registry.Session, cred credentials.AwsEcr) registry.Result {
	client := ecrpublic.NewFromConfig(awsConfig(s, cred, publicRegion), func(o *ecrpublic.Options) {
		o.BaseEndpoint = endpointFor(s, publicAPI)
	})
	out, err := client.GetAuthorizationToken(ctx, &ecrpublic.GetAuthorizationTokenInput{})
	if err != nil {
		return awsFailure(s, err, publicAPI)
	}
	if out.AuthorizationData == nil {
		return *protocolErr(publicAPI, "GetAuthorizationToken returned no authorization data")
	}
	password, err := decodeToken(aws.ToString(out.AuthorizationData.AuthorizationToken))
	if err != nil {
		return *protocolErr(publicAPI, "GetAuthorizationToken: "+err.Error())
	}
	realm := "https://" + publicHost + "/token/?scope=aws&service=" + publicHost
	body, r := s.Send(ctx, registry.Call{URL: realm, Header: registry.Basic("AWS", password), Secrets: []string{password}})
	if r != nil {
		return expired(*r)
	}
	token, ok := registry.TokenField(body, "token", "access_token")
	if !ok {
		return registry.Result{Status: registry.StatusProviderError, Endpoint: registry.Shown(realm), Message: "token realm answered without a token"}
	}
	ping := "https://" + publicHost + "/v2/"
	if _, r := s.Send(ctx, registry.Call{URL: ping, Header: registry.Bearer(token), Secrets: []string{password, token}}); r != nil {
		return expired(*r)
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: ping, Authenticated: true,
		Message: "ECR Public GetAuthorizationToken succeeded and " + publicHost + " accepted the token"}
}
