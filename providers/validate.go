package providers

import (
	"crypto/x509"
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/registry"
)

// Sentinels matched with errors.Is. Every error from this package is a
// *credentials.FieldError wrapping exactly one of them.
var (
	// ErrUnknownProvider: the provider is not in the table.
	ErrUnknownProvider = errors.New("providers: unknown provider")
	// ErrURLRequired: the provider needs a URL.
	ErrURLRequired = errors.New("providers: url required")
	// ErrInvalidURL: the URL is malformed, too long, carries a query or
	// fragment, or names a host the provider does not serve.
	ErrInvalidURL = errors.New("providers: invalid url")
	// ErrInsecureURL: an http:// URL on a target not marked Insecure.
	ErrInsecureURL = errors.New("providers: plain http requires insecure")
	// ErrInsecureNotAllowed: Insecure or a CA bundle set for a provider
	// served on its vendor's public hosts.
	ErrInsecureNotAllowed = errors.New("providers: insecure or a private CA is not allowed for this provider")
	// ErrURLCredentials: the URL carries userinfo; credentials belong in
	// the credentials field, where they are sealed.
	ErrURLCredentials = errors.New("providers: credentials in url")
	// ErrKindNotAccepted: the provider does not accept the credential's kind.
	ErrKindNotAccepted = errors.New("providers: credential kind not accepted")
	// ErrCredentialsRequired: the provider cannot be used anonymously.
	ErrCredentialsRequired = errors.New("providers: credentials required")
	// ErrInvalidCredentials: the credential failed its own validation; the
	// error also matches the credential's own sentinel (credentials.ErrInvalid,
	// ...) with errors.Is, and its Field is "credentials.<json name>".
	ErrInvalidCredentials = errors.New("providers: invalid credentials")
)

// MaxURLLength caps a target URL, in bytes.
const MaxURLLength = 2048

// fieldErr is the error for one field of a target: a
// *credentials.FieldError naming the field (never its value) and wrapping
// one of the sentinels above.
func fieldErr(field string, sentinel error, reason string) error {
	return &credentials.FieldError{Field: field, Reason: reason, Err: sentinel}
}

// A Target is where a registry lives: its provider, its URL (empty for the
// provider's default or derived endpoint) and whether plain http and
// unverified certificates are allowed (HarborGuard's "insecure" flag).
type Target struct {
	Provider Provider
	URL      string
	Insecure bool
	// RobotPrefix is the Harbor instance's robot_name_prefix; empty means
	// credentials.DefaultRobotPrefix ("robot$"). Only HARBOR targets with a
	// HarborRobot credential use it: the robot name must start with it.
	RobotPrefix string
	// CABundle is PEM certificates to trust for this registry, beside the
	// system roots (a registry behind a private CA).
	CABundle []byte
}

// Validate is Target{Provider: p, URL: rawURL}.Validate(c): a secure
// (https-only) target.
func Validate(p Provider, rawURL string, c credentials.Credential) error {
	return Target{Provider: p, URL: rawURL}.Validate(c)
}

// Validate checks the target and the credential c meant for it, in order:
// the provider, the URL, then the credential (nil means anonymous). It
// returns the first problem as a *credentials.FieldError.
func (t Target) Validate(c credentials.Credential) error {
	info, ok := lookup(t.Provider)
	if !ok {
		return unknownProvider()
	}
	if err := t.validateURL(info); err != nil {
		return err
	}
	return t.validateCredential(info, c)
}

// hostedProviders run on their vendor's public hosts with public
// certificates: "insecure", plain http or a private CA bundle never makes
// sense for them, and would weaken TLS for their token, identity and API
// hosts too (one session serves them all). Self-hosted registries keep
// both: there the registry chooses its token realm anyway.
var hostedProviders = map[Provider]bool{DockerHub: true, GHCR: true, Quay: true, AWSECR: true,
	AzureACR: true, GoogleGAR: true, HarnessAR: true, Buildkite: true}

