package awskms

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/credvault/credvault/kek"
)

// Encryption context keys.
const (
	contextPrefix = "credvault:"
	aadContextKey = contextPrefix + "aad"
	maxLabels     = 8
	maxLabelKey   = 64
	maxLabelValue = 512 // vault.MaxRegistrySize: every registry name must fit
)

// encryptionContext builds the KMS EncryptionContext for aad and the
// labels attached to ctx with kek.WithLabels.
func encryptionContext(ctx context.Context, aad []byte) (map[string]string, error) {
	sum := sha256.Sum256(aad)
	ec := map[string]string{aadContextKey: base64.RawURLEncoding.EncodeToString(sum[:])}
	labels := kek.Labels(ctx)
	if len(labels) > maxLabels {
		return nil, invalid("EncryptionContext", "more than %d labels", maxLabels)
	}
	for name, value := range labels {
		if err := checkLabel(name, value); err != nil {
			return nil, err
		}
		ec[contextPrefix+name] = value
	}
	return ec, nil
}

// checkLabel accepts label names of [a-z0-9_.-]{1,64} other than "aad" and
// values of at most 512 bytes.
func checkLabel(name, value string) error {
	if name == "" || len(name) > maxLabelKey || name == "aad" || len(value) > maxLabelValue {
		return invalid("EncryptionContext", "label name or value out of bounds")
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return invalid("EncryptionContext", "label name %q has characters outside [a-z0-9_.-]", name)
		}
	}
	return nil
}

// invalid returns an *Error matching kek.ErrInvalidInput.
func invalid(op, format string, args ...any) error {
	return &Error{Op: op, kind: kek.ErrInvalidInput, Err: fmt.Errorf(format, args...)}
}
