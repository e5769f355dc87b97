package gocloud_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/gocloud"
)

func TestKeyID(t *testing.T) {
	t.Parallel()
	key := "smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4="
	tests := []struct{ url, want string }{
		{"base64key://" + key, "base64key://sha256:"},
		{"awskms:///arn:aws:kms:us-east-1:111122223333:key/abc?region=us-east-1&context_org=acme", "awskms:///arn:aws:kms:us-east-1:111122223333:key/abc"},
		{"awskms://alias/acme?region=us-east-1", "awskms://alias/acme"},
		{"gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k", "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k"},
		{"hashivault://user:pass@vault/mykey?token=s.secret#frag", "hashivault://vault/mykey"},
	}
	for _, tt := range tests {
		got, err := gocloud.KeyID(tt.url)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(got, tt.want), "KeyID(%q) = %q, want prefix %q", tt.url, got, tt.want)
		for _, secret := range []string{key, "pass", "s.secret", "region", "frag"} {
			assert.False(t, strings.Contains(got, secret), "key ID %q contains %q", got, secret)
		}
	}
	id1, _ := gocloud.KeyID("base64key://" + key)
	id2, _ := gocloud.KeyID(randomKeyURL(t))
	assert.NotEqual(t, id1, id2)
	assert.Equal(t, len("base64key://sha256:")+16, len(id1))

	for _, bad := range []string{"", "base64key://", "no-scheme", "base64key:opaque", "http://[::1", strings.Repeat("a", 5000)} {
		_, err := gocloud.KeyID(bad)
		require.ErrorIs(t, err, kek.ErrInvalidInput)
	}
}

// FuzzKeyID: never panics, and a base64key's key never appears in its ID.
func FuzzKeyID(f *testing.F) {
	f.Add("base64key://smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4=")
	f.Add("awskms:///arn:aws:kms:us-east-1:111122223333:key/x?region=us-east-1")
	f.Add("hashivault://u:p@h/k?token=t")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := gocloud.KeyID(s)
		if err != nil {
			return
		}
		if len(id) == 0 || len(id) > 2048 {
			t.Fatalf("key ID length %d", len(id))
		}
		if rest, ok := bytes.CutPrefix([]byte(s), []byte("base64key://")); ok && len(rest) >= 8 && bytes.Contains([]byte(id), rest) {
			t.Fatalf("key ID %q contains the key", id)
		}
	})
}
