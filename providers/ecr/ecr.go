package ecr

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	awsecr "github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/internal/safehttp"
	"github.com/credvault/credvault/providers"
)

func init() {
	registry.Register(string(providers.AWSECR), check)
	registry.RegisterExchange(string(providers.AWSECR), exchange)
}

// Retry policy of the SDK clients: one retry, short backoff. A connection
// test should answer quickly; every attempt counts in Result.RoundTrips.
const (
	maxAttempts = 2
	maxBackoff  = time.Second
	// sessionName is the RoleSessionName of the assumed role (CloudTrail
	// shows it).
	// sessionName serves connection tests and pull exchanges alike.
	sessionName = "credvault"
)

// check is the AWS_ECR Checker; TestConnection fills in latency and round trips.
func check(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) registry.Result {
	req, err := newRequest(t, c)
	if errors.Is(err, errPublic) {
		return checkPublic(ctx, s, req.cred)
	}
	if err != nil {
		return registry.Invalid(err.Error())
	}
	tok, fail := getToken(ctx, s, req)
	if fail != nil {
		return *fail
	}
	r := ping(ctx, s, pick(req.target, tok.proxy), tok.password)
	if req.target != nil && req.target.Account != tok.proxy.Account && r.Healthy() {
		r.Message += "; cross-account: the key's own registry is in account " + tok.proxy.Account +
			", and /v2/ does not prove pull rights on the target's repositories"
	}
	return r
}

// exchange is the AWS_ECR Exchanger: GetAuthorizationToken (after
// AssumeRole when the credential names a role) in the registry's region,
// one round trip without a role, for user "AWS" and the 12-hour token.
// ECR Public is not served: its tokens are for the public gallery only.
func exchange(ctx context.Context, s *registry.Session, t registry.Target, c credentials.Credential) (registry.Grant, *registry.Result) {
	req, err := newRequest(t, c)
	if errors.Is(err, errPublic) {
		err = errors.New("ECR Public (public.ecr.aws) needs no stored credential to pull")
	}
	if err != nil {
		r := registry.Invalid(err.Error())
		return registry.Grant{}, &r
	}
	tok, fail := getToken(ctx, s, req)
	if fail != nil {
		return registry.Grant{}, fail
	}
	return registry.Grant{Username: "AWS", Password: credentials.NewSecret(tok.password), Expires: tok.expires}, nil
}

// A request is what GetAuthorizationToken is called with for a target.
type request struct {
	cred   credentials.AwsEcr
	target *registryHost // nil without a URL
	region string
	fips   bool
}

// newRequest checks the credential and the target; errPublic (with cred
// set) for an ECR Public target, an error whose text is the
// StatusInvalidConfig message otherwise.
func newRequest(t registry.Target, c credentials.Credential) (request, error) {
	cred, ok := asECR(c)
	if !ok {
		return request{}, errors.New("AWS_ECR needs an AwsEcr credential (IAM access key)")
	}
	target, err := targetHost(t)
	if errors.Is(err, errPublic) {
		return request{cred: cred}, err
	}
	if err != nil {
		return request{}, errors.New("the URL is not an ECR registry host")
	}
	req := request{cred: cred, target: target, region: cred.Region}
	if target != nil {
		req.region, req.fips = target.Region, target.FIPS // trivy #1026: the registry's region wins
	}
	if !regionRE.MatchString(req.region) {
		return request{}, errors.New("no valid AWS region in the credential or the URL")
	}
	return req, nil
}

func asECR(c credentials.Credential) (credentials.AwsEcr, bool) {
	switch v := c.(type) {
	case credentials.AwsEcr:
		return v, true
	case *credentials.AwsEcr:
		if v != nil {
			return *v, true
		}
	}
	return credentials.AwsEcr{}, false
}

