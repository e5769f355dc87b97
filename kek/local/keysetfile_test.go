package local

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tink-crypto/tink-go/v2/aead/subtle"
)

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
