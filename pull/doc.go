// Package pull hands the registry credentials a vault keeps to the code
// that pulls images: an [Authorizer] turns a stored record into the
// credential a registry accepts, caches it until shortly before it
// expires, and maps an image's registry host to the one record of an org
// that serves it.
//
// # Exchanges
//
// [Authorizer.Authorize] opens the record (org, registry) and returns a
// [Credential]: the username and secret to present as Basic
// authentication (or as docker's username/password), with its expiry.
// Password-like kinds (UsernamePassword, UsernamePat, HarborRobot,
// JfrogIdentityToken) are presented as stored, with no round trip and no
// expiry (Buildkite Packages under its docker login user, "buildkite").
// ECR records are exchanged with GetAuthorizationToken (after
// sts:AssumeRole with the external ID when the record names a role) for
// user "AWS" and a 12-hour token; ACR service principals sign in to
// Entra ID and exchange that token at /oauth2/exchange for an ACR refresh
// token presented as user "00000000-0000-0000-0000-000000000000"; GAR
// service-account keys run the JWT grant for an access token presented
// as user "oauth2accesstoken". The exchanges are the very functions the
// connection tests of providers/ecr, providers/acr and providers/gar run,
// registered by those packages: a program that pulls from a cloud
// registry imports its adapter (or providers/all), and this package
// links no cloud SDK itself.
//
// # Cache
//
// Credentials are cached per record and record version, so a record
// updated in the store is exchanged anew once its version is seen
// (Options.Recheck bounds how long a cached credential is served before
// the version is read again). A credential is refreshed once less than
// Options.Margin of its lifetime remains; callers arriving during a
// refresh share one exchange (singleflight). When a refresh fails, the old
// credential is served until it expires, and the refresh is tried again
// once per Options.Recheck window rather than on every call. A credential
// past its expiry is never returned: when its refresh fails after it
// expired, the error is. The cache holds at most Options.MaxEntries credentials, evicting
// the least recently used; [Authorizer.Purge] empties it.
//
// # Matching
//
// [Authorizer.Match] maps an image's registry host and repository to at
// most one record of an org: the record's URL host, or its provider's
// canonical hosts (Docker Hub's docker.io, index.docker.io,
// registry-1.docker.io; ghcr.io; quay.io; the ECR, ACR and GAR host
// shapes). A record whose URL has a path matches only repositories under
// it, and the longest prefix wins. Two records matching equally are an
// [*AmbiguousError]; a host matches exactly, never by suffix, and a
// record reached over plain http must be stored as insecure.
//
// # Errors
//
// Every failure is an [*Error] naming the host or the record (or both)
// and matching one of the sentinels with errors.Is: [ErrInvalidHost],
// [ErrNoMatch], [ErrOpen], [ErrRefused], [ErrUnavailable], [ErrExpired],
// [ErrUnsupported]; or an [*AmbiguousError] ([ErrAmbiguous]) naming the
// host and the records that tie. A caller that gives up waiting gets its
// context's error. No error carries a secret. Nothing here writes to the
// store.
package pull
