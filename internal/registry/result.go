package registry

// Status is the outcome of a check; providers.Status is its public form,
// to which TestConnection converts it.
type Status string

// The statuses, spelled exactly as providers.Status's constants (a test
// in providers checks each pair).
const (
	StatusHealthy       Status = "healthy"
	StatusAuthFailed    Status = "auth_failed"
	StatusForbidden     Status = "forbidden"
	StatusNotFound      Status = "not_found"
	StatusRateLimited   Status = "rate_limited"
	StatusTLSError      Status = "tls_error"
	StatusUnreachable   Status = "unreachable"
	StatusTimeout       Status = "timeout"
	StatusInvalidConfig Status = "invalid_config"
	StatusProviderError Status = "provider_error"
	StatusUnverified    Status = "unverified"
)

// A Result is what a Checker found: providers.Result without the latency
// and round trips, which the caller measures. Message never contains a
// secret.
type Result struct {
	Status Status
	// Endpoint is the URL checked last, without credentials or query.
	Endpoint string
	// ProviderCode is the provider's own error code, when it sent one.
	ProviderCode string
	// Authenticated reports that the credentials were proved.
	Authenticated bool
	// IdentityOnly reports that only the credential's cloud identity was
	// checked: the target names no registry, so none was reached.
	IdentityOnly bool
	// Message explains the status for a human.
	Message string
}

// Healthy reports whether the status is StatusHealthy.
func (r Result) Healthy() bool { return r.Status == StatusHealthy }

// Invalid is a StatusInvalidConfig Result: a target or credential a
// checker cannot use, found before any request.
func Invalid(msg string) Result {
	return Result{Status: StatusInvalidConfig, Message: msg}
}
