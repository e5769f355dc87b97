// Package ecr registers the AWS_ECR connection test with package
// providers. Import it for its side effect:
//
//	import _ "github.com/credvault/credvault/providers/ecr"
//
// It lives apart from providers so that aws-sdk-go-v2 enters a program's
// build only when the program asks for it.
//
// # Protocol
//
// The check signs GetAuthorizationToken with the credential's access key
// (after sts:AssumeRole, with the external id, when a role ARN is set),
// decodes the token strictly as base64 "AWS:<password>", and sends
// GET /v2/ with Basic AWS:<password> to the registry: the target URL's
// host when the target has one (its region is used for the API calls,
// whatever region the credential names), else the proxy endpoint AWS
// returned, which must be an https ECR host in the same region. Private
// (<acct>.dkr.ecr.<region>.amazonaws.com), FIPS (dkr.ecr-fips), China
// (.amazonaws.com.cn) and dual-stack (dkr-ecr.<region>.on.aws) hosts are
// understood. Two round trips, three with a role.
//
// ECR Public (a public.ecr.aws URL) uses ecr-public's GetAuthorizationToken
// in us-east-1 (the principal needs sts:GetServiceBearerToken too), sends
// the token as Basic AWS:<password> to the realm
// https://public.ecr.aws/token/ (service public.ecr.aws, scope aws) and
// GET /v2/ with the registry token: three round trips.
//
// # Safety
//
// Every request, the SDK's included, goes through the session's safe
// client: the address policy applies to the AWS endpoints and to the
// registry (checked before the request is built), credentials never
// follow a redirect to another host, and SDK retries (one, at most) count
// in Result.RoundTrips. A request the address policy refused sent nothing:
// it is neither counted nor retried. Options.Endpoints rewrites the AWS origins
// (https://api.ecr.<region>.amazonaws.com, https://sts.<region>.amazonaws.com,
// https://api.ecr-public.us-east-1.amazonaws.com) into the SDK's
// BaseEndpoint, and the registry origins before the request is sent. The SDK reads no environment variable, shared
// config file or instance metadata: the credential is the only identity.
//
// # Results
//
// UnrecognizedClientException, InvalidSignatureException and
// ExpiredTokenException (and STS's InvalidClientTokenId,
// SignatureDoesNotMatch, ExpiredToken) are auth_failed;
// AccessDeniedException and AccessDenied are forbidden; ThrottlingException
// and Throttling are rate_limited; the registry's "DENIED: Your
// authorization token has expired" is auth_failed with ProviderCode
// DENIED. Result.ProviderCode carries the AWS error code.
package ecr
