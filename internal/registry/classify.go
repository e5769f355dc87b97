package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/credvault/credvault/internal/clip"
	"github.com/credvault/credvault/internal/safehttp"
)

// maxBody caps how much of any response is read, and of an error body
// parsed.
const maxBody = 64 << 10

// maxCode caps a provider error code copied into a Result.
const maxCode = 64

// errorResult classifies a failed request to endpoint: a refusal by the
// address policy or any network error is StatusUnreachable (a refused
// connection is never healthy), certificate and handshake failures are
// StatusTLSError, deadlines are StatusTimeout.
func (s *Session) errorResult(err error, endpoint string) Result {
	st, msg := s.TransportStatus(err)
	return Result{Status: st, Endpoint: endpoint, Message: msg}
}

// TransportStatus classifies an error from the safe client (no response),
// an SDK's included: the status and a message whose quoted error text
// (which can hold what a server sent, as a Location header) is scrubbed
// like provider text (see Session.Redact).
func (s *Session) TransportStatus(err error) (Status, string) {
	var blocked *safehttp.BlockedError
	switch {
	case errors.As(err, &blocked):
		return StatusUnreachable, "blocked by address policy: " + blocked.Reason + admitHint(blocked)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return StatusTimeout, "timed out: " + s.innermost(err)
	case errors.Is(err, context.Canceled):
		return StatusTimeout, "canceled"
	case isTLSError(err):
		return StatusTLSError, "TLS: " + s.innermost(err)
	case errors.Is(err, safehttp.ErrInvalidURL):
		return StatusInvalidConfig, s.innermost(err)
	case errors.Is(err, safehttp.ErrInsecureRedirect), errors.Is(err, safehttp.ErrTooManyRedirects),
		errors.Is(err, safehttp.ErrBodyTooLarge):
		return StatusProviderError, s.innermost(err)
	}
	return StatusUnreachable, "unreachable: " + s.innermost(err)
}

// admitHint names the refused address and the option that admits it, in
// the library (providers.Options) and in the CLI.
func admitHint(b *safehttp.BlockedError) string {
	a := b.Addr.WithZone("").Unmap()
	switch b.Admission() {
	case safehttp.AdmitLoopback:
		return " (" + a.String() + "); Options.AllowLoopback (CLI -allow-loopback) admits it"
	case safehttp.AdmitPrivate:
		return " (" + a.String() + "); an Options.AllowPrivate prefix covering it (CLI -allow-private " +
			netip.PrefixFrom(a, a.BitLen()).String() + ") admits it"
	case safehttp.AdmitExact:
		return " (" + a.String() + "); only an Options.AllowPrivate prefix naming exactly this address (CLI -allow-private " +
			netip.PrefixFrom(a, a.BitLen()).String() + ") admits it"
	}
	return "; no option admits it"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLSError(err error) bool {
	var (
		unknown   x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		hostname  x509.HostnameError
		verify    *tls.CertificateVerificationError
		record    tls.RecordHeaderError
		alert     tls.AlertError
		constrain x509.ConstraintViolationError
	)
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &hostname) ||
		errors.As(err, &verify) || errors.As(err, &record) || errors.As(err, &alert) ||
		errors.As(err, &constrain) || strings.Contains(err.Error(), "tls: ")
}

// maxErrText caps an error's text in a message.
const maxErrText = 300

// innermost is the text of err without the *url.Error wrapping, which
// repeats the method and URL, scrubbed and clipped.
func (s *Session) innermost(err error) string {
	var ue *url.Error
	for errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return s.quote(err.Error(), maxErrText)
}

// StatusFor maps an HTTP status code to a Status: 401 auth_failed, 403
// forbidden, 404 not_found, 429 rate_limited, 5xx provider_error; any
// other non-2xx code is provider_error too.
func StatusFor(code int) Status {
	switch {
	case code >= 200 && code < 300:
		return StatusHealthy
	case code == http.StatusUnauthorized:
		return StatusAuthFailed
	case code == http.StatusForbidden:
		return StatusForbidden
	case code == http.StatusNotFound:
		return StatusNotFound
	case code == http.StatusTooManyRequests:
		return StatusRateLimited
	}
	return StatusProviderError
}

// responseResult classifies a non-2xx response from endpoint: the status
// from its HTTP code, and the provider's code and message from its body
// (distribution's {"errors":[{"code","message"}]}, Docker Hub's
// {"detail"} and its token server's {"details"}, Harness's
// {"code","message"}), both scrubbed before they are clipped (see
// Session.Redact): a hostile server may echo the token it received, even
// as its error code. what says who answered ("token server refused the
// credentials").
func (s *Session) responseResult(code int, body []byte, endpoint, what string) Result {
	pc, pm := parseErrorBody(body)
	msg := what + ": HTTP " + strconv.Itoa(code)
	if pm != "" {
		msg += ": " + s.Redact(pm)
	}
	return Result{Status: StatusFor(code), Endpoint: endpoint, ProviderCode: s.RedactCode(pc), Message: msg}
}

// errorBody covers the error shapes registries send.
type errorBody struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
	Detail  any    `json:"detail"`
	Details any    `json:"details"`
	Code    any    `json:"code"`
	Message string `json:"message"`
	Error   string `json:"error"`
}

// ParseErrorBody extracts the provider's error code and message from an
// error response body, or returns empty strings. Both are cleaned of
// control characters and capped.
func ParseErrorBody(body []byte) (code, message string) {
	code, message = parseErrorBody(body)
	return clip.Clip(code, maxCode), clip.Clip(message, MaxProviderText)
}

// parseErrorBody is ParseErrorBody without the cleaning and caps, for a
// caller that scrubs the text first. The JSON string decoding it does
// loses nothing of a secret (valid UTF-8).
func parseErrorBody(body []byte) (code, message string) {
	if len(body) > maxBody {
		body = body[:maxBody]
	}
	var b errorBody
	if json.Unmarshal(body, &b) != nil {
		return "", ""
	}
	switch {
	case len(b.Errors) > 0:
		code, message = b.Errors[0].Code, b.Errors[0].Message
	case b.Message != "":
		code, message = scalar(b.Code), b.Message
	default:
		message = scalar(b.Detail)
		if message == "" {
			message = scalar(b.Details)
		}
		if message == "" {
			message = b.Error
		}
	}
	return code, message
}

// scalar renders a JSON string or number; anything else is "".
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}
