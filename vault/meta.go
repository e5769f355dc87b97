package vault

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/credvault/credvault/credentials"
)

// Metadata caps.
const (
	MaxProviderSize = 64
	MaxURLSize      = 2048
)

// meta is the non-secret part of a record, kept in the envelope header so
// Describe and List need no KEK; the payload AAD authenticates it on Open.
type meta struct {
	Entry
	View credentials.View
}

const metaVersion = 1

// metaFields is the number of strings in the metadata encoding.
const metaFields = 13

// strings returns m's strings in their fixed wire order.
func (m *meta) strings() [metaFields]string {
	v := &m.View
	return [metaFields]string{m.Provider, m.URL, string(v.Kind), v.Username, v.TokenType,
		v.AccessKeyID, v.Region, v.RoleArn, v.TenantID, v.ClientID, v.RobotName,
		v.ClientEmail, v.ProjectID}
}

// setStrings sets m's strings from s, in the order of strings.
func (m *meta) setStrings(s *[metaFields]string) {
	v := &m.View
	m.Provider, m.URL, v.Kind, v.Username, v.TokenType = s[0], s[1], credentials.Kind(s[2]), s[3], s[4]
	v.AccessKeyID, v.Region, v.RoleArn, v.TenantID, v.ClientID = s[5], s[6], s[7], s[8], s[9]
	v.RobotName, v.ClientEmail, v.ProjectID = s[10], s[11], s[12]
}

// appendMeta appends the encoded provider, URL, insecure flag and redacted
// view (which holds no secret) to dst: a version byte, a flags byte, then
// each of meta.strings as a u16 length and its bytes.
func appendMeta(dst []byte, e Entry) ([]byte, error) {
	switch {
	case len(e.Provider) > MaxProviderSize:
		return nil, fmt.Errorf("%w: provider longer than %d bytes", ErrInvalidEntry, MaxProviderSize)
	case len(e.URL) > MaxURLSize:
		return nil, fmt.Errorf("%w: url longer than %d bytes", ErrInvalidEntry, MaxURLSize)
	}
	m := meta{Entry: e, View: credentials.Describe(e.Credential)}
	var flags byte
	if e.Insecure {
		flags = 1
	}
	b := append(dst, metaVersion, flags)
	for _, f := range m.strings() {
		if len(f) > 0xffff {
			return nil, fmt.Errorf("%w: view field too long", ErrInvalidEntry)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b, nil
}

var errMeta = errors.New("malformed metadata")

// decodeMeta decodes metadata; with view false it returns only the
// provider and URL (what Open needs), still checking the framing of the
// rest. The strings share one allocation: none of them is secret.
func decodeMeta(b []byte, view bool) (meta, error) {
	var m meta
	if len(b) < 2 || b[0] != metaVersion || b[1]&^1 != 0 {
		return m, errMeta
	}
	m.Insecure = b[1]&1 == 1
	b = b[2:]
	var ends [metaFields]int // end offset in b of each field's bytes
	off := 0
	for i := range ends {
		if len(b)-off < 2 {
			return meta{}, errMeta
		}
		n := int(binary.BigEndian.Uint16(b[off:]))
		if n > len(b)-off-2 {
			return meta{}, errMeta
		}
		off += 2 + n
		ends[i] = off
	}
	if off != len(b) {
		return meta{}, errMeta
	}
	if !view {
		b = b[:ends[1]]
	}
	all := string(b)
	var s [metaFields]string
	for i, start := 0, 0; i < metaFields && ends[i] <= len(all); i++ {
		s[i], start = all[start+2:ends[i]], ends[i]
	}
	m.setStrings(&s)
	return m, nil
}
