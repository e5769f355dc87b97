package credentials

import "errors"

// Sentinels matched with errors.Is. Every error from this package wraps one.
var (
	// ErrInvalid: a field's value is malformed or out of range.
	ErrInvalid = errors.New("credentials: invalid value")
	// ErrMissing: a required field is absent or empty.
	ErrMissing = errors.New("credentials: missing field")
	// ErrUnknownField: the input carries a field no kind defines.
	ErrUnknownField = errors.New("credentials: unknown field")
	// ErrAmbiguous: the field set matches more than one kind, or none.
	ErrAmbiguous = errors.New("credentials: cannot infer kind")
	// ErrTooLarge: the input exceeds MaxInputSize or a field its cap.
	ErrTooLarge = errors.New("credentials: input too large")
	// ErrMalformed: the input is not well-formed JSON or encoding.
	ErrMalformed = errors.New("credentials: malformed input")
	// ErrUnsupportedVersion: a sealed encoding of an unknown version.
	ErrUnsupportedVersion = errors.New("credentials: unsupported encoding version")
	// ErrUnknownKind: a Kind (or sealed kind code) this package does not define.
	ErrUnknownKind = errors.New("credentials: unknown kind")
)

// A FieldError reports what is wrong with one field. It names the field and
// never carries the field's value.
type FieldError struct {
	Field  string // JSON name, e.g. "accessKeyId" or "serviceAccountKey.token_uri"
	Reason string // human-readable, free of secrets
	Err    error  // one of the sentinels above
}

// Error implements error as "<sentinel>: <field>: <reason>".
func (e *FieldError) Error() string {
	prefix := "credentials: error"
	if e.Err != nil {
		prefix = e.Err.Error()
	}
	if e.Field == "" {
		return prefix + ": " + e.Reason
	}
	return prefix + ": " + e.Field + ": " + e.Reason
}

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field string, sentinel error, reason string) error {
	return &FieldError{Field: field, Reason: reason, Err: sentinel}
}
