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

// wireStrings returns the strings of an entry's metadata in their fixed
// wire order.
func wireStrings(provider, url string, v *credentials.View) [metaFields]string {
	return [metaFields]string{provider, url, string(v.Kind), v.Username, v.TokenType,
		v.AccessKeyID, v.Region, v.RoleArn, v.TenantID, v.ClientID, v.RobotName,
		v.ClientEmail, v.ProjectID}
}

// setStrings sets m's strings from s, in the order of wireStrings.
func (m *meta) setStrings(s *[metaFields]string) {
	v := &m.View
	m.Provider, m.URL, v.Kind, v.Username, v.TokenType = s[0], s[1], credentials.Kind(s[2]), s[3], s[4]
	v.AccessKeyID, v.Region, v.RoleArn, v.TenantID, v.ClientID = s[5], s[6], s[7], s[8], s[9]
	v.RobotName, v.ClientEmail, v.ProjectID = s[10], s[11], s[12]
}

// appendMeta appends the encoded provider, URL, insecure flag and e's
// redacted view (which holds no secret) to dst: a version byte, a flags byte, then
// each of wireStrings as a u16 length and its bytes.
func appendMeta(dst []byte, e Entry, view *credentials.View) ([]byte, error) {
	switch {
	case len(e.Provider) > MaxProviderSize:
		return nil, fmt.Errorf("%w: provider longer than %d bytes", ErrInvalidEntry, MaxProviderSize)
	case len(e.URL) > MaxURLSize:
		return nil, fmt.Errorf("%w: url longer than %d bytes", ErrInvalidEntry, MaxURLSize)
	}
	var flags byte
	if e.Insecure {
		flags = 1
	}
	b := append(dst, metaVersion, flags)
	for _, f := range wireStrings(e.Provider, e.URL, view) {
		if len(f) > 0xffff {
			return nil, fmt.Errorf("%w: view field too long", ErrInvalidEntry)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b, nil
}

var errMeta = errors.New("malformed metadata")

// metaFrame checks the framing of encoded metadata and returns the
// insecure flag and, for each string, the offset in b[2:] just past it.
func metaFrame(b []byte) (ends [metaFields]int, insecure bool, err error) {
	b, insecure, err = metaHeader(b)
	if err != nil {
		return ends, false, err
	}
	off, ok := 0, false
	for i := range ends {
		if off, ok = metaStringEnd(b, off); !ok {
			return ends, false, errMeta
		}
		ends[i] = off
	}
	if off != len(b) {
		return ends, false, errMeta
	}
	return ends, insecure, nil
}

// openMeta decodes what Open returns besides the credential: provider, URL
// and the insecure flag, in one allocation. It reads only the first two
// strings, with bounds checks: Open calls it after the payload AAD has
// authenticated all of b, and Describe, which has no such check, frames
// every field (see [describeMeta]).
func openMeta(b []byte) (Entry, error) {
	b, insecure, err := metaHeader(b)
	if err != nil {
		return Entry{}, err
	}
	pEnd, ok := metaStringEnd(b, 0)
	if !ok {
		return Entry{}, errMeta
	}
	uEnd, ok := metaStringEnd(b, pEnd)
	if !ok {
		return Entry{}, errMeta
	}
	s := string(b[:uEnd]) // provider and URL with their lengths
	return Entry{Provider: s[2:pEnd], URL: s[pEnd+2 : uEnd], Insecure: insecure}, nil
}

// metaHeader checks the version and flags bytes and returns the strings
// after them and the insecure flag.
func metaHeader(b []byte) (strs []byte, insecure bool, err error) {
	if len(b) < 2 || b[0] != metaVersion || b[1]&^1 != 0 {
		return nil, false, errMeta
	}
	return b[2:], b[1]&1 == 1, nil
}

// metaStringEnd returns the offset just past the length-prefixed string
// at b[off:], or false when b is too short to hold it.
func metaStringEnd(b []byte, off int) (int, bool) {
	if len(b)-off < 2 {
		return 0, false
	}
	end := off + 2 + int(binary.BigEndian.Uint16(b[off:]))
	return end, end <= len(b)
}

// describeMeta decodes all of the metadata, for Describe and List. The
// strings share one allocation: none of them is secret.
func describeMeta(b []byte) (meta, error) {
	ends, insecure, err := metaFrame(b)
	if err != nil {
		return meta{}, err
	}
	all := string(b[2:])
	var s [metaFields]string
	for i, start := 0, 0; i < metaFields; i++ {
		s[i], start = all[start+2:ends[i]], ends[i]
	}
	m := meta{Entry: Entry{Insecure: insecure}}
	m.setStrings(&s)
	return m, nil
}
