package awskms_test

import (
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
	"github.com/credvault/credvault/kek/kektest"
)

// newClient returns a real SDK client for e. Retries keep the SDK's
// standard retryer with a zero backoff so tests stay fast.
func newClient(e *kmsemu.Emulator, transport *http.Transport) *kms.Client {
	cfg := e.Config()
	if transport != nil {
		cfg.HTTPClient = &http.Client{Transport: transport}
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
}

func mustNew(t testing.TB, client awskms.KMSAPI, keyID string, opts ...awskms.Option) *awskms.KEK {
	t.Helper()
	k, err := awskms.New(client, keyID, opts...)
	require.NoError(t, err)
	return k
}

var aliasSeq atomic.Int64

func TestConformance(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	client := newClient(e, nil)
	forms := map[string]func() string{
		"KeyARN": func() string { return e.AddKey(false) },
		"MultiRegionAliasARN": func() string {
			name := fmt.Sprintf("alias/mrk-%d", aliasSeq.Add(1))
			require.NoError(t, e.AddAlias(name, e.AddKey(true)))
			return "arn:aws:kms:us-east-1:111122223333:" + name
		},
		"Alias": func() string {
			name := fmt.Sprintf("alias/org-%d", aliasSeq.Add(1))
			require.NoError(t, e.AddAlias(name, e.AddKey(false)))
			return name
		},
	}
	for name, newKeyID := range forms {
		t.Run(name, func(t *testing.T) {
			h := kektest.Harness{
				New:           func(t *testing.T) kek.KEK { return mustNew(t, client, newKeyID()) },
				Other:         func(t *testing.T) kek.KEK { return mustNew(t, client, newKeyID()) },
				Reopen:        func(t *testing.T, k kek.KEK) kek.KEK { return reopen(t, e, k) },
				ChecksContext: true,
				BindsLabels:   true,
			}
			if name == "Alias" {
				h.Rotate = func(t *testing.T, k kek.KEK) kek.KEK { return rotateAlias(t, e, client, k) }
			}
			kektest.Run(t, h)
		})
	}
}

// reopen builds a KEK over the same key identifier with a new client.
func reopen(t *testing.T, e *kmsemu.Emulator, k kek.KEK) kek.KEK {
	return mustNew(t, newClient(e, nil), configuredID(k))
}

// rotateAlias points the KEK's alias at a fresh key: the KMS way to move
// to a new key (automatic rotation keeps the ARN and needs no rewrap).
func rotateAlias(t *testing.T, e *kmsemu.Emulator, client *kms.Client, k kek.KEK) kek.KEK {
	alias := configuredID(k)
	old, err := k.CurrentKeyID(t.Context())
	require.NoError(t, err)
	require.NoError(t, e.RetargetAlias(alias, e.AddKey(false)))
	return mustNew(t, client, alias, awskms.WithAllowedKeys(old))
}

func configuredID(k kek.KEK) string {
	return k.(*awskms.KEK).String()[len("awskms:"):]
}
