// Package providers is the table of container-registry providers credvault
// knows, and the validation of a registry target (provider, URL, insecure
// flag) together with the credential stored for it.
//
// # Providers
//
// The twelve providers of HarborGuard's registries API ([DockerHub] through
// [Custom]) keep their API spelling, so a [Provider] round-trips through
// JSON unchanged. Two more serve the Harness Artifact Registry and Buildkite
// Packages APIs: [HarnessAR] ("HARNESS_AR") and [Buildkite]
// ("BUILDKITE_PACKAGES"). [Lookup] and [All] describe each one: its default
// URL, whether a URL is required (exactly HarborGuard's list: DOCKER_REGISTRY,
// HARBOR, JFROG, NEXUS, GITLAB, CUSTOM), the credential kinds it accepts and
// whether it may be used anonymously.
//
// # Validation
//
// [Target.Validate] (and the shorthand [Validate]) checks a target's URL
// (https only unless Insecure; no credentials, query or fragment in it; the
// provider's fixed hosts where it has them), that the credential's kind is
// one the provider accepts, and the credential itself.
//
// Validation is syntactic. Whether the URL's host resolves to an address the
// caller may reach (the SSRF guard) is decided at connection time by
// internal/safehttp, with the caller's policy, because only the dial sees
// the address actually used.
//
// # Test connection
//
// [TestConnection] checks a target with a credential by speaking the
// provider's real protocol (the v2 challenge and token exchange, Harbor's
// /service/token, JFrog's docker realm, the Harness and Buildkite APIs;
// ECR, ACR and GAR in the providers/ecr, providers/acr and providers/gar
// packages, which a program links by importing them or providers/all) and
// returns a typed [Result]: a [Status], the endpoint, the latency in
// milliseconds, the round trips actually sent, the provider's own error
// code and a message that never carries a secret. A Result says what was
// not proven: a registry open to anonymous requests is [StatusUnverified]
// (the credentials were not checked), Result.InsecureTLS marks a check
// without certificate verification and Result.IdentityOnly one that
// reached no registry. Options.Timeout is the whole check's budget. Every request goes through one safe HTTP client
// (internal/safehttp): loopback, private, link-local, metadata and other
// special addresses are refused at dial time unless [Options] allow them,
// and the same policy covers token realms, token_uri, ECR endpoints and
// redirects, which also drop Authorization across hosts. Package
// providers/stored tests a sealed record using only what was authenticated
// with it (provider, URL, insecure flag, robot prefix and CA bundle).
//
// # Errors
//
// Every error is a *[credentials.FieldError] naming the field ("provider",
// "url", "insecure", "caBundle", "robotPrefix", "credentials" or
// "credentials.<field>") and matching one of the sentinels
// ([ErrUnknownProvider], [ErrURLRequired], [ErrInvalidURL], ...) with
// errors.Is. A credential that fails its own validation matches
// [ErrInvalidCredentials] and the credential's own sentinel
// (credentials.ErrInvalid, ...). No error carries a secret, a URL's
// userinfo, or the raw input.
package providers

import (
	"slices"
	"strings"

	"github.com/credvault/credvault/credentials"
)

// Provider names a registry provider, spelled as in the HarborGuard API
// (an exact, case-sensitive enum).
type Provider string

// The providers. The first twelve are HarborGuard's enum, in its order.
const (
	DockerHub      Provider = "DOCKER_HUB"
	GHCR           Provider = "GHCR"
	AWSECR         Provider = "AWS_ECR"
	AzureACR       Provider = "AZURE_ACR"
	GoogleGAR      Provider = "GOOGLE_GAR"
	GitLab         Provider = "GITLAB"
	Harbor         Provider = "HARBOR"
	JFrog          Provider = "JFROG"
	Quay           Provider = "QUAY"
	Nexus          Provider = "NEXUS"
	DockerRegistry Provider = "DOCKER_REGISTRY"
	Custom         Provider = "CUSTOM"

	// HarnessAR is the Harness Artifact Registry. HarborGuard has no value
	// for it; "HARNESS_AR" follows the enum's SCREAMING_SNAKE style.
	HarnessAR Provider = "HARNESS_AR"
	// Buildkite is Buildkite Packages (its container registries).
	// HarborGuard has no value for it; "BUILDKITE_PACKAGES" follows the
	// enum's style and names the product, not the CI service.
	Buildkite Provider = "BUILDKITE_PACKAGES"
)

