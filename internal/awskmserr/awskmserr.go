// Package awskmserr maps AWS KMS error codes to kek sentinels for the two
// KEKs that reach AWS KMS: kek/awskms through the SDK, and kek/gocloud
// through gocloud's awskms driver, which leaves most codes unclassified.
package awskmserr

import (
	"errors"

	"github.com/aws/smithy-go"

	"github.com/credvault/credvault/kek"
)

// kinds maps the KMS error codes with a fixed meaning. Access denial and
// throttling are not in the KMS model, so every code is matched as text.
var kinds = map[string]error{
	"NotFoundException":                   kek.ErrKeyNotFound,
	"DisabledException":                   kek.ErrKeyDisabled,
	"KMSInvalidStateException":            kek.ErrKeyDisabled,
	"InvalidCiphertextException":          kek.ErrUnwrap,
	"IncorrectKeyException":               kek.ErrUnwrap,
	"InvalidKeyUsageException":            kek.ErrInvalidInput,
	"InvalidArnException":                 kek.ErrInvalidInput,
	"ValidationException":                 kek.ErrInvalidInput,
	"AccessDeniedException":               kek.ErrAccessDenied,
	"UnrecognizedClientException":         kek.ErrAccessDenied,
	"InvalidSignatureException":           kek.ErrAccessDenied,
	"IncompleteSignatureException":        kek.ErrAccessDenied,
	"MissingAuthenticationTokenException": kek.ErrAccessDenied,
	"ExpiredTokenException":               kek.ErrAccessDenied,
	"InvalidClientTokenId":                kek.ErrAccessDenied,
	"InvalidGrantTokenException":          kek.ErrAccessDenied,
}

// Kind returns the kek sentinel err's AWS KMS error code stands for, or
// nil when err carries no code or one without a fixed meaning (throttling
// after retries, KMSInternalException, DependencyTimeoutException,
// KeyUnavailableException): callers report those as kek.ErrUnavailable.
func Kind(err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return nil
	}
	return kinds[ae.ErrorCode()]
}
