package credentials

import (
	"encoding/binary"
	"strconv"
)

// EncodingVersion is the version byte [Encode] writes.
const EncodingVersion = 1

// maxEncodedField caps one field of the sealed encoding. No field may exceed
// MaxInputSize, the largest document Parse accepts.
const maxEncodedField = MaxInputSize

// Encode returns the canonical sealed encoding of c, the plaintext the vault
// encrypts. It validates c first and refuses nil and invalid values.
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
// encode to equal bytes. The result holds plaintext secrets: zero it after
// sealing.
func Encode(c Credential) ([]byte, error) {
	return AppendEncode(nil, c)
}

// AppendEncode appends the canonical sealed encoding of c (see [Encode])
// to dst and returns the extended slice; on error it returns dst
// unchanged. The appended bytes hold plaintext secrets: zero them after
// sealing.
func AppendEncode(dst []byte, c Credential) ([]byte, error) {
	out, _, err := AppendEncodeView(dst, c)
	return out, err
}

// AppendEncodeView is [AppendEncode] that also returns c's redacted view
// (see [Describe]). Sealing needs both; this validates c once, and parses
// a GoogleGar key once, instead of once for each.
func AppendEncodeView(dst []byte, c Credential) ([]byte, View, error) {
	c, ok := deref(c)
	if !ok {
		return dst, View{}, &FieldError{Reason: "not a credential of this package", Err: ErrUnknownKind}
	}
	view, err := describeValid(c)
	if err != nil {
		return dst, View{}, err
	}
	spec, _ := specFor(c.Kind())
	vals, n, _ := fieldValues(c)
	size := 2
	for _, v := range vals[:n] {
		size += uvarintLen(uint64(len(v))) + len(v)
	}
	out := dst
	if cap(out)-len(out) < size { // grow to the exact size: clear(out) then wipes all of it
		out = append(make([]byte, 0, len(dst)+size), dst...)
	}
	out = append(out, EncodingVersion, spec.code)
	for _, v := range vals[:n] {
		out = binary.AppendUvarint(out, uint64(len(v)))
		out = append(out, v...)
	}
	return out, view, nil
}

// Decode parses b, produced by [Encode], back into the same typed value and
// validates it. It checks every length against the remaining input before
// slicing and refuses an unknown version ([ErrUnsupportedVersion]), an
// unknown kind code ([ErrUnknownKind]), truncated input, non-minimal
// lengths and trailing bytes ([ErrMalformed]).
func Decode(b []byte) (Credential, error) {
	c, err := DecodeSealed(b)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeSealed is [Decode] for plaintext the caller has just
// authenticated, as the vault does after the payload AEAD checks it: it
// checks the encoding exactly as Decode does, but not today's field
// rules. [Encode] enforced those rules when the record was sealed, and
// enforcing them again on open would lock a stored credential out
// whenever a later release tightens a rule. Use Decode for bytes of any
// other origin.
func DecodeSealed(b []byte) (Credential, error) {
	if len(b) < 2 {
		return nil, &FieldError{Reason: "shorter than the 2-byte header", Err: ErrMalformed}
	}
	if b[0] != EncodingVersion {
		return nil, &FieldError{Reason: "version " + strconv.Itoa(int(b[0])), Err: ErrUnsupportedVersion}
	}
	spec, ok := specForCode(b[1])
	if !ok {
		return nil, &FieldError{Reason: "kind code " + strconv.Itoa(int(b[1])), Err: ErrUnknownKind}
	}
	var vals [maxFields]string
	if err := decodeFields(spec, b[2:], &vals); err != nil {
		return nil, err
	}
	return spec.build(vals), nil
}

// decodeFields reads spec's fields, in order, from rest into vals.
func decodeFields(spec kindSpec, rest []byte, vals *[maxFields]string) error {
	i := 0
	for _, names := range [2][]string{spec.required, spec.optional} {
		for _, name := range names {
			v, n, err := readField(name, rest)
			if err != nil {
				return err
			}
			vals[i], rest, i = v, rest[n:], i+1
		}
	}
	if len(rest) != 0 {
		return &FieldError{Reason: strconv.Itoa(len(rest)) + " trailing bytes", Err: ErrMalformed}
	}
	return nil
}

// readField reads one length-prefixed field and reports the bytes consumed.
func readField(name string, b []byte) (string, int, error) {
	l, n := binary.Uvarint(b)
	switch {
	case n == 0:
		return "", 0, fieldErr(name, ErrMalformed, "truncated length")
	case n < 0 || n != uvarintLen(l):
		return "", 0, fieldErr(name, ErrMalformed, "non-canonical length")
	case l > maxEncodedField:
		return "", 0, fieldErr(name, ErrTooLarge, "length exceeds the field cap")
	case l > uint64(len(b)-n):
		return "", 0, fieldErr(name, ErrMalformed, "truncated value")
	}
	end := n + int(l)
	return string(b[n:end]), end, nil
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