// targetHost parses the target URL's host; nil when there is no URL.
func targetHost(t registry.Target) (*registryHost, error) {
	if t.URL == "" {
		return nil, nil
	}
	u, err := url.Parse(t.URL)
	if err != nil {
		return nil, errNotECRHost
	}
	if strings.EqualFold(u.Hostname(), "public.ecr.aws") {
		return nil, errPublic
	}
	h, err := parseHost(u.Hostname())
	if err != nil || u.Port() != "" {
		return nil, errNotECRHost
	}
	return &h, nil
}

// pick chooses the registry to check: the target's own when it has a URL
// (stored credentials never go to another host: the token is valid for
// every registry the principal may access, cross-account included), else
// the proxy endpoint GetAuthorizationToken returned.
func pick(target *registryHost, proxy registryHost) registryHost {
	if target != nil {
		return *target
	}
	return proxy
}

// awsConfig is an aws.Config that sends through the session's safe client
// (SSRF guard, timeouts, round-trip count) and reads no environment,
// shared config or instance metadata.
func awsConfig(s *registry.Session, cred credentials.AwsEcr, region string) aws.Config {
	cfg := aws.Config{
		Region:     region,
		HTTPClient: s.Client,
		Credentials: aws.NewCredentialsCache(awscreds.NewStaticCredentialsProvider(
			cred.AccessKeyID, cred.SecretAccessKey.Reveal(), cred.SessionToken.Reveal())),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff = maxAttempts, maxBackoff
				o.Retryables = append([]retry.IsErrorRetryable{notBlocked}, o.Retryables...)
			})
		},
	}
	if cred.RoleArn != "" {
		stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) {
			o.BaseEndpoint = endpointFor(s, stsOrigin(region))
		})
		cfg.Credentials = aws.NewCredentialsCache(scrubbed{s, stscreds.NewAssumeRoleProvider(stsClient, cred.RoleArn,
			func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = sessionName
				if !cred.ExternalID.IsZero() {
					o.ExternalID = aws.String(cred.ExternalID.Reveal())
				}
			})})
	}
	return cfg
}

// scrubbed registers the temporary credentials STS hands out with the
// session's scrubber: the secret key is never sent, so the session cannot
// see it, yet a server may echo it.
type scrubbed struct {
	s    *registry.Session
	next aws.CredentialsProvider
}

// Retrieve implements aws.CredentialsProvider.
func (p scrubbed) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := p.next.Retrieve(ctx)
	p.s.AddSecrets(c.SecretAccessKey, c.SessionToken)
	return c, err
}

// notBlocked stops the SDK from retrying a request the address policy
// refused: the answer would not change.
var notBlocked = retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
	if errors.Is(err, safehttp.ErrBlocked) {
		return aws.FalseTernary
	}
	return aws.UnknownTernary
})

// endpointFor returns the rewrite of origin in Options.Endpoints, or nil
// for the SDK's own resolution.
func endpointFor(s *registry.Session, origin string) *string {
	if v, ok := s.Endpoint(origin); ok {
		return aws.String(v)
	}
	return nil
}

// A token is GetAuthorizationToken's answer, validated.
type token struct {
	password string
	proxy    registryHost
	expires  time.Time
}

// getToken calls GetAuthorizationToken and validates its answer; a
// non-nil Result reports a failure.
func getToken(ctx context.Context, s *registry.Session, req request) (token, *registry.Result) {
	client := awsecr.NewFromConfig(awsConfig(s, req.cred, req.region), func(o *awsecr.Options) {
		o.BaseEndpoint = endpointFor(s, apiOrigin(req.region, req.fips))
		if req.fips {
			o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
		}
	})
	endpoint := apiOrigin(req.region, req.fips)
	out, err := client.GetAuthorizationToken(ctx, &awsecr.GetAuthorizationTokenInput{})
	if err != nil {
		r := awsFailure(s, err, endpoint)
		return token{}, &r
	}
	if len(out.AuthorizationData) == 0 {
		return token{}, protocolErr(endpoint, "GetAuthorizationToken returned no authorization data")
	}
	d := out.AuthorizationData[0]
	password, err := decodeToken(aws.ToString(d.AuthorizationToken))
	if err != nil {
		return token{}, protocolErr(endpoint, "GetAuthorizationToken: "+err.Error())
	}
	proxy, err := parseProxy(aws.ToString(d.ProxyEndpoint), req.region)
	if err != nil {
		return token{}, protocolErr(endpoint, "GetAuthorizationToken: proxy endpoint "+err.Error())
	}
	if d.ExpiresAt == nil {
		return token{}, protocolErr(endpoint, "GetAuthorizationToken: no expiresAt")
	}
	return token{password: password, proxy: proxy, expires: *d.ExpiresAt}, nil
}

