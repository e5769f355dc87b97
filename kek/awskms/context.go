package awskms

import (
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
	maxLabelValue = kek.MaxRegistrySize // every registry name must fit
)

// encryptionContext builds the KMS EncryptionContext for aad: the
// SHA-256 of aad.Data under "credvault:aad", and each label under
// "credvault:<name>". Records sealed when labels came from the context
// have the same entries, so they keep opening.
func encryptionContext(aad kek.AAD) (map[string]string, error) {
	if len(aad.Labels) > maxLabels {
		return nil, invalid("EncryptionContext", "more than %d labels", maxLabels)
	}
	sum := sha256.Sum256(aad.Data)
	ec := make(map[string]string, 1+len(aad.Labels))
	ec[aadContextKey] = base64.RawURLEncoding.EncodeToString(sum[:])
	for _, l := range aad.Labels {
		if err := checkLabel(l.Name, l.Value); err != nil {
			return nil, err
		}
		if _, dup := ec[contextPrefix+l.Name]; dup {
			return nil, invalid("EncryptionContext", "label %q given twice", l.Name)
		}
		ec[contextPrefix+l.Name] = l.Value
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
