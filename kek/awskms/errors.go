package awskms

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/credvault/credvault/kek"
)

// An Error is a failed KEK operation. It matches a kek sentinel under
// errors.Is and unwraps to the SDK error (if any) for errors.As. Its
// message never contains key material or DEKs.
type Error struct {
	// Op is the KMS operation, such as "Decrypt".
	Op string
	// Code is the KMS error code ("NotFoundException"), or "" when the call
	// did not get an error response.
	Code string
	// Err is the underlying error.
	Err error

	kind error
}

// Error implements error.
func (e *Error) Error() string {
	msg := "awskms: " + e.Op + ": " + e.kind.Error()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the kek sentinel and the underlying error.
func (e *Error) Unwrap() []error { return []error{e.kind, e.Err} }

// protocolError reports a KMS response that lacks what the call promises.
func protocolError(op string) error {
	return &Error{Op: op, kind: kek.ErrUnavailable, Err: errors.New("malformed KMS response")}
}

// errorKinds maps KMS exceptions to kek sentinels. Modeled exceptions are
// matched with errors.As on the SDK's types; AccessDeniedException and
// throttling are not in the KMS model, so they match by error code.
var errorKinds = []struct {
	match func(error) bool
	kind  error
}{
	{is[*types.NotFoundException], kek.ErrKeyNotFound},
	{is[*types.DisabledException], kek.ErrKeyDisabled},
	{is[*types.KMSInvalidStateException], kek.ErrKeyDisabled},
	{is[*types.InvalidCiphertextException], kek.ErrUnwrap},
	{is[*types.IncorrectKeyException], kek.ErrUnwrap},
	{is[*types.InvalidKeyUsageException], kek.ErrInvalidInput},
	{is[*types.InvalidArnException], kek.ErrInvalidInput},
	{code("ValidationException"), kek.ErrInvalidInput},
	{code("AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
		"IncompleteSignatureException", "MissingAuthenticationTokenException",
		"ExpiredTokenException", "InvalidClientTokenId"), kek.ErrAccessDenied},
}

func is[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func code(codes ...string) func(error) bool {
	return func(err error) bool {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			return false
		}
		for _, c := range codes {
			if ae.ErrorCode() == c {
				return true
			}
		}
		return false
	}
}

// mapError classifies an SDK error. Anything not recognised (throttling
// after retries, KMSInternalException, DependencyTimeoutException,
// KeyUnavailableException, transport failures, cancellation) is
// kek.ErrUnavailable.
func mapError(op string, err error) error {
	e := &Error{Op: op, Err: err, kind: kek.ErrUnavailable}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return e
	}
	for _, k := range errorKinds {
		if k.match(err) {
			e.kind = k.kind
			break
		}
	}
	return e
}