// Info describes one provider.
type Info struct {
	// Provider is the enum value.
	Provider Provider
	// Name is a human-readable name.
	Name string
	// DefaultURL is used when a target has no URL. Empty means the endpoint
	// is derived (see Derived) or the URL is required.
	DefaultURL string
	// URLRequired reports whether a target must carry a URL. It follows the
	// HarborGuard API exactly.
	URLRequired bool
	// Derived says how the endpoint is found when a target has no URL and
	// DefaultURL is empty; empty otherwise.
	Derived string
	// Kinds are the credential kinds accepted, the preferred one first.
	Kinds []credentials.Kind
	// Anonymous reports whether a target may carry no credential at all
	// (anonymous pull from a public registry or repository).
	Anonymous bool
}

// Accepts reports whether the provider accepts credentials of kind k.
func (i Info) Accepts(k credentials.Kind) bool { return slices.Contains(i.Kinds, k) }

// Short names for the kinds, used only to keep the table readable.
const (
	kUP    = credentials.KindUsernamePassword
	kPat   = credentials.KindUsernamePat
	kECR   = credentials.KindAwsEcr
	kGAR   = credentials.KindGoogleGar
	kACR   = credentials.KindAzureAcr
	kRobot = credentials.KindHarborRobot
	kJFrog = credentials.KindJfrogIdentityToken
)

