package vault

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
)

var metaView = credentials.View{Kind: credentials.KindUsernamePat, Username: "deploy-bot", TokenType: "classic"}

// metaEntries are entries whose metadata the tests encode.
var metaEntries = []Entry{
	{Provider: "GHCR", URL: "https://ghcr.io"},
	{Provider: "HARBOR", URL: "https://harbor.example.test", Insecure: true, RobotPrefix: "svc@", CABundle: []byte("-----BEGIN CERTIFICATE-----\n")},
	{},
}

// FuzzMeta feeds arbitrary bytes to both metadata decoders. Neither may
// panic, and whatever Describe's decoder accepts, Open's decoder must
// accept and decode alike.
func FuzzMeta(f *testing.F) {
	for _, e := range metaEntries {
		b, err := appendMeta(nil, e, &metaView)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)-1])
		f.Add(metaV1Encoding(e, &metaView))
	}
	f.Add([]byte{metaV2, 0, 0, 4, 'G', 'H'})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, openErr := openMeta(b)
		m, err := describeMeta(b)
		if err != nil {
			return
		}
		if openErr != nil {
			t.Fatalf("Describe decodes %q but Open refuses it: %v", b, openErr)
		}
		if !reflect.DeepEqual(got, m.Entry) {
			t.Fatalf("Open decodes %+v, Describe %+v", got, m.Entry)
		}
	})
}

// metaV1Encoding is the metadata as releases before robot prefixes and
// CA bundles wrote it.
func metaV1Encoding(e Entry, v *credentials.View) []byte {
	var flags byte
	if e.Insecure {
		flags = 1
	}
	b := []byte{metaV1, flags}
	for _, s := range []string{string(e.Provider), e.URL, string(v.Kind), v.Username, v.TokenType, v.AccessKeyID,
		v.Region, v.RoleArn, v.TenantID, v.ClientID, v.RobotName, v.ClientEmail, v.ProjectID} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	return b
}

func TestMetaRoundTrip(t *testing.T) {
	for _, e := range metaEntries {
		b, err := appendMeta(nil, e, &metaView)
		if err != nil {
			t.Fatal(err)
		}
		m, err := describeMeta(b)
		if err != nil || !reflect.DeepEqual(m.Entry, e) || m.View != metaView {
			t.Fatalf("describeMeta = %+v, %v; want %+v", m, err, e)
		}
		if got, err := openMeta(b); err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("openMeta = %+v, %v; want %+v", got, err, e)
		}
	}
}

// TestMetaV1DecodesWithoutTheNewFields: records sealed before robot
// prefixes and CA bundles keep opening, with both empty.
func TestMetaV1DecodesWithoutTheNewFields(t *testing.T) {
	e := Entry{Provider: "HARBOR", URL: "https://harbor.example.test", Insecure: true}
	b := metaV1Encoding(e, &metaView)
	m, err := describeMeta(b)
	if err != nil || !reflect.DeepEqual(m.Entry, e) || m.View != metaView {
		t.Fatalf("describeMeta = %+v, %v", m, err)
	}
	if got, err := openMeta(b); err != nil || !reflect.DeepEqual(got, e) {
		t.Fatalf("openMeta = %+v, %v", got, err)
	}
}

func TestMetaRefusesUnknownVersionAndTrailingBytes(t *testing.T) {
	b, _ := appendMeta(nil, metaEntries[1], &metaView)
	for name, bad := range map[string][]byte{
		"version 0": append([]byte{0}, b[1:]...),
		"version 3": append([]byte{3}, b[1:]...),
		"flags":     append([]byte{b[0], 2}, b[2:]...),
		"trailing":  append(bytes.Clone(b), 0),
		"truncated": b[:len(b)-1],
	} {
		if _, err := describeMeta(bad); !errors.Is(err, errMeta) {
			t.Errorf("%s: describeMeta err = %v", name, err)
		}
		if _, err := openMeta(bad); !errors.Is(err, errMeta) {
			t.Errorf("%s: openMeta err = %v", name, err)
		}
	}
}

func TestMetaCapsNameTheField(t *testing.T) {
	for field, e := range map[string]Entry{
		"caBundle":    {CABundle: make([]byte, MaxCABundleSize+1)},
		"robotPrefix": {RobotPrefix: strings.Repeat("r", 1<<16)},
	} {
		_, err := appendMeta(nil, e, &metaView)
		var fe *credentials.FieldError
		if !errors.Is(err, ErrInvalidEntry) || !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("%s: err = %v", field, err)
		}
	}
}
