package vault

import (
	"testing"

	"github.com/credvault/credvault/credentials"
)

// FuzzMeta feeds arbitrary bytes to both metadata decoders. Neither may
// panic, and whatever Describe's full decoder accepts, Open's decoder,
// which reads only the provider and URL, must decode alike.
func FuzzMeta(f *testing.F) {
	view := credentials.View{Kind: credentials.KindUsernamePat, Username: "deploy-bot", TokenType: "classic"}
	for _, e := range []Entry{
		{Provider: "GHCR", URL: "https://ghcr.io"},
		{Provider: "HARBOR", URL: "https://harbor.example.test", Insecure: true},
		{},
	} {
		b, err := appendMeta(nil, e, &view)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)-1])
	}
	f.Add([]byte{metaVersion, 0, 0, 4, 'G', 'H'})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, openErr := openMeta(b)
		m, err := describeMeta(b)
		if err != nil {
			return
		}
		if openErr != nil {
			t.Fatalf("Describe decodes %q but Open refuses it: %v", b, openErr)
		}
		if got.Provider != m.Provider || got.URL != m.URL || got.Insecure != m.Insecure {
			t.Fatalf("Open decodes %+v, Describe %+v", got, m.Entry)
		}
	})
}