// table is the provider table, in All's order. Each entry's comment gives
// the reason for its kinds and URL rules.
var table = []Info{
	// Docker Hub: a password works for accounts without 2FA; 2FA accounts
	// must use a PAT (dckr_pat_…). Public images pull anonymously.
	{Provider: DockerHub, Name: "Docker Hub", DefaultURL: "https://registry-1.docker.io",
		Kinds: []credentials.Kind{kUP, kPat}, Anonymous: true},
	// GHCR: the password is a PAT (read:packages) sent as Basic to the
	// token realm; UsernamePassword is accepted for payloads that carry the
	// PAT under "password". Public packages pull anonymously.
	{Provider: GHCR, Name: "GitHub Container Registry", DefaultURL: "https://ghcr.io",
		Kinds: []credentials.Kind{kPat, kUP}, Anonymous: true},
	// ECR: only IAM keys; docker passwords are 12-hour tokens minted by
	// GetAuthorizationToken and are never stored.
	{Provider: AWSECR, Name: "Amazon Elastic Container Registry",
		Derived: "GetAuthorizationToken in the credential's region returns the proxy endpoint " +
			"https://<account>.dkr.ecr.<region>.amazonaws.com of the calling account",
		Kinds: []credentials.Kind{kECR}},
	// ACR: a service principal (AAD token exchanged at /oauth2/exchange),
	// or the admin user, whose username is the registry name.
	{Provider: AzureACR, Name: "Azure Container Registry",
		Derived: "https://<username>.azurecr.io from the admin user's name; " +
			"a service principal names no registry, so without a URL only its identity (Entra ID sign-in) can be tested",
		Kinds: []credentials.Kind{kACR, kUP}},
	// GAR: only a service-account key (JWT grant, or _json_key Basic).
	{Provider: GoogleGAR, Name: "Google Artifact Registry",
		Derived: "none: the repository's location (<region>-docker.pkg.dev) is not in the key, " +
			"so without a URL only the key itself (JWT grant at its token_uri) can be tested",
		Kinds: []credentials.Kind{kGAR}},
	// GitLab: PAT or deploy token (read_registry) at the /jwt/auth realm;
	// a password works only without 2FA. HarborGuard requires the URL even
	// for gitlab.com (registry.gitlab.com), since most instances are
	// self-hosted.
	{Provider: GitLab, Name: "GitLab Container Registry", URLRequired: true,
		Kinds: []credentials.Kind{kPat, kUP}},
	// Harbor: robot accounts (robot$name) are the intended machine
	// credential; a user login also works.
	{Provider: Harbor, Name: "Harbor", URLRequired: true,
		Kinds: []credentials.Kind{kRobot, kUP}},
	// JFrog: an identity or reference token; a user password also works
	// where the instance still allows it.
	{Provider: JFrog, Name: "JFrog Artifactory", URLRequired: true,
		Kinds: []credentials.Kind{kJFrog, kUP}},
	// Quay: robot accounts (org+robot) carry their token as a password;
	// UsernamePat covers OAuth application tokens (user "$oauthtoken").
	{Provider: Quay, Name: "Quay.io", DefaultURL: "https://quay.io",
		Kinds: []credentials.Kind{kUP, kPat}, Anonymous: true},
	// Nexus: Basic auth with a local or LDAP user (user tokens are a
	// username/password pair too). Anonymous pull is a repository option.
	{Provider: Nexus, Name: "Sonatype Nexus Repository", URLRequired: true,
		Kinds: []credentials.Kind{kUP}, Anonymous: true},
	// Any registry v2: Basic or token auth with a password or a token.
	{Provider: DockerRegistry, Name: "Docker Registry (v2)", URLRequired: true,
		Kinds: []credentials.Kind{kUP, kPat}, Anonymous: true},
	{Provider: Custom, Name: "Custom registry", URLRequired: true,
		Kinds: []credentials.Kind{kUP, kPat}, Anonymous: true},
	// Harness: username is the account email (PAT) or "_token" (service
	// account token), password the token. The SaaS host is unverified: it
	// comes from Harness's "Set up client" page as reported, not from a spec.
	{Provider: HarnessAR, Name: "Harness Artifact Registry", DefaultURL: "https://pkg.harness.io",
		Kinds: []credentials.Kind{kPat, kUP}},
	// Buildkite: docker login username "buildkite", password an API or
	// registry token; images live under /<org>/<registry>/.
	{Provider: Buildkite, Name: "Buildkite Packages", DefaultURL: "https://packages.buildkite.com",
		Kinds: []credentials.Kind{kPat, kUP}},
}

// Lookup returns the description of p. The Info is a copy: changing it does
// not change the table.
func Lookup(p Provider) (Info, bool) {
	i, ok := lookup(p)
	return i.clone(), ok
}

// lookup returns p's table entry itself, for readers that change nothing
// (validation runs on every seal: a copy of Kinds each time is waste).
func lookup(p Provider) (Info, bool) {
	for _, i := range table {
		if i.Provider == p {
			return i, true
		}
	}
	return Info{}, false
}

// All returns every provider, HarborGuard's twelve in API order followed by
// HarnessAR and Buildkite. The slice and its Infos are copies.
func All() []Info {
	out := make([]Info, len(table))
	for n, i := range table {
		out[n] = i.clone()
	}
	return out
}

// Valid reports whether p is a known provider.
func (p Provider) Valid() bool {
	_, ok := Lookup(p)
	return ok
}

// ParseProvider returns the provider spelled exactly s (case-sensitive, as
// the API's enum). An unknown value fails with a *credentials.FieldError
// for field "provider" matching ErrUnknownProvider, listing the valid
// names; the error does not repeat s.
func ParseProvider(s string) (Provider, error) {
	p := Provider(s)
	if !p.Valid() {
		return "", unknownProvider()
	}
	return p, nil
}

// unknownProvider is the error for a provider not in the table: it lists
// the valid names (never the input).
func unknownProvider() error {
	names := make([]string, len(table))
	for n, i := range table {
		names[n] = string(i.Provider)
	}
	return fieldErr("provider", ErrUnknownProvider, "not one of the supported providers ("+strings.Join(names, ", ")+")")
}

func (i Info) clone() Info {
	i.Kinds = slices.Clone(i.Kinds)
	return i
}
