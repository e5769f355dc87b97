// Package acr registers the AZURE_ACR connection test with package
// providers. Import it for its side effect:
//
//	import _ "github.com/credvault/credvault/providers/acr"
//
// It lives apart from providers so that azidentity (and MSAL) enter a
// program's build only when the program asks for it.
//
// # Protocol
//
// The admin user (a UsernamePassword whose user name is the registry name)
// is sent as Basic to the registry's realm,
// GET https://<r>.azurecr.io/oauth2/token?service=<r>.azurecr.io, and the
// access token it returns to GET /v2/: two round trips. Without a URL the
// registry is <username>.azurecr.io.
//
// A service principal (AzureAcr) follows Azure/acr docs/AAD-OAuth.md:
// azidentity's ClientSecretCredential signs in (client credentials, with
// instance discovery disabled; MSAL still fetches the tenant's OpenID
// configuration) for the scope https://containerregistry.azure.net/.default,
// POST /oauth2/exchange trades that token for an ACR refresh token, POST
// /oauth2/token trades the refresh token for an access token, and GET /v2/
// proves it: five round trips. No scope is requested at /oauth2/token: a
// /v2/ check needs none, exactly like docker login with an identity token,
// so the check needs no repository permission beyond signing in.
//
// A service principal names no registry. On a target without a URL (the
// URL is optional for AZURE_ACR, as in HarborGuard's API) the check signs
// in to the public cloud's Entra ID and stops: two round trips, healthy
// with Result.IdentityOnly set and a Message saying no registry was
// reached.
//
// The authority follows the registry's cloud (.azurecr.io: public,
// .azurecr.cn: China, .azurecr.us: US Government); the scope is the public
// cloud's for all three (not verified against the sovereign clouds).
//
// # Safety
//
// azidentity and every registry request use the session's safe client. The
// authority (after any Options.Endpoints rewrite) and each registry URL are
// checked against the address policy before a request is built; the token
// endpoint that tenant discovery returns is held to the policy at the dial.
// Secrets and every token derived from them are scrubbed from messages.
//
// # Results
//
// Entra's invalid_client (AADSTS7000215, a wrong secret),
// unauthorized_client (AADSTS700016, an unknown application) and
// invalid_tenant (AADSTS90002) are auth_failed with the AADSTS code as
// ProviderCode; the registry's 401 UNAUTHORIZED is auth_failed, its
// firewall's 403 DENIED forbidden, 429 TOOMANYREQUESTS rate_limited.
package acr