func (t Target) validateURL(info Info) error {
	if t.Insecure && hostedProviders[info.Provider] {
		return fieldErr("insecure", ErrInsecureNotAllowed, info.Name+" is served with public certificates; insecure is only for self-hosted registries")
	}
	if len(t.CABundle) > 0 && hostedProviders[info.Provider] {
		return fieldErr("caBundle", ErrInsecureNotAllowed, info.Name+" is served with public certificates; a CA bundle is only for self-hosted registries")
	}
	if len(t.CABundle) > 0 && !x509.NewCertPool().AppendCertsFromPEM(t.CABundle) {
		return fieldErr("caBundle", ErrInvalidURL, "no PEM certificate found")
	}
	if t.URL == "" {
		if info.URLRequired {
			return fieldErr("url", ErrURLRequired, "required for "+string(info.Provider))
		}
		return nil
	}
	u, err := parseURL(t.URL, t.Insecure)
	if err != nil {
		return err
	}
	if host := strings.ToLower(u.Hostname()); fixedHosts[info.Provider] != nil && !fixedHosts[info.Provider](host) {
		return fieldErr("url", ErrInvalidURL, hostReason(info, host))
	}
	return nil
}

// parseURL checks the URL rules every provider shares. It never wraps
// url.Parse's error, which quotes the input (userinfo included).
func parseURL(raw string, insecure bool) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, fieldErr("url", ErrInvalidURL, "longer than "+strconv.Itoa(MaxURLLength)+" bytes")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fieldErr("url", ErrInvalidURL, "not a valid URL")
	}
	if u.User != nil {
		return nil, fieldErr("url", ErrURLCredentials, "userinfo is refused; use the credentials field")
	}
	if err := checkScheme(u, insecure); err != nil {
		return nil, err
	}
	if u.Opaque != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		return nil, fieldErr("url", ErrInvalidURL, "query, fragment or opaque part is refused")
	}
	if err := checkHost(u); err != nil {
		return nil, err
	}
	return u, nil
}

func checkScheme(u *url.URL, insecure bool) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && insecure:
		return nil
	case u.Scheme == "http":
		return fieldErr("url", ErrInsecureURL, "http is allowed only on an insecure target")
	default:
		return fieldErr("url", ErrInvalidURL, "scheme must be https (or http when insecure)")
	}
}

func checkHost(u *url.URL) error {
	host := u.Hostname()
	if host == "" {
		return fieldErr("url", ErrInvalidURL, "host required")
	}
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fieldErr("url", ErrInvalidURL, "port must be 1-65535")
		}
	}
	if strings.HasPrefix(u.Host, "[") {
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() || a.Zone() != "" {
			return fieldErr("url", ErrInvalidURL, "bad IPv6 literal")
		}
		return nil
	}
	if strings.Trim(host, "0123456789.") == "" { // only such hosts can be IPv4: skip ParseAddr's error for names
		if _, err := netip.ParseAddr(host); err == nil {
			return nil
		}
	}
	if !validDNSName(host) {
		return fieldErr("url", ErrInvalidURL, "host is not a valid DNS name or IP address")
	}
	return nil
}

