package kmsemu

import (
	"fmt"
	"net/http"
)

// Exception names the emulator returns in the "__type" field. They are the
// names real AWS KMS uses (verified against the aws-sdk-go-v2 kms response
// snapshots and the AWS common-errors reference).
const (
	ExNotFound          = "NotFoundException"
	ExDisabled          = "DisabledException"
	ExInvalidState      = "KMSInvalidStateException"
	ExInvalidCiphertext = "InvalidCiphertextException"
	ExIncorrectKey      = "IncorrectKeyException"
	ExAccessDenied      = "AccessDeniedException"
	ExThrottling        = "ThrottlingException"
	ExInvalidKeyUsage   = "InvalidKeyUsageException"
	ExValidation        = "ValidationException"
	ExDependencyTimeout = "DependencyTimeoutException"
	ExInternal          = "KMSInternalException"
	ExSerialization     = "SerializationException"
	ExUnknownOperation  = "UnknownOperationException"
	ExMissingAuth       = "MissingAuthenticationTokenException"
	ExIncompleteSig     = "IncompleteSignatureException"
	ExInvalidSignature  = "InvalidSignatureException"
	ExAlreadyExists     = "AlreadyExistsException"
	ExInvalidAliasName  = "InvalidAliasNameException"
)

// An apiError is an error response: an exception name, a message and the
// HTTP status it travels with.
type apiError struct {
	typ    string
	msg    string
	status int
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

// newErr builds an apiError with the status real KMS uses for typ.
func newErr(typ, format string, args ...any) *apiError {
	return &apiError{typ: typ, msg: fmt.Sprintf(format, args...), status: statusFor(typ)}
}

// statusFor reports the HTTP status for an exception name.
func statusFor(typ string) int {
	switch typ {
	case ExInternal:
		return http.StatusInternalServerError
	case ExDependencyTimeout:
		return http.StatusServiceUnavailable
	case ExMissingAuth:
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}
