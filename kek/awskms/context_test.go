package awskms

import (
	"testing"

	"github.com/credvault/credvault/kek"
)

// FuzzEncryptionContext: label handling never panics, never lets a label
// overwrite the AAD entry, and puts each accepted label under
// "credvault:<name>".
func FuzzEncryptionContext(f *testing.F) {
	f.Add([]byte("aad"), "org", "acme")
	f.Add([]byte{}, "aad", "x")
	f.Add([]byte{0}, "", "")
	f.Fuzz(func(t *testing.T, aad []byte, name, value string) {
		ec, err := encryptionContext(kek.AAD{Data: aad, Labels: []kek.Label{{Name: name, Value: value}}})
		if err != nil {
			return
		}
		want, _ := encryptionContext(kek.AAD{Data: aad})
		if ec[aadContextKey] != want[aadContextKey] || ec[contextPrefix+name] != value || len(ec) != 2 {
			t.Fatalf("label %q: context %v", name, ec)
		}
	})
}
