package pull

import (
	"errors"
	"strings"

	"github.com/credvault/credvault/internal/registry"
	"github.com/credvault/credvault/vault"
)

// The sentinels an *Error matches.
var (
	// ErrNoMatch: no record of the org serves the host.
	ErrNoMatch = errors.New("pull: no record serves this registry host")
	// ErrInvalidHost: the registry host or server URL does not parse.
	ErrInvalidHost = errors.New("pull: invalid registry host")
	// ErrAmbiguous: two records serve the host equally well.
	ErrAmbiguous = errors.New("pull: more than one record serves this registry host")
	// ErrOpen: the record could not be read or opened (missing, corrupt,
	// KEK refused); the vault's own sentinel is wrapped too.
	ErrOpen = errors.New("pull: record cannot be opened")
	// ErrRefused: the provider refused the stored credential.
	ErrRefused = errors.New("pull: provider refused the credential")
	// ErrUnavailable: the provider could not be reached or failed
	// (outage, timeout, rate limit, protocol error).
	ErrUnavailable = errors.New("pull: provider unavailable")
	// ErrExpired: the cached credential expired and its refresh failed;
	// the refresh's own error is wrapped too.
	ErrExpired = errors.New("pull: credential expired and could not be refreshed")
	// ErrUnsupported: the record cannot be exchanged: no exchange is
	// linked for its provider (import its adapter, e.g. providers/ecr),
	// or its target or credential is one the exchange cannot use.
	ErrUnsupported = errors.New("pull: no exchange for this record")
)

// An Error is a failure to authorize a pull. It names the host or record
// and never carries a secret.
type Error struct {
	// Host is the registry host asked for, when there was one.
	Host string
	// Record is the record concerned, "org/registry", when there was one.
	Record string
	// Status is the provider's status (providers.Status spelling) for
	// a refused or failed exchange, "" otherwise.
	Status string
	// Message explains the failure for a human.
	Message string
	// Err is the sentinel and any cause.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pull")
	if e.Host != "" {
		b.WriteString(" from " + e.Host)
	}
	if e.Record != "" {
		b.WriteString(" (record " + e.Record + ")")
	}
	b.WriteString(": " + e.Message)
	return b.String()
}

// Unwrap returns the sentinel and cause.
func (e *Error) Unwrap() error { return e.Err }

// An AmbiguousError is ErrAmbiguous with the records that tie.
type AmbiguousError struct {
	Host    string
	Records []string // "org/registry" of each record that matched equally
}

func (e *AmbiguousError) Error() string {
	return "pull from " + e.Host + ": records " + strings.Join(e.Records, ", ") +
		" serve this host equally well; store one, or give them distinct repository paths"
}

// Is reports ErrAmbiguous.
func (e *AmbiguousError) Is(target error) bool { return target == ErrAmbiguous }

// openErr is the failure to read or open record k.
func openErr(k vault.Key, err error) error {
	msg := "the record cannot be opened"
	if errors.Is(err, vault.ErrNotFound) {
		msg = "the record does not exist"
	}
	return &Error{Record: k.String(), Message: msg, Err: errors.Join(ErrOpen, err)}
}

// resultErr is a failed exchange with the registry at host: refused,
// unusable, or unavailable.
func resultErr(k vault.Key, host string, r registry.Result) error {
	sentinel := ErrUnavailable
	switch r.Status {
	case registry.StatusAuthFailed, registry.StatusForbidden, registry.StatusNotFound:
		sentinel = ErrRefused
	case registry.StatusInvalidConfig:
		sentinel = ErrUnsupported
	}
	return &Error{Record: k.String(), Host: host, Status: string(r.Status), Message: r.Message, Err: sentinel}
}
