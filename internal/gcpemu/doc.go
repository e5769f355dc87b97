// Package gcpemu emulates Google's OAuth 2.0 token endpoint (the
// service-account JWT bearer grant) and an Artifact Registry v2 endpoint,
// speaking their wire protocols so that golang.org/x/oauth2/google and a
// registry client can be pointed at them.
//
// # Token endpoint
//
// POST /token with grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer
// and an RS256 assertion. The assertion's signature is verified against
// the registered service account's public key; iss must be the account's
// client_email, aud the endpoint's own URL ([Emulator.TokenURL]), exp in
// the future and at most an hour after iat, scope a list of Google scopes
// (else 400 invalid_scope). Other failures answer
// 400 {"error":"invalid_grant","error_description":…} as Google does
// ("Invalid JWT Signature.").
//
// # Registry
//
// GET /v2/ answers 401 with Bearer realm="https://<host>/v2/token" (no
// service parameter, as GAR sends). GET /v2/token takes Basic
// oauth2accesstoken:<access token> and returns {"token","expires_in"}, or
// 403 DENIED for an access token without the cloud-platform (or
// cloud-platform.read-only) scope.
// /v2/ with that Bearer token is 200, or 403 DENIED: Permission
// "artifactregistry.repositories.downloadArtifacts" denied for an account
// made to fail with [Emulator.Deny].
//
// Access tokens expire after [AccessTokenTTL] and registry tokens after
// [RegistryTokenTTL]; an expired token is refused like an unknown one, and
// [Emulator.ExpireTokens] expires every token issued so far.
package gcpemu