// validDNSName accepts LDH names (IDNs must be in punycode), at most 253
// bytes and 63 per label, whose last label is not numeric: a numeric last
// label means a non-canonical IPv4 form such as 2130706433 or 0177.0.0.1,
// which some resolvers read as an address.
func validDNSName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	var last string
	for rest, more := h, true; more; {
		last, rest, more = strings.Cut(rest, ".")
		if !validLabel(last) {
			return false
		}
	}
	return strings.Trim(last, "0123456789") != "" && !strings.HasPrefix(strings.ToLower(last), "0x")
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// Hosts of the providers that serve from fixed domains. A URL given for
// one of them must name one of its hosts (compared lower-cased).
var (
	// ECR private registries: <12-digit account>.dkr.ecr[-fips].<region>
	// .amazonaws.com[.cn], the dual-stack <account>.dkr-ecr.<region>.on.aws,
	// and ECR Public. The ISO partitions (c2s.ic.gov, sc2s.sgov.gov) are
	// not included.
	ecrHost = regexp.MustCompile(`^[0-9]{12}\.(dkr\.ecr(-fips)?\.[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}\.amazonaws\.com(\.cn)?` +
		`|dkr-ecr\.[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}\.on\.aws)$|^public\.ecr\.aws$`)
	// ACR: <name>.azurecr.io (name 5-50 alphanumerics, optionally the
	// -<hash> domain-name-label suffix, optionally a .<region>.geo replica
	// endpoint), and the sovereign clouds .azurecr.cn and .azurecr.us.
	acrHost = regexp.MustCompile(`^[a-z0-9]{5,50}(-[a-z0-9]{1,16})?(\.[a-z0-9]+\.geo)?\.azurecr\.(io|cn|us)$`)
	// GAR: <location>-docker.pkg.dev, and the gcr.io hosts Artifact
	// Registry now serves.
	garHost = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*-docker\.pkg\.dev$|^((us|eu|asia)\.)?gcr\.io$`)
)

// acrDomain matches every host in ACR's domains, so that a bad registry
// name is told apart from a host that is not ACR's.
var acrDomain = regexp.MustCompile(`\.azurecr\.(io|cn|us)$`)

// hostReason explains why host is not one of the provider's fixed hosts.
func hostReason(info Info, host string) string {
	if info.Provider == AzureACR && acrDomain.MatchString(host) {
		return "an Azure Container Registry name (before .azurecr.*) must be 5-50 letters and digits, " +
			"optionally with a -<hash> domain-name-label suffix"
	}
	return "host is not one of " + info.Name + "'s hosts"
}

var fixedHosts = map[Provider]func(host string) bool{
	DockerHub: oneOf("registry-1.docker.io", "docker.io", "index.docker.io", "registry.hub.docker.com"),
	GHCR:      oneOf("ghcr.io"),
	Quay:      oneOf("quay.io"),
	AWSECR:    ecrHost.MatchString,
	AzureACR:  acrHost.MatchString,
	GoogleGAR: garHost.MatchString,
}

func oneOf(hosts ...string) func(string) bool {
	return func(h string) bool {
		for _, x := range hosts {
			if h == x {
				return true
			}
		}
		return false
	}
}

func (t Target) validateCredential(info Info, c credentials.Credential) error {
	if registry.IsNil(c) {
		if !info.Anonymous {
			return fieldErr("credentials", ErrCredentialsRequired, info.Name+" cannot be used anonymously")
		}
		return nil
	}
	if !info.Accepts(c.Kind()) {
		return fieldErr("credentials", ErrKindNotAccepted, string(c.Kind())+" is not accepted by "+info.Name)
	}
	if err := t.validateKind(c); err != nil {
		return credentialErr(err)
	}
	return nil
}

// validateKind runs the credential's own validation; a Harbor robot is
// checked against the instance's robot prefix.
func (t Target) validateKind(c credentials.Credential) error {
	switch v := c.(type) {
	case credentials.HarborRobot:
		return v.ValidateWithPrefix(t.robotPrefix())
	case *credentials.HarborRobot:
		return v.ValidateWithPrefix(t.robotPrefix())
	}
	return c.Validate()
}

func (t Target) robotPrefix() string {
	if t.RobotPrefix == "" {
		return credentials.DefaultRobotPrefix
	}
	return t.RobotPrefix
}

// credentialErr is the error for a credential that failed its own
// validation: the field is the credential field's path from the target
// ("credentials.<json name>", or "robotPrefix" for the target's own
// prefix), and the error matches ErrInvalidCredentials and everything the
// credential's error matches.
func credentialErr(err error) error {
	field, reason := "credentials", "credential failed validation"
	var fe *credentials.FieldError
	switch {
	case errors.As(err, &fe) && fe.Field == "robotPrefix":
		field, reason = "robotPrefix", fe.Reason
	case fe != nil && fe.Field != "":
		field, reason = field+"."+fe.Field, fe.Reason
	}
	return &credentials.FieldError{Field: field, Reason: reason, Err: invalidCredentials{err}}
}

// invalidCredentials is the Err of a credential's FieldError: it reads as
// ErrInvalidCredentials and unwraps to it and to the credential's own
// error.
type invalidCredentials struct{ cause error }

func (e invalidCredentials) Error() string   { return ErrInvalidCredentials.Error() }
func (e invalidCredentials) Unwrap() []error { return []error{ErrInvalidCredentials, e.cause} }
