package awskms

import (
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/internal/kmsemu"
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
