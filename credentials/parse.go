package credentials

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxInputSize is the largest JSON document [Parse] and [ParseAs] accept.
const MaxInputSize = 64 << 10

// Parse decodes a HarborGuard `credentials` JSON object and infers its kind
// from the exact set of field names present, since the API's union has no
// discriminator:
//
//	{username, password}                                     UsernamePassword
//	{username, pat}                                          UsernamePat
//	{accessKeyId, secretAccessKey, region
//	 [, sessionToken, roleArn, externalId]}                  AwsEcr
//	{serviceAccountKey}                                      GoogleGar
//	{tenantId, clientId, clientSecret}                       AzureAcr
//	{robotName, secret}                                      HarborRobot
//	{username, identityToken}                                JfrogIdentityToken
//
// Every value must be a JSON string, except serviceAccountKey, which may be
// the key file either as a string or as an embedded JSON object (kept as its
// raw JSON text). Parse refuses input over [MaxInputSize] ([ErrTooLarge]),
// invalid UTF-8, duplicate keys, null, non-string values and trailing data
// ([ErrMalformed]), field names no kind defines ([ErrUnknownField]) and field
// sets matching no kind or several ([ErrAmbiguous]). The result is
// validated with Credential.Validate. Errors name fields, never values.
func Parse(data []byte) (Credential, error) {
	fields, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	spec, err := inferKind(fields)
	if err != nil {
		return nil, err
	}
	return buildValidated(spec, fields)
}

// ParseAs decodes data as the given kind. It applies the same input checks
// as [Parse]; fields the kind does not define are refused with
// [ErrUnknownField] and an undefined kind with [ErrUnknownKind].
func ParseAs(kind Kind, data []byte) (Credential, error) {
	spec, ok := specFor(kind)
	if !ok {
		return nil, &FieldError{Reason: "kind " + quoteName(string(kind)) + " is not defined", Err: ErrUnknownKind}
	}
	fields, err := decodeObject(data)
	if err != nil {
		return nil, err
	}
	for _, name := range sortedKeys(fields) {
		if !spec.allows(name) {
			return nil, fieldErr(quoteName(name), ErrUnknownField, "not a field of "+string(kind))
		}
	}
	return buildValidated(spec, fields)
}

func buildValidated(spec kindSpec, fields map[string]string) (Credential, error) {
	c := spec.build(spec.ordered(fields))
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeObject reads one JSON object of string values into a map, refusing
// everything Parse documents as malformed.
func decodeObject(data []byte) (map[string]string, error) {
	if len(data) > MaxInputSize {
		return nil, &FieldError{Reason: "input exceeds " + strconv.Itoa(MaxInputSize) + " bytes", Err: ErrTooLarge}
	}
	if !utf8.Valid(data) {
		return nil, &FieldError{Reason: "input is not valid UTF-8", Err: ErrMalformed}
	}
	fields := make(map[string]string)
	err := walkObject("", data, func(name string, raw json.RawMessage) error {
		if !knownField(name) {
			return fieldErr(quoteName(name), ErrUnknownField, "no credential kind defines this field")
		}
		if _, dup := fields[name]; dup {
			return fieldErr(name, ErrMalformed, "duplicate field")
		}
		v, err := stringValue(name, raw)
		fields[name] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return fields, nil
}

// walkObject calls fn for each member of the single JSON object in data, in
// order, and refuses anything but exactly one object (trailing data
// included). field names the object in errors ("" for the document). The
// decoder's own error text may quote input bytes, so it is never wrapped.
func walkObject(field string, data []byte, fn func(name string, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(field, dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return fieldErr(field, ErrMalformed, "expected a field name")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fieldErr(field, ErrMalformed, "a value is not well-formed JSON")
		}
		if err := fn(name, raw); err != nil {
			return err
		}
	}
	if err := expectDelim(field, dec, '}'); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fieldErr(field, ErrMalformed, "trailing data after the JSON object")
	}
	return nil
}

func expectDelim(field string, dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != want {
		return fieldErr(field, ErrMalformed, "not a well-formed JSON object")
	}
	return nil
}

// stringValue returns a JSON string's contents, or for serviceAccountKey an
// embedded object's raw text.
func stringValue(name string, raw json.RawMessage) (string, error) {
	switch {
	case len(raw) > 0 && raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fieldErr(name, ErrMalformed, "value is not a well-formed JSON string")
		}
		return s, nil
	case name == fServiceAccountKey && len(raw) > 0 && raw[0] == '{':
		return string(raw), nil
	case name == fServiceAccountKey:
		return "", fieldErr(name, ErrMalformed, "must be a JSON string or object")
	default:
		return "", fieldErr(name, ErrMalformed, "must be a JSON string")
	}
}

// inferKind returns the one kind whose field set is exactly present.
func inferKind(present map[string]string) (kindSpec, error) {
	var matched []kindSpec
	for _, s := range specs {
		if s.matches(present) {
			matched = append(matched, s)
		}
	}
	if len(matched) == 1 {
		return matched[0], nil
	}
	names := sortedKeys(present)
	if len(matched) > 1 {
		return kindSpec{}, ambiguous(names, "match several kinds", kindsOf(matched))
	}
	return kindSpec{}, ambiguous(names, "match no kind", candidates(present))
}

// candidates lists the kinds defining at least one of the present fields.
func candidates(present map[string]string) []Kind {
	var out []Kind
	for _, s := range specs {
		for f := range present {
			if s.allows(f) {
				out = append(out, s.kind)
				break
			}
		}
	}
	return out
}

func kindsOf(ss []kindSpec) []Kind {
	out := make([]Kind, len(ss))
	for i, s := range ss {
		out[i] = s.kind
	}
	return out
}

// ambiguous builds an ErrAmbiguous error. names are known field names only
// (unknown ones were refused earlier), so they are safe to repeat.
func ambiguous(names []string, what string, kinds []Kind) error {
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = string(k)
	}
	reason := "fields {" + strings.Join(names, ", ") + "} " + what
	if len(ks) > 0 {
		reason += "; candidate kinds: " + strings.Join(ks, ", ")
	}
	return &FieldError{Reason: reason, Err: ErrAmbiguous}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// quoteName renders a field name from the input for an error. A user who
// pastes a token where a key belongs would otherwise see it in the logs,
// so only names shaped like this API's field names are shown: at most
// maxShownFieldName ASCII letters or underscores (no digit: every token
// format this package knows has digits). Others are withheld.
func quoteName(name string) string {
	if isFieldShaped(name) {
		return name
	}
	return "(a field name withheld: it may hold a secret)"
}

// maxShownFieldName caps the field names an error repeats.
const maxShownFieldName = 24

func isFieldShaped(name string) bool {
	if name == "" || len(name) > maxShownFieldName {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}
