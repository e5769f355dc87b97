package kek_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/kek"
)

const canary = "CANARYq7Zx93Lk"

// fakeKEK is a KEK that remembers the URL it was opened from.
type fakeKEK struct {
	u      *url.URL
	closed atomic.Bool
}

func (f *fakeKEK) Wrap(context.Context, []byte, kek.AAD) ([]byte, string, error) {
	return nil, "", kek.ErrUnavailable
}

func (f *fakeKEK) Unwrap(context.Context, string, []byte, kek.AAD) ([]byte, error) {
	return nil, kek.ErrUnwrap
}

func (f *fakeKEK) CurrentKeyID(context.Context) (string, error) { return "fake://" + f.u.Path, nil }

func (f *fakeKEK) Close() error { f.closed.Store(true); return nil }

// Test schemes: "fake" opens a fakeKEK and counts opens; "leaky" fails
// with an error quoting the whole URL; "blocking" waits for release.
var (
	fakeOpens atomic.Int64
	opened    sync.Map // URL string -> *fakeKEK
	release   = make(chan struct{})
	entered   = make(chan struct{}, 64)
)

func init() {
	kek.RegisterScheme("fake", func(_ context.Context, u *url.URL) (kek.KEK, error) {
		fakeOpens.Add(1)
		k := &fakeKEK{u: u}
		opened.Store(u.String(), k)
		return k, nil
	})
	kek.RegisterScheme("leaky", func(_ context.Context, u *url.URL) (kek.KEK, error) {
		return nil, fmt.Errorf("cannot open %s: %w", u.String(), kek.ErrAccessDenied)
	})
	kek.RegisterScheme("blocking", func(ctx context.Context, u *url.URL) (kek.KEK, error) {
		entered <- struct{}{}
		<-release
		return &fakeKEK{u: u}, nil
	})
}

func TestOpenDispatchesByScheme(t *testing.T) {
	k, err := kek.Open(context.Background(), "FAKE:///keys/acme?x=1")
	if err != nil {
		t.Fatal(err)
	}
	f, ok := k.(*fakeKEK)
	if !ok || f.u.Scheme != "fake" || f.u.Path != "/keys/acme" || f.u.Query().Get("x") != "1" {
		t.Fatalf("opener got %+v", k)
	}
}

func TestOpenUnknownScheme(t *testing.T) {
	tests := []struct{ url, hint string }{
		{"awskms://alias/acme?region=eu-west-1", "kek/awskms"},
		{"hashivault://mykey?token=x", "gocloud.dev/secrets/hashivault"},
		{"gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", "gocloud.dev/secrets/gcpkms"},
		{"nosuch://x", "kek/local, kek/awskms or kek/gocloud"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := kek.Open(context.Background(), tt.url)
			var use *kek.UnknownSchemeError
			if !errors.Is(err, kek.ErrUnknownScheme) || !errors.As(err, &use) {
				t.Fatalf("err = %v, want ErrUnknownScheme", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.hint) || !strings.Contains(msg, "fake") {
				t.Fatalf("message %q lacks hint %q or the registered schemes", msg, tt.hint)
			}
			if strings.Contains(msg, "region") || strings.Contains(msg, "root_key_env") {
				t.Fatalf("message %q quotes the URL", msg)
			}
		})
	}
}

func TestOpenMalformed(t *testing.T) {
	for _, raw := range []string{"", "no-scheme", "://x", "fake://%zz" + canary, "1fake://x", "fake://" + strings.Repeat("a", kek.MaxURLSize)} {
		_, err := kek.Open(context.Background(), raw)
		if !errors.Is(err, kek.ErrInvalidInput) {
			t.Errorf("Open(%.40q) = %v, want ErrInvalidInput", raw, err)
		}
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Errorf("error quotes the URL: %v", err)
		}
	}
}

func TestOpenErrorsNeverQuoteSecrets(t *testing.T) {
	urls := []string{
		"leaky://host/path?token=" + canary,
		"leaky://user:" + canary + "@host/path",
		"leaky://host/path#" + canary,
		"leaky://host/path?a=b&c=" + url.QueryEscape(canary+"/x y"),
	}
	for _, raw := range urls {
		_, err := kek.Open(context.Background(), raw)
		if !errors.Is(err, kek.ErrAccessDenied) {
			t.Fatalf("err = %v, want it to keep matching ErrAccessDenied", err)
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(fmt.Sprintf("%+v", err), canary) {
			t.Fatalf("error quotes a secret: %v", err)
		}
	}
}

func TestOpenCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := fakeOpens.Load()
	if _, err := kek.Open(ctx, "fake:///k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if fakeOpens.Load() != before {
		t.Fatal("opener ran with a cancelled context")
	}
}

func TestRegisterSchemePanicsOnMisuse(t *testing.T) {
	open := func(context.Context, *url.URL) (kek.KEK, error) { return nil, nil }
	for _, tc := range []struct {
		scheme string
		open   kek.Opener
	}{{"fake", open}, {"", open}, {"Upper", open}, {"ok-scheme", nil}, {"bad/scheme", open}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterScheme(%q) did not panic", tc.scheme)
				}
			}()
			kek.RegisterScheme(tc.scheme, tc.open)
		}()
	}
}

func TestSchemesSorted(t *testing.T) {
	s := kek.Schemes()
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			t.Fatalf("not sorted: %v", s)
		}
	}
	if !strings.Contains(strings.Join(s, ","), "fake") {
		t.Fatalf("fake missing from %v", s)
	}
}

// withheld is the text of a scrubbed leaky error.
const withheld = "kek: open leaky: kek: access denied: backend error withheld (its text quoted the URL)"

// FuzzOpen checks that Open never panics and never quotes a query value.
func FuzzOpen(f *testing.F) {
	for _, s := range []string{
		"fake:///k", "leaky://h/p?k=" + canary, "leaky://u:p@h#f", "nosuch://x?y=z",
		"", ":", "fake:", "fake:opaque?q", "leaky://[::1]:80/?%zz", "FAKE://H/%2e%2e/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if strings.HasPrefix(strings.ToLower(raw), "blocking:") {
			return
		}
		_, err := kek.Open(context.Background(), raw)
		if err == nil {
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			return
		}
		msg := err.Error()
		for _, vs := range u.Query() {
			for _, v := range vs {
				if len(v) >= 4 && strings.Contains(msg, v) && !strings.Contains(withheld, v) {
					t.Fatalf("error %q quotes query value %q", msg, v)
				}
			}
		}
	})
}
