package gocloud

import (
	"bytes"
	"testing"
)

func TestBindUnbind(t *testing.T) {
	t.Parallel()
	dek, aad := []byte("dek-bytes"), []byte("aad")
	pt := bind("id", dek, aad)
	got, ok := unbind("id", pt, aad)
	if !ok || !bytes.Equal(got, dek) {
		t.Fatal("round trip failed")
	}
	for name, bad := range map[string][]byte{
		"empty":       nil,
		"header only": pt[:boundHeader],
		"version":     append([]byte{2}, pt[1:]...),
	} {
		if _, ok := unbind("id", bad, aad); ok {
			t.Errorf("%s: unbind accepted", name)
		}
	}
	if _, ok := unbind("id", pt, []byte("aae")); ok {
		t.Error("unbind accepted another AAD")
	}
	if _, ok := unbind("ie", pt, aad); ok {
		t.Error("unbind accepted another key ID")
	}
	// The length prefix keeps (keyID, aad) splits apart.
	if _, ok := unbind("i", bind("id", dek, []byte("x")), []byte("dx")); ok {
		t.Error("binding is ambiguous")
	}
}

// FuzzUnbind: unbind never panics, and accepts only what bind produces.
func FuzzUnbind(f *testing.F) {
	f.Add(bind("id", []byte("dek"), []byte("aad")), []byte("aad"))
	f.Add([]byte{boundVersion}, []byte{})
	f.Add([]byte{}, []byte(nil))
	f.Fuzz(func(t *testing.T, pt, aad []byte) {
		dek, ok := unbind("id", pt, aad)
		if ok && !bytes.Equal(bind("id", dek, aad), pt) {
			t.Fatal("accepted a plaintext bind would not produce")
		}
	})
}
