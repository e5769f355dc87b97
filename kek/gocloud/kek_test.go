package gocloud_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	_ "gocloud.dev/secrets/awskms"
	_ "gocloud.dev/secrets/localsecrets" // the application chooses its drivers

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/gocloud"
	"github.com/credvault/credvault/kek/kektest"
)

// TestMain gives gocloud's awskms driver (which loads the default AWS
// config) fake static credentials and no shared config files.
func TestMain(m *testing.M) {
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY":       "fake-secret",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		os.Setenv(k, v)
	}
	os.Exit(m.Run())
}

// urls remembers the URL each KEK was opened from, for Reopen.
var urls sync.Map

func open(t *testing.T, u string) *gocloud.KEK {
	t.Helper()
	k, err := gocloud.Open(t.Context(), u)
	require.NoError(t, err)
	t.Cleanup(func() { _ = k.Close() })
	urls.Store(k, u)
	return k
}

func reopen(t *testing.T, k kek.KEK) kek.KEK {
	u, _ := urls.Load(k)
	return open(t, u.(string))
}

func randomKeyURL(t *testing.T) string {
	key := make([]byte, 32)
	_, err := rand.Read(key)
	require.NoError(t, err)
	return "base64key://" + base64.URLEncoding.EncodeToString(key)
}

func awsURL(e *kmsemu.Emulator, keyID string) string {
	return "awskms:///" + keyID + "?region=" + e.Region() + "&endpoint=" + url.QueryEscape(e.URL)
}

func TestConformanceBase64Key(t *testing.T) {
	t.Parallel()
	kektest.Run(t, kektest.Harness{
		New:           func(t *testing.T) kek.KEK { return open(t, randomKeyURL(t)) },
		Other:         func(t *testing.T) kek.KEK { return open(t, randomKeyURL(t)) },
		Reopen:        reopen,
		ChecksContext: true,
	})
}

func TestConformanceAWSKMS(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	kektest.Run(t, kektest.Harness{
		New:           func(t *testing.T) kek.KEK { return open(t, awsURL(e, e.AddKey(false))) },
		Other:         func(t *testing.T) kek.KEK { return open(t, awsURL(e, e.AddKey(true))) },
		Reopen:        reopen,
		ChecksContext: true,
	})
}

// TestLatencyHitsDeadlineWithoutLeaks counts the process's goroutines, so
// it is not parallel: parallel tests wait while it runs, and their SDK
// retries cannot move the count.
func TestLatencyHitsDeadlineWithoutLeaks(t *testing.T) {
	e := kmsemu.Start(t)
	k := open(t, awsURL(e, e.AddKey(false)))
	id, _ := k.CurrentKeyID(t.Context())
	wrapped, _, err := k.Wrap(t.Context(), []byte("dek"), kek.AAD{})
	require.NoError(t, err)
	before := runtime.NumGoroutine()
	e.SetLatency(time.Hour)
	for name, op := range map[string]func(context.Context) error{
		"Wrap":   func(ctx context.Context) error { _, _, err := k.Wrap(ctx, []byte("dek"), kek.AAD{}); return err },
		"Unwrap": func(ctx context.Context) error { _, err := k.Unwrap(ctx, id, wrapped, kek.AAD{}); return err },
	} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := op(ctx)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, kek.ErrUnavailable) {
			t.Errorf("%s: got %v, want DeadlineExceeded and ErrUnavailable", name, err)
		}
	}
	e.ClearFaults()
	after := 0
	for range 200 {
		if after = runtime.NumGoroutine(); after <= before {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if after > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestNewAndCancelledOpen(t *testing.T) {
	t.Parallel()
	_, err := gocloud.New(nil, "x")
	require.ErrorIs(t, err, kek.ErrInvalidInput)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = gocloud.Open(ctx, randomKeyURL(t))
	require.ErrorIs(t, err, kek.ErrUnavailable)
	require.ErrorIs(t, err, context.Canceled)
}

func ExampleOpen() {
	ctx := context.Background()
	// In production the key comes from configuration, never from source.
	k, err := gocloud.Open(ctx, "base64key://smGbjm71Nxd1Ig5FS0wj9SlbzAIrnolCz9bQQ6uAhl4=")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer k.Close()

	dek := []byte("0123456789abcdef0123456789abcdef")
	wrapped, keyID, err := k.Wrap(ctx, dek, kek.AAD{Data: []byte("org=acme|registry=ghcr")})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: []byte("org=acme|registry=ghcr")})
	fmt.Println(strings.HasPrefix(keyID, "base64key://sha256:"), string(got) == string(dek), err)
	_, err = k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: []byte("org=evil|registry=ghcr")})
	fmt.Println(err != nil)
	// Output:
	// true true <nil>
	// true
}
