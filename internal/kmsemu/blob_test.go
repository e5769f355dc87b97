package kmsemu

import (
	"bytes"
	"testing"
)

func TestBlobRoundTrip(t *testing.T) {
	t.Parallel()
	b := &blob{keyID: newKeyID(true), backing: 7, nonce: make([]byte, nonceSize), sealed: make([]byte, tagSize+3)}
	got, err := parseBlob(b.marshal())
	if err != nil {
		t.Fatal(err)
	}
	if got.keyID != b.keyID || got.backing != 7 || len(got.sealed) != tagSize+3 {
		t.Fatalf("round trip mismatch: %+v", got)
	}
}

func TestCanonicalContextUnambiguous(t *testing.T) {
	t.Parallel()
	pairs := [][2]map[string]string{
		{{"ab": "c"}, {"a": "bc"}},
		{{"a": "", "b": ""}, {"a": "b"}},
		{nil, {"": ""}},
	}
	for _, p := range pairs {
		if bytes.Equal(canonicalContext(p[0]), canonicalContext(p[1])) {
			t.Errorf("%v and %v encode equally", p[0], p[1])
		}
	}
	if !bytes.Equal(canonicalContext(map[string]string{"a": "1", "b": "2"}), canonicalContext(map[string]string{"b": "2", "a": "1"})) {
		t.Error("encoding depends on map order")
	}
}

// FuzzParseBlob: parsing never panics, and whatever parses re-encodes to
// the same bytes.
func FuzzParseBlob(f *testing.F) {
	valid := (&blob{keyID: newKeyID(false), nonce: make([]byte, nonceSize), sealed: make([]byte, tagSize)}).marshal()
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add([]byte{blobVersion, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := parseBlob(data)
		if err != nil {
			return
		}
		if !bytes.Equal(b.marshal(), data) {
			t.Fatalf("re-encoding differs")
		}
	})
}
