// Package aademu emulates Microsoft Entra ID (Azure AD) client-credentials
// sign-in and an Azure Container Registry, speaking their wire protocols so
// that azidentity and a registry client can be pointed at them.
//
// # Entra ID
//
// GET /<tenant>/v2.0/.well-known/openid-configuration (the tenant discovery
// MSAL performs) and POST /<tenant>/oauth2/v2.0/token with
// grant_type=client_credentials, client_id, client_secret and scope. Errors
// are Entra's JSON: {"error","error_description":"AADSTS…","error_codes":[…]}
// (AADSTS7000215 for a wrong secret, AADSTS700016 for an unknown
// application, AADSTS90002 for an unknown tenant). MSAL requires an https
// authority, so the servers use TLS; trust [Emulator.CertPool].
//
// # Registry
//
// The flow of Azure/acr docs/AAD-OAuth.md: POST /oauth2/exchange
// (grant_type=access_token, service, tenant, access_token) returns a
// refresh_token; POST /oauth2/token (grant_type=refresh_token, service,
// refresh_token, optional scope) returns an access_token; GET /oauth2/token
// with the admin user's Basic credentials, or a refresh token under user
// [RefreshUser] (docker login's way), returns one too. Every token
// expires: Entra tokens after [AADTokenTTL], refresh tokens (JWTs whose
// exp claim says when) after [RefreshTokenTTL], access tokens after
// [AccessTokenTTL]; an expired one is refused like an unknown one, and
// [Emulator.ExpireTokens] expires every token issued so far. GET /v2/ answers
// 401 with Bearer realm="https://<r>.azurecr.io/oauth2/token",
// service="<r>.azurecr.io" and {"errors":[{"code":"UNAUTHORIZED",…}]}, or
// 200 for a token it issued. [Emulator.DenyClientIP] makes /v2/ answer the
// firewall's 403 DENIED, [Emulator.ThrottleNext] 429 TOOMANYREQUESTS.
package aademu
