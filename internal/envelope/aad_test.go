package envelope

import (
	"bytes"
	"testing"
)

func TestAADIsUnambiguous(t *testing.T) {
	a := DEKAAD(nil, Version1, "ab", "c", "k")
	b := DEKAAD(nil, Version1, "a", "bc", "k")
	if bytes.Equal(a, b) {
		t.Fatal("length prefixes missing: (ab,c) == (a,bc)")
	}
	e := sample()
	p1 := PayloadAAD(nil, &e, "org", "reg")
	e.WrappedDEK, e.KeyID = []byte{1}, "other"
	if !bytes.Equal(p1, PayloadAAD(nil, &e, "org", "reg")) {
		t.Fatal("payload AAD must not depend on the wrapped DEK or key ID (rewrap keeps the payload)")
	}
	e.Meta = []byte("changed")
	if bytes.Equal(p1, PayloadAAD(nil, &e, "org", "reg")) {
		t.Fatal("payload AAD ignores metadata")
	}
}
