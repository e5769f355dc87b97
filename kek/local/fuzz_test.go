package local

import (
	"bytes"
	"errors"
	"testing"

	"github.com/credvault/credvault/kek"
	"github.com/tink-crypto/tink-go/v2/aead/subtle"
)

// fuzzRoot is a fixed root key so seeds made in one run stay meaningful.
var fuzzRoot = bytes.Repeat([]byte{0x42}, RootKeySize)

// fuzzEnv makes a Manager under fuzzRoot with org "acme", rotated once and
// with its first version destroyed, and returns it with the file content.
func fuzzEnv(f *testing.F) (*env, []byte) {
	root, err := RootKeyFromBytes(fuzzRoot)
	if err != nil {
		f.Fatal(err)
	}
	e := &env{dir: f.TempDir(), root: root}
	e.m = mustOpen(f, e.dir, root)
	e.create(f, "acme")
	return e, e.readFile(f, "acme")
}

func FuzzOpenKeyset(f *testing.F) {
	e, valid := fuzzEnv(f)
	old, err := e.m.Versions(ctx, "acme")
	if err != nil {
		f.Fatal(err)
	}
	e.rotate(f, "acme")
	if err := e.m.Destroy(ctx, "acme", old[0].KeyID, usageMap{}); err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(e.readFile(f, "acme"))
	f.Add(bytes.Replace(valid, []byte(`"acme"`), []byte(`"acmf"`), 1))
	f.Add(bytes.Replace(valid, []byte(`"keysetInfo"`), []byte(`"keysetinfo"`), 1))
	f.Add(append(bytes.Clone(valid), valid...))
	for _, s := range []string{
		"", "null", "{}", "[]", `"x"`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":{}}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":{"encryptedKeyset":""}}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","destroyed":[2,1],"keyset":{"encryptedKeyset":"AAAA"}}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":null}`,
		`{"format":"credvault-local-keyset/v1","org":"acme","keyset":{"encryptedKeyset":"AAAA"},"extra":1}`,
	} {
		f.Add([]byte(s))
	}
	root, err := subtle.NewAESGCM(fuzzRoot)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeKeyset(data, "acme", root)
		if err != nil {
			if !errors.Is(err, ErrBadKeyset) && !errors.Is(err, ErrBadRootKey) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if s.primary == nil || s.primaryKeyID == "" {
			t.Fatal("decoded keyset has no primary")
		}
	})
}

func FuzzUnwrap(f *testing.F) {
	e, _ := fuzzEnv(f)
	k, err := e.m.KEK(ctx, "acme")
	if err != nil {
		f.Fatal(err)
	}
	dek, aad := bytes.Repeat([]byte{7}, 32), []byte("aad")
	wrapped, keyID, err := k.Wrap(ctx, dek, kek.AAD{Data: aad})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(keyID, wrapped, aad)
	f.Add(keyID, wrapped[:len(wrapped)-1], aad)
	f.Add(keyID, wrapped[:tinkPrefixSize], aad)
	f.Add(keyID, []byte{}, aad)
	f.Add(keyID+"0", wrapped, aad)
	f.Add("local://acme#v=0", wrapped, []byte{})
	f.Add("", []byte{1, 0, 0, 0, 0}, []byte(nil))
	f.Fuzz(func(t *testing.T, keyID string, wrapped, aad []byte) {
		got, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: aad})
		if err != nil {
			if got != nil || !isKEKError(err) {
				t.Fatalf("Unwrap failed with %v and %d bytes", err, len(got))
			}
			return
		}
		if !bytes.Equal(got, dek) {
			t.Fatal("Unwrap accepted a ciphertext this test never made")
		}
	})
}

func isKEKError(err error) bool {
	for _, target := range []error{kek.ErrUnwrap, kek.ErrKeyNotFound, kek.ErrKeyDisabled, kek.ErrKeyDestroyed, kek.ErrInvalidInput} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
