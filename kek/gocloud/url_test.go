package gocloud_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/gocloud"
)

func TestKEKOpenRoutesBase64Key(t *testing.T) {
	keyURL := randomKeyURL(t)
	k, err := kek.Open(t.Context(), keyURL)
	require.NoError(t, err)
	g, ok := k.(*gocloud.KEK)
	assert.True(t, ok, "kek.Open returned %T", k)
	t.Cleanup(func() { _ = g.Close() })
	want, err := gocloud.KeyID(keyURL)
	require.NoError(t, err)
	got, err := k.CurrentKeyID(t.Context())
	require.NoError(t, err)
	assert.True(t, got == want, "key ID %q, want %q", got, want)
}

func TestKEKOpenSchemes(t *testing.T) {
	registered := strings.Join(kek.Schemes(), ",")
	for _, s := range []string{"gcpkms", "azurekeyvault", "hashivault", "base64key"} {
		assert.True(t, strings.Contains(registered, s), "%s not registered: %s", s, registered)
	}
	// awskms belongs to kek/awskms, which this test binary does not import.
	_, err := kek.Open(t.Context(), "awskms://alias/acme?region=eu-west-1")
	require.ErrorIs(t, err, kek.ErrUnknownScheme)
	assert.True(t, strings.Contains(err.Error(), "kek/awskms"), "no hint in %v", err)
}

func TestKEKOpenNeverLeaksKeys(t *testing.T) {
	const canary = "CANARYgc71Wq0p"
	keyURL := randomKeyURL(t)
	key := strings.TrimPrefix(keyURL, "base64key://")
	for _, u := range []string{
		"base64key://" + canary, // not a 32-byte key
		keyURL + "?x=" + canary, // localsecrets refuses a query
		"gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k?token=" + canary, // driver not imported
		"hashivault://mykey?token=" + canary,
	} {
		_, err := kek.Open(t.Context(), u)
		require.Error(t, err, "open must fail")
		assert.False(t, strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), key),
			"error leaks a secret: %v", err)
	}
}
