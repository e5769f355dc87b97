// Package credentials models container-registry credential payloads as typed,
// validated values whose secrets never reach logs, errors or API responses.
//
// The seven kinds mirror HarborGuard's `credentials` union: [UsernamePassword],
// [UsernamePat], [AwsEcr], [GoogleGar], [AzureAcr], [HarborRobot] and
// [JfrogIdentityToken]. Every secret field is a [Secret].
//
// # Parsing
//
// The API's JSON carries no discriminator, so [Parse] infers the kind from
// the exact set of fields present and refuses ambiguity, unknown fields,
// oversize input and malformed values. [ParseAs] parses a known kind.
//
// # Validation
//
// Each kind's Validate knows the provider's real formats (AWS key IDs and
// regions, Azure GUIDs, Harbor robot names, Google service-account key
// files whose private_key must parse) and caps every field's length.
// Parse and ParseAs validate what they return.
//
// # Sealing
//
// The vault seals a credential in a canonical, versioned binary encoding
// that is deliberately not part of this package's API: it would hand out
// every secret without a [Secret.Reveal] call. The vault reaches it
// through an internal package, which reads each secret with Reveal.
//
// # Views
//
// [Describe] returns a [View]: the kind and non-secret identifiers a GET
// response may show. Credentials themselves are never returned by GET.
// [DescribeValid] also returns the validation error.
//
// # Errors
//
// Every error is a *[FieldError] (or wraps one) naming the field, never its
// value, and matches one of the sentinels with errors.Is.
package credentials

// Kind names a credential payload shape.
type Kind string

// The credential kinds, spelled as in the HarborGuard API.
const (
	KindUsernamePassword   Kind = "UsernamePassword"
	KindUsernamePat        Kind = "UsernamePat"
	KindAwsEcr             Kind = "AwsEcr"
	KindGoogleGar          Kind = "GoogleGar"
	KindAzureAcr           Kind = "AzureAcr"
	KindHarborRobot        Kind = "HarborRobot"
	KindJfrogIdentityToken Kind = "JfrogIdentityToken"
)

// Kinds lists every kind in a stable order.
func Kinds() []Kind {
	return []Kind{KindUsernamePassword, KindUsernamePat, KindAwsEcr, KindGoogleGar,
		KindAzureAcr, KindHarborRobot, KindJfrogIdentityToken}
}

// A Credential is one typed credential payload. The interface is sealed: only
// the types in this package implement it.
type Credential interface {
	// Kind reports the payload's kind.
	Kind() Kind
	// Validate checks every field against the provider's real formats and
	// returns a *FieldError naming the first bad field.
	Validate() error
	sealed()
}

// UsernamePassword is a registry login with a password.
type UsernamePassword struct {
	Username string `json:"username"`
	Password Secret `json:"password"`
}

// UsernamePat is a registry login with a personal access token (GHCR
// `ghp_…`, Docker Hub `dckr_pat_…`, GitLab `glpat-…`, deploy tokens).
type UsernamePat struct {
	Username string `json:"username"`
	Pat      Secret `json:"pat"`
}

// AwsEcr is an IAM access key for Amazon ECR, optionally assuming a role.
type AwsEcr struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey Secret `json:"secretAccessKey"`
	SessionToken    Secret `json:"sessionToken,omitempty"`
	Region          string `json:"region"`
	RoleArn         string `json:"roleArn,omitempty"`
	// ExternalID is the sts:ExternalId the role's trust policy requires.
	// It is confidential, so it is a Secret and no View shows it. AWS does
	// not call it a secret key, but STS documents it as a value (any
	// string, such as a passphrase) that limits who can assume the role to
	// "someone with the ID", and here the tenant supplies it along with
	// the role ARN: anyone who reads both could make a service holding
	// access to the role act as that tenant (the confused deputy the ID
	// exists to prevent). HarborGuard returns no credential field on GET.
	ExternalID Secret `json:"externalId,omitempty"`
}

// GoogleGar is a Google service-account JSON key file for Artifact Registry.
// The whole key file is secret (it holds private_key).
type GoogleGar struct {
	ServiceAccountKey Secret `json:"serviceAccountKey"`
}

// AzureAcr is an Azure AD service principal for Azure Container Registry.
type AzureAcr struct {
	TenantID     string `json:"tenantId"`
	ClientID     string `json:"clientId"`
	ClientSecret Secret `json:"clientSecret"`
}

// HarborRobot is a Harbor robot account (`robot$name` or
// `robot$project+name`) and its secret.
type HarborRobot struct {
	RobotName string `json:"robotName"`
	Secret    Secret `json:"secret"`
}

// JfrogIdentityToken is a JFrog user and identity (or reference) token.
type JfrogIdentityToken struct {
	Username      string `json:"username"`
	IdentityToken Secret `json:"identityToken"`
}

// Kind implements Credential.
func (UsernamePassword) Kind() Kind { return KindUsernamePassword }

// Kind implements Credential.
func (UsernamePat) Kind() Kind { return KindUsernamePat }

// Kind implements Credential.
func (AwsEcr) Kind() Kind { return KindAwsEcr }

// Kind implements Credential.
func (GoogleGar) Kind() Kind { return KindGoogleGar }

// Kind implements Credential.
func (AzureAcr) Kind() Kind { return KindAzureAcr }

// Kind implements Credential.
func (HarborRobot) Kind() Kind { return KindHarborRobot }

// Kind implements Credential.
func (JfrogIdentityToken) Kind() Kind { return KindJfrogIdentityToken }

func (UsernamePassword) sealed()   {}
func (UsernamePat) sealed()        {}
func (AwsEcr) sealed()             {}
func (GoogleGar) sealed()          {}
func (AzureAcr) sealed()           {}
func (HarborRobot) sealed()        {}
func (JfrogIdentityToken) sealed() {}
