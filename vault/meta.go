package vault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
)

// MaxCABundleSize caps an entry's CA bundle, in bytes of PEM: room for a
// chain of several certificates, within the metadata a record's header
// holds (envelope.MaxMetaSize, with the URL and the view).
const MaxCABundleSize = 32 << 10

// meta is the non-secret part of a record, kept in the envelope header so
// Describe and List need no KEK; the payload AAD authenticates it on Open.
type meta struct {
	Entry
	View credentials.View
}

// Metadata layouts, named by the version byte that starts the encoding.
// Each is a version byte, a flags byte (bit 0: insecure), then strings,
// each a u16 length and its bytes.
const (
	// metaV1: provider, URL, then the view's strings. Releases before CA
	// bundles and robot prefixes wrote it; it decodes with both empty.
	metaV1 = 1
	// metaV2: provider, URL, robot prefix, the view's strings, then the
	// CA bundle, last so that the strings before it share an allocation
	// that does not copy it.
	metaV2 = 2
)

// viewStrings is the number of strings in the view's part of the
// metadata; maxMetaStrings the number in the longest layout.
const (
	viewStrings    = 11
	maxMetaStrings = 3 + viewStrings + 1
)

// entryStrings returns the number of strings before the view's in a
// layout, or 0 for an unknown version.
func entryStrings(version byte) int {
	switch version {
	case metaV1:
		return 2
	case metaV2:
		return 3
	}
	return 0
}

// metaStrings returns the number of strings in a known layout.
func metaStrings(version byte) int {
	if version == metaV2 {
		return maxMetaStrings
	}
	return entryStrings(version) + viewStrings
}

var errMeta = errors.New("malformed metadata")

// appendMeta appends e's metadata (provider, URL, insecure flag, robot
// prefix, CA bundle) and its credential's redacted view, which holds no
// secret, to dst in layout metaV2.
func appendMeta(dst []byte, e Entry, v *credentials.View) ([]byte, error) {
	switch {
	case len(e.CABundle) > MaxCABundleSize:
		return nil, entryFieldError("caBundle", "longer than "+strconv.Itoa(MaxCABundleSize)+" bytes")
	case len(e.RobotPrefix) > 0xffff:
		return nil, entryFieldError("robotPrefix", "longer than 65535 bytes")
	}
	var flags byte
	if e.Insecure {
		flags = 1
	}
	b := append(dst, metaV2, flags)
	b = appendMetaString(b, e.Provider)
	b = appendMetaString(b, e.URL)
	b = appendMetaString(b, e.RobotPrefix)
	for _, f := range [viewStrings]string{string(v.Kind), v.Username, v.TokenType, v.AccessKeyID, v.Region,
		v.RoleArn, v.TenantID, v.ClientID, v.RobotName, v.ClientEmail, v.ProjectID} {
		b = appendMetaString(b, f)
	}
	b = appendMetaString(b, e.CABundle)
	if b == nil { // provider, URL and view are validated far below this
		return nil, entryFieldError("", "a field is longer than 65535 bytes")
	}
	return b, nil
}

// appendMetaString appends s with its u16 length, or returns nil, which
// every later call keeps, when s is too long for one.
func appendMetaString[T ~string | ~[]byte](b []byte, s T) []byte {
	if b == nil || len(s) > 0xffff {
		return nil
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// entryFieldError is the error for an entry field the vault refuses.
func entryFieldError(field, reason string) error {
	return &credentials.FieldError{Field: field, Reason: reason, Err: ErrInvalidEntry}
}

// metaHeader checks the version and flags bytes and returns the strings
// after them, the version and the insecure flag.
func metaHeader(b []byte) (strs []byte, version byte, insecure bool, err error) {
	if len(b) < 2 || entryStrings(b[0]) == 0 || b[1]&^1 != 0 {
		return nil, 0, false, errMeta
	}
	return b[2:], b[0], b[1]&1 == 1, nil
}

// metaEnds sets ends[i] to the offset in strs just past its i-th string,
// for as many strings as ends holds, checking each against strs' length.
func metaEnds(strs []byte, ends []int) error {
	off := 0
	for i := range ends {
		if len(strs)-off < 2 {
			return errMeta
		}
		off += 2 + int(binary.BigEndian.Uint16(strs[off:]))
		if off > len(strs) {
			return errMeta
		}
		ends[i] = off
	}
	return nil
}

// metaFrame checks the header and the framing of every string of b and
// returns the strings' bytes, their ends (the offset in strs just past
// each), the version and the insecure flag.
func metaFrame(b []byte) (strs []byte, ends [maxMetaStrings]int, version byte, insecure bool, err error) {
	strs, version, insecure, err = metaHeader(b)
	if err != nil {
		return nil, ends, 0, false, err
	}
	n := metaStrings(version)
	if err := metaEnds(strs, ends[:n]); err != nil || ends[n-1] != len(strs) {
		return nil, ends, 0, false, errMeta
	}
	return strs, ends, version, insecure, nil
}

// metaString returns the bytes of string i of a framed encoding.
func metaString(strs []byte, ends *[maxMetaStrings]int, i int) []byte {
	start := 0
	if i > 0 {
		start = ends[i-1]
	}
	return strs[start+2 : ends[i]]
}

// openMeta decodes what Open returns besides the credential: provider,
// URL, insecure flag, robot prefix and CA bundle, in one allocation (two
// with a CA bundle). Open calls it after the payload AAD has
// authenticated all of b; it still frames every string, with bounds
// checks, like [describeMeta], and decodes alike.
func openMeta(b []byte) (Entry, error) {
	strs, ends, version, insecure, err := metaFrame(b)
	if err != nil {
		return Entry{}, err
	}
	n := entryStrings(version)
	s := string(strs[:ends[n-1]]) // provider, URL and robot prefix
	e := Entry{Provider: providers.Provider(s[2:ends[0]]), URL: s[ends[0]+2 : ends[1]], Insecure: insecure}
	if version == metaV2 {
		e.RobotPrefix = s[ends[1]+2 : ends[2]]
		e.CABundle = cloneNonEmpty(metaString(strs, &ends, maxMetaStrings-1))
	}
	return e, nil
}

// cloneNonEmpty returns a copy of b, or nil when b is empty.
func cloneNonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

// describeMeta decodes all of the metadata, for Describe and List. The
// strings share one allocation (the CA bundle has its own): none of them
// is secret.
func describeMeta(b []byte) (meta, error) {
	strs, ends, version, insecure, err := metaFrame(b)
	if err != nil {
		return meta{}, err
	}
	n := entryStrings(version) + viewStrings
	all := string(strs[:ends[n-1]])
	str := func(i int) string {
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		return all[start+2 : ends[i]]
	}
	m := meta{Entry: Entry{Provider: providers.Provider(str(0)), URL: str(1), Insecure: insecure}}
	if version == metaV2 {
		m.RobotPrefix = str(2)
		m.CABundle = cloneNonEmpty(metaString(strs, &ends, maxMetaStrings-1))
	}
	i := entryStrings(version)
	m.View = credentials.View{Kind: credentials.Kind(str(i)), Username: str(i + 1), TokenType: str(i + 2),
		AccessKeyID: str(i + 3), Region: str(i + 4), RoleArn: str(i + 5), TenantID: str(i + 6),
		ClientID: str(i + 7), RobotName: str(i + 8), ClientEmail: str(i + 9), ProjectID: str(i + 10)}
	return m, nil
}
