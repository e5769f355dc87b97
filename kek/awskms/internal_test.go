package awskms

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
)

// fakeClock is a settable clock for the key ID cache.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// TestAliasRetargetNoticedAfterTTL: CurrentKeyID keeps the cached ARN for
// the TTL, then sees the alias's new target.
func TestAliasRetargetNoticedAfterTTL(t *testing.T) {
	t.Parallel()
	e := kmsemu.Start(t)
	a, b := e.AddKey(false), e.AddKey(false)
	if err := e.AddAlias("alias/acme", a); err != nil {
		t.Fatal(err)
	}
	k, err := New(kms.NewFromConfig(e.Config()), "alias/acme", WithKeyIDCacheTTL(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	k.now = clock.now
	steps := []struct {
		advance  time.Duration
		retarget string
		want     string
	}{
		{0, "", a},
		{0, b, a},                 // cached
		{59 * time.Second, "", a}, // still cached
		{2 * time.Second, "", b},  // expired: re-resolved
	}
	for i, s := range steps {
		clock.advance(s.advance)
		if s.retarget != "" {
			if err := e.RetargetAlias("alias/acme", s.retarget); err != nil {
				t.Fatal(err)
			}
		}
		got, err := k.CurrentKeyID(t.Context())
		if err != nil || got != s.want {
			t.Fatalf("step %d: got %q, %v; want %q", i, got, err, s.want)
		}
	}
	if n := e.Calls("DescribeKey"); n != 2 {
		t.Fatalf("DescribeKey called %d times, want 2", n)
	}
}

func TestIsKeyARN(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":            true,
		"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab": true,
		"arn:aws:kms:us-east-1:111122223333:alias/acme":                                          false,
		"alias/acme":                                 false,
		"1234abcd-12ab-34cd-56ef-1234567890ab":       false,
		"arn:aws:kms:us-east-1:11112222333:key/abc":  false,
		"arn:aws:s3:us-east-1:111122223333:key/abc":  false,
		"arn:aws:kms:us-east-1:111122223333:key/":    false,
		"arn:aws:kms:us-east-1:111122223333:key/a/b": false,
		"arn:aws:kms::111122223333:key/abc":          false,
		"":                                           false,
	}
	for s, want := range tests {
		if got := isKeyARN(s); got != want {
			t.Errorf("isKeyARN(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzIsKeyARN: never panics, and accepted strings have the ARN shape.
func FuzzIsKeyARN(f *testing.F) {
	f.Add("arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab")
	f.Add("arn:aws:kms:us-east-1:111122223333:alias/x")
	f.Add("arn::::::")
	f.Fuzz(func(t *testing.T, s string) {
		if isKeyARN(s) && (!strings.HasPrefix(s, "arn:aws") || !strings.Contains(s, ":kms:") || !strings.Contains(s, ":key/")) {
			t.Fatalf("accepted %q", s)
		}
	})
}

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
