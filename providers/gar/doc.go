// Package gar registers the GOOGLE_GAR connection test with package
// providers. Import it for its side effect:
//
//	import _ "github.com/credvault/credvault/providers/gar"
//
// It lives apart from providers so that golang.org/x/oauth2/google enters a
// program's build only when the program asks for it.
//
// # Protocol
//
// The service-account key is loaded with google.JWTConfigFromJSON(…, Scope),
// which refuses every other credential type (an OAuth client file, an
// external account; the untyped CredentialsFromJSON is deprecated for that
// reason), and the JWT bearer grant is sent to the key's token_uri. With a registry URL
// (<location>-docker.pkg.dev, or a gcr.io host Artifact Registry serves)
// the access token is then exchanged at the registry's realm
// https://<host>/v2/token as Basic oauth2accesstoken:<token>, and GET /v2/
// is sent with the registry token: three round trips. The realm is the one
// GAR documents and always sends, so the check skips the anonymous
// challenge request. Without a URL only the grant is tested, and the
// result's Message says so.
//
// # Safety
//
// A key file chooses its own token_uri, so before any request the URI must
// be https and pass the session's address policy (a key pointing at
// 169.254.169.254 or a private address is refused before a byte is sent);
// the client then applies the policy again at the dial. All requests go
// through the session's safe client, given to x/oauth2 through the
// oauth2.HTTPClient context value.
//
// # Results
//
// A 400 invalid_grant from the token endpoint (a wrong or revoked key, an
// unknown account) is auth_failed with the OAuth error code as
// ProviderCode; 429 is rate_limited; the registry's 403
// DENIED: Permission "artifactregistry.repositories.downloadArtifacts"
// denied is forbidden.
package gar
