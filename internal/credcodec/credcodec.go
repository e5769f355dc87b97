// Package credcodec is the canonical binary encoding of a credential: the
// plaintext the vault seals. Its output holds every secret of the
// credential in the clear, so it is internal: only the vault (and tests)
// import it, and a test in this package fails if anything else does.
//
// It uses only the public API of package credentials. Every secret it
// writes is read with [credentials.Secret.Reveal] in [values], and every
// secret it reads back is wrapped with [credentials.NewSecret], so grep
// finds each place plaintext is handled.
//
// # Format (version 1)
//
//	version  byte    1
//	kind     byte    1 UsernamePassword, 2 UsernamePat, 3 AwsEcr, 4 GoogleGar,
//	                 5 AzureAcr, 6 HarborRobot, 7 JfrogIdentityToken
//	fields   each a minimal uvarint byte length then the bytes, in a fixed
//	         order per kind (required JSON fields, then optional ones; an
//	         absent optional field is length 0)
//
// AwsEcr's order is accessKeyId, secretAccessKey, region, sessionToken,
// roleArn, externalId. The encoding is deterministic: equal credentials
// encode to equal bytes. Records sealed with it must open forever: the
// golden vectors in the tests pin every byte.
//
// # Errors
//
// Every error is a *[credentials.FieldError] matching one of the
// credentials sentinels: [credentials.ErrUnsupportedVersion],
// [credentials.ErrUnknownKind], [credentials.ErrMalformed],
// [credentials.ErrTooLarge], or a validation sentinel from Encode.
package credcodec

import (
	"encoding/binary"
	"strconv"

	"github.com/credvault/credvault/credentials"
)

// Version is the version byte [AppendEncodeView] writes.
const Version = 1

// maxField caps one field of the encoding. No field may exceed
// MaxInputSize, the largest document credentials.Parse accepts.
const maxField = credentials.MaxInputSize

// Encode returns the canonical encoding of c. It validates c first and
// refuses nil and invalid values. The result holds plaintext secrets:
// zero it after sealing.
func Encode(c credentials.Credential) ([]byte, error) {
	out, _, err := AppendEncodeView(nil, c)
	return out, err
}

// AppendEncodeView appends the canonical encoding of c to dst and returns
// the extended slice and c's redacted view (see [credentials.Describe]).
// Sealing needs both; this validates c once, and parses a GoogleGar key
// once, instead of once for each. On error it returns dst unchanged. The
// appended bytes hold plaintext secrets: zero them after sealing.
func AppendEncodeView(dst []byte, c credentials.Credential) ([]byte, credentials.View, error) {
	view, err := credentials.DescribeValid(c) // refuses nil, nil pointers and invalid values
	if err != nil {
		return dst, credentials.View{}, err
	}
	k, _ := codecFor(view.Kind)
	vals := values(c)
	fields := vals[:len(k.fields)]
	size := 2
	for _, v := range fields {
		size += uvarintLen(uint64(len(v))) + len(v)
	}
	out := dst
	if cap(out)-len(out) < size { // grow to the exact size: clear(out) then wipes all of it
		out = append(make([]byte, 0, len(dst)+size), dst...)
	}
	out = append(out, Version, k.code)
	for _, v := range fields {
		out = binary.AppendUvarint(out, uint64(len(v)))
		out = append(out, v...)
	}
	return out, view, nil
}

// DecodeSealed parses b, produced by [Encode], back into the same typed
// value. It is for plaintext the caller has just authenticated, as the
// vault does after the payload AEAD checks it: it checks every length
// against the remaining input before slicing and refuses an unknown
// version, an unknown kind code, truncated input, non-minimal lengths and
// trailing bytes, but it does not apply today's field rules. Encode
// enforced those when the record was sealed, and enforcing them again on
// open would lock a stored credential out whenever a later release
// tightens a rule. Call Validate on the result for bytes of any other
// origin.
func DecodeSealed(b []byte) (credentials.Credential, error) {
	if len(b) < 2 {
		return nil, &credentials.FieldError{Reason: "shorter than the 2-byte header", Err: credentials.ErrMalformed}
	}
	if b[0] != Version {
		return nil, &credentials.FieldError{Reason: "version " + strconv.Itoa(int(b[0])), Err: credentials.ErrUnsupportedVersion}
	}
	k, ok := codecForCode(b[1])
	if !ok {
		return nil, &credentials.FieldError{Reason: "kind code " + strconv.Itoa(int(b[1])), Err: credentials.ErrUnknownKind}
	}
	var vals [maxFields]string
	if err := decodeFields(k, b[2:], &vals); err != nil {
		return nil, err
	}
	return k.build(vals), nil
}

// decodeFields reads k's fields, in order, from rest into vals.
func decodeFields(k kindCodec, rest []byte, vals *[maxFields]string) error {
	for i, name := range k.fields {
		v, n, err := readField(name, rest)
		if err != nil {
			return err
		}
		vals[i], rest = v, rest[n:]
	}
	if len(rest) != 0 {
		return &credentials.FieldError{Reason: strconv.Itoa(len(rest)) + " trailing bytes", Err: credentials.ErrMalformed}
	}
	return nil
}

// readField reads one length-prefixed field and reports the bytes consumed.
func readField(name string, b []byte) (string, int, error) {
	l, n := binary.Uvarint(b)
	switch {
	case n == 0:
		return "", 0, fieldErr(name, credentials.ErrMalformed, "truncated length")
	case n < 0 || n != uvarintLen(l):
		return "", 0, fieldErr(name, credentials.ErrMalformed, "non-canonical length")
	case l > maxField:
		return "", 0, fieldErr(name, credentials.ErrTooLarge, "length exceeds the field cap")
	case l > uint64(len(b)-n):
		return "", 0, fieldErr(name, credentials.ErrMalformed, "truncated value")
	}
	end := n + int(l)
	return string(b[n:end]), end, nil
}

func fieldErr(field string, sentinel error, reason string) error {
	return &credentials.FieldError{Field: field, Reason: reason, Err: sentinel}
}

// uvarintLen is the length of v's minimal uvarint encoding.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
