package awskms_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
)

const urlCanary = "CANARYa8Wq31Zk"

// isolateAWSEnv gives the SDK's default configuration static credentials
// and no files, Region or instance metadata.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "fake-secret", "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

func TestOpenURLForms(t *testing.T) {
	isolateAWSEnv(t)
	e := kmsemu.Start(t)
	arn := e.AddKey(false)
	keyID := arn[strings.LastIndex(arn, "/")+1:]
	mrk := e.AddKey(true)
	mrkID := mrk[strings.LastIndex(mrk, "/")+1:]
	if err := e.AddAlias("alias/credvault-acme", keyID); err != nil {
		t.Fatal(err)
	}
	ep := "endpoint=" + url.QueryEscape(e.URL)
	tests := []struct{ name, url, want string }{
		{"key ID", "awskms://" + keyID + "?region=us-east-1&" + ep, arn},
		{"alias", "awskms://alias/credvault-acme?region=us-east-1&" + ep, arn},
		{"key ARN, Region from the ARN", "awskms:///" + arn + "?" + ep, arn},
		{"alias ARN", "awskms:///arn:aws:kms:us-east-1:" + kmsemu.DefaultAccount + ":alias/credvault-acme?" + ep, arn},
		{"multi-Region key", "awskms://" + mrkID + "?region=us-east-1&max_attempts=2&key_id_cache_ttl=0s&" + ep, mrk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := kek.Open(t.Context(), tt.url)
			require.NoError(t, err)
			wrapped, got, err := k.Wrap(t.Context(), dek, kek.AAD{Data: []byte("aad")})
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			out, err := k.Unwrap(t.Context(), got, wrapped, kek.AAD{Data: []byte("aad")})
			require.NoError(t, err)
			assert.Equal(t, dek, out)
		})
	}
}

func TestOpenURLAllowedKey(t *testing.T) {
	isolateAWSEnv(t)
	e := kmsemu.Start(t)
	oldARN := e.AddKey(false)
	require.NoError(t, e.AddAlias("alias/acme", oldARN))
	base := "awskms://alias/acme?region=us-east-1&key_id_cache_ttl=0s&endpoint=" + url.QueryEscape(e.URL)
	before, err := kek.Open(t.Context(), base)
	require.NoError(t, err)
	wrapped, id, err := before.Wrap(t.Context(), dek, kek.AAD{})
	require.NoError(t, err)
	require.NoError(t, e.RetargetAlias("alias/acme", e.AddKey(false)))

	plain, err := kek.Open(t.Context(), base+"&max_attempts=1")
	require.NoError(t, err)
	_, err = plain.Unwrap(t.Context(), id, wrapped, kek.AAD{})
	require.ErrorIs(t, err, kek.ErrKeyNotFound)
	allowed, err := kek.Open(t.Context(), base+"&allowed_key="+url.QueryEscape(oldARN))
	require.NoError(t, err)
	_, err = allowed.Unwrap(t.Context(), id, wrapped, kek.AAD{})
	require.NoError(t, err)
}

func TestOpenURLErrors(t *testing.T) {
	isolateAWSEnv(t)
	tests := []struct{ name, url string }{
		{"no key", "awskms://?region=us-east-1&x=" + urlCanary},
		{"dot segment", "awskms://alias/../" + urlCanary + "?region=us-east-1"},
		{"double slash", "awskms://alias//" + urlCanary + "?region=us-east-1"},
		{"malformed ARN", "awskms:///arn:aws:" + urlCanary},
		{"user info", "awskms://user:" + urlCanary + "@alias/acme?region=us-east-1"},
		{"fragment", "awskms://alias/acme?region=us-east-1#" + urlCanary},
		{"unknown parameter", "awskms://alias/acme?region=us-east-1&secret=" + urlCanary},
		{"repeated region", "awskms://alias/acme?region=us-east-1&region=" + urlCanary},
		{"bad endpoint", "awskms://alias/acme?region=us-east-1&endpoint=ftp://" + urlCanary},
		{"plain http endpoint", "awskms://alias/acme?region=us-east-1&endpoint=http://kms." + urlCanary + ".example"},
		{"endpoint with user info", "awskms://alias/acme?region=us-east-1&endpoint=https://u:" + urlCanary + "@kms.example"},
		{"bad max_attempts", "awskms://alias/acme?region=us-east-1&max_attempts=" + urlCanary},
		{"bad cache TTL", "awskms://alias/acme?region=us-east-1&key_id_cache_ttl=" + urlCanary},
		{"bad allowed key", "awskms://alias/acme?region=us-east-1&allowed_key=" + urlCanary},
		{"missing profile", "awskms://alias/acme?region=us-east-1&profile=" + urlCanary},
		{"no Region", "awskms://alias/" + urlCanary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kek.Open(t.Context(), tt.url)
			require.ErrorIs(t, err, kek.ErrInvalidInput)
			if strings.Contains(err.Error(), urlCanary) {
				t.Fatalf("error quotes the URL: %v", err)
			}
		})
	}
}

func TestOpenURLIsAWSKMS(t *testing.T) {
	isolateAWSEnv(t)
	k, err := kek.Open(context.Background(), "awskms://alias/acme?region=eu-west-1")
	require.NoError(t, err)
	if _, ok := k.(*awskms.KEK); !ok {
		t.Fatalf("kek.Open returned %T, want *awskms.KEK", k)
	}
	if _, ok := k.(kek.Rewrapper); !ok {
		t.Fatal("kek.Open lost the Rewrapper capability")
	}
}
