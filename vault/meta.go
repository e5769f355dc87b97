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

// fields lists m's strings in their fixed wire order.
func (m *meta) fields() []*string {
	v := &m.View
	return []*string{&m.Provider, &m.URL, (*string)(&v.Kind), &v.Username, &v.TokenType,
		&v.AccessKeyID, &v.Region, &v.RoleArn, &v.TenantID, &v.ClientID, &v.RobotName,
		&v.ClientEmail, &v.ProjectID}
}

// encodeMeta encodes provider, URL, insecure flag and the redacted view
// (which holds no secret): a version byte, a flags byte, then each string
// of meta.fields as a u16 length and its bytes.
func encodeMeta(e Entry) ([]byte, error) {
	switch {
	case len(e.Provider) > MaxProviderSize:
		return nil, fmt.Errorf("%w: provider longer than %d bytes", ErrInvalidEntry, MaxProviderSize)
	case len(e.URL) > MaxURLSize:
		return nil, fmt.Errorf("%w: url longer than %d bytes", ErrInvalidEntry, MaxURLSize)
	}
	m := meta{Entry: e, View: credentials.Describe(e.Credential)}
	fs := m.fields()
	n := 2
	for _, f := range fs {
		if len(*f) > 0xffff {
			return nil, fmt.Errorf("%w: view field too long", ErrInvalidEntry)
		}
		n += 2 + len(*f)
	}
	b := make([]byte, 0, n)
	b = append(b, metaVersion, 0)
	if e.Insecure {
		b[1] = 1
	}
	for _, f := range fs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(*f)))
		b = append(b, *f...)
	}
	return b, nil
}

var errMeta = errors.New("malformed metadata")

// decodeMeta decodes metadata; with view false it stops after the
// provider and URL (what Open needs), skipping the view's allocations.
func decodeMeta(b []byte, view bool) (meta, error) {
	var m meta
	if len(b) < 2 || b[0] != metaVersion || b[1]&^1 != 0 {
		return m, errMeta
	}
	m.Insecure = b[1]&1 == 1
	b = b[2:]
	fs := m.fields()
	for i, f := range fs {
		if !view && i == 2 {
			return m, nil
		}
		if len(b) < 2 {
			return meta{}, errMeta
		}
		n := int(binary.BigEndian.Uint16(b))
		if n > len(b)-2 {
			return meta{}, errMeta
		}
		*f, b = string(b[2:2+n]), b[2+n:]
	}
	if len(b) != 0 {
		return meta{}, errMeta
	}
	return m, nil
}
