package pull

import (
	"errors"
	"strings"
)

// The sentinels an *Error matches.
var (
	// ErrNoMatch: no record of the org serves the host.
	ErrNoMatch = errors.New("pull: no record serves this registry host")
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
	// ErrUnsupported: the record's provider or kind has no exchange
	// linked (import its adapter, e.g. providers/ecr) or none at all.
	ErrUnsupported = errors.New("pull: no exchange for this record")
)

var errNotImplemented = errors.New("pull: not implemented yet")

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
