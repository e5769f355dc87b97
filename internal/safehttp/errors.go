package safehttp

import (
	"errors"
	"net/netip"
	"strconv"
)

// Sentinels matched with errors.Is.
var (
	// ErrBlocked: the guard refused an address or host. The error is a
	// *BlockedError.
	ErrBlocked = errors.New("safehttp: destination blocked")
	// ErrInvalidURL: the URL cannot be requested (scheme other than http or
	// https, no host, userinfo, bad port).
	ErrInvalidURL = errors.New("safehttp: invalid url")
	// ErrTooManyRedirects: more than MaxRedirects hops.
	ErrTooManyRedirects = errors.New("safehttp: too many redirects")
	// ErrInsecureRedirect: a redirect from https to http, or one that would
	// replay a request body to another host.
	ErrInsecureRedirect = errors.New("safehttp: unsafe redirect (https to http, or a request body to another host)")
	// ErrBodyTooLarge: a response body exceeded its cap.
	ErrBodyTooLarge = errors.New("safehttp: response body too large")
	// ErrNoAddresses: the host resolved to no address.
	ErrNoAddresses = errors.New("safehttp: host has no addresses")
)

// A BlockedError reports a refused destination. It carries the host as
// requested (never userinfo) and the address that was refused, which is
// the zero Addr when the host name itself was refused.
type BlockedError struct {
	Addr   netip.Addr
	Host   string
	Reason string // e.g. "loopback", "private", "cloud metadata"
}

// Error names the reason, the quoted host and the refused address.
func (e *BlockedError) Error() string {
	s := ErrBlocked.Error() + ": " + e.Reason
	if e.Host != "" {
		s += ": host " + strconv.Quote(e.Host)
	}
	if e.Addr.IsValid() {
		s += " address " + e.Addr.String()
	}
	return s
}

// Unwrap returns ErrBlocked.
func (e *BlockedError) Unwrap() error { return ErrBlocked }

// An Admission says how a Policy could admit an address it refused.
type Admission int

// The admissions.
const (
	AdmitNever    Admission = iota // no Policy admits it
	AdmitLoopback                  // AllowLoopback (or an AllowPrivate prefix covering it)
	AdmitPrivate                   // an AllowPrivate prefix covering it
	AdmitExact                     // only an AllowPrivate prefix naming exactly it (cloud metadata)
)

// Admission reports how a Policy could admit the refused address;
// AdmitNever when no Policy can, or when the host name itself was refused.
func (e *BlockedError) Admission() Admission {
	if !e.Addr.IsValid() {
		return AdmitNever
	}
	switch classify(e.Addr).class {
	case classLoopback:
		return AdmitLoopback
	case classRestricted:
		return AdmitPrivate
	case classMetadata:
		return AdmitExact
	}
	return AdmitNever
}