func protocolErr(endpoint, msg string) *registry.Result {
	return &registry.Result{Status: registry.StatusProviderError, Endpoint: endpoint, Message: msg}
}

var errPublic = errors.New("ECR Public")

var errProxy = errors.New("is not an https ECR registry host in the requested region")

// parseProxy checks the proxy endpoint: https, no path beyond "/", no
// userinfo, query or port, an ECR host in region.
func parseProxy(raw, region string) (registryHost, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		u.Port() != "" || (u.Path != "" && u.Path != "/") {
		return registryHost{}, errProxy
	}
	h, err := parseHost(u.Hostname())
	if err != nil || h.Region != region {
		return registryHost{}, errProxy
	}
	return h, nil
}

// ping sends GET /v2/ with Basic AWS:<password> to the registry.
func ping(ctx context.Context, s *registry.Session, reg registryHost, password string) registry.Result {
	endpoint := "https://" + reg.String() + "/v2/"
	if _, r := s.Send(ctx, registry.Call{URL: endpoint, Header: registry.Basic("AWS", password), Secrets: []string{password}}); r != nil {
		return expired(*r)
	}
	return registry.Result{Status: registry.StatusHealthy, Endpoint: endpoint, Authenticated: true,
		Message: "GetAuthorizationToken succeeded and registry " + reg.String() + " accepted the token"}
}

// expired reports a registry's refusal of an expired token (trivy #5310:
// DENIED with "authorization token has expired", sent as 403) as
// StatusAuthFailed: the credential must mint a new one.
func expired(r registry.Result) registry.Result {
	if r.ProviderCode == "DENIED" && strings.Contains(r.Message, "authorization token has expired") {
		r.Status = registry.StatusAuthFailed
	}
	return r
}

// awsFailure maps an SDK error (an AWS API error, or a transport failure
// under the SDK) to a Result.
func awsFailure(s *registry.Session, err error, endpoint string) registry.Result {
	var api smithy.APIError
	if errors.As(err, &api) {
		code := s.RedactCode(api.ErrorCode()) // from the response: scrubbed, bounded and printable, like every code
		return registry.Result{Status: apiStatus(code), Endpoint: endpoint, ProviderCode: code,
			Message: "AWS refused the request: " + code + ": " +
				s.Redact(api.ErrorMessage())}
	}
	st, reason := s.TransportStatus(err)
	return registry.Result{Status: st, Endpoint: endpoint, Message: "AWS API: " + reason}
}

// apiStatus maps AWS error codes (ECR JSON and STS Query spellings).
func apiStatus(code string) registry.Status {
	switch code {
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException",
		"InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken", "IncompleteSignature",
		"MissingAuthenticationTokenException", "InvalidAccessKeyId":
		return registry.StatusAuthFailed
	case "AccessDeniedException", "AccessDenied":
		return registry.StatusForbidden
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded":
		return registry.StatusRateLimited
	case "RepositoryNotFoundException", "RegistryNotFoundException":
		return registry.StatusNotFound
	case "RegionDisabledException":
		return registry.StatusInvalidConfig
	}
	return registry.StatusProviderError
}
