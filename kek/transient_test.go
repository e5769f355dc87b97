package kek_test

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/credvault/credvault/kek"
	// registers local://
)

// countingKEK counts the KEKs of the "counting" scheme left open, and the
// calls that found their KEK closed under them. A Wrap of "block" waits
// for countRelease.
type countingKEK struct{ closed atomic.Bool }

var (
	countOpen, countClosedUnderCall atomic.Int64
	countEntered                    = make(chan struct{}, 8)
	countRelease                    = make(chan struct{})
)

func init() {
	kek.RegisterScheme("counting", func(context.Context, *url.URL) (kek.KEK, error) {
		countOpen.Add(1)
		return &countingKEK{}, nil
	})
}

func (c *countingKEK) Wrap(_ context.Context, dek []byte, _ kek.AAD) ([]byte, string, error) {
	if string(dek) == "block" {
		countEntered <- struct{}{}
		<-countRelease
	}
	if c.closed.Load() {
		countClosedUnderCall.Add(1)
	}
	return []byte("w"), "counting://k", nil
}

func (c *countingKEK) Unwrap(context.Context, string, []byte, kek.AAD) ([]byte, error) {
	return nil, kek.ErrUnwrap
}

func (c *countingKEK) Rewrap(context.Context, string, []byte, kek.AAD) ([]byte, string, error) {
	return []byte("w"), "counting://k", nil
}

func (c *countingKEK) CurrentKeyID(context.Context) (string, error) { return "counting://k", nil }

func (c *countingKEK) Close() error {
	if c.closed.Swap(true) {
		panic("closed twice")
	}
	countOpen.Add(-1)
	return nil
}

// TestResolverClosesKEKsPastTheCap: a KEK opened past MaxCachedKEKs is
// open only while calls use it, is not closed under a call, and keeps
// its Rewrapper; Close closes the cached ones. Before, each one opened
// past the cap stayed open for good.
func TestResolverClosesKEKsPastTheCap(t *testing.T) {
	r, err := kek.NewTemplateResolver("counting://kms/{org}")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range kek.MaxCachedKEKs {
		if _, err := r.KEK(ctx, fmt.Sprint("org", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := countOpen.Load(); n != kek.MaxCachedKEKs {
		t.Fatalf("%d KEKs open after filling the cache", n)
	}
	k, err := r.KEK(ctx, "past-the-cap")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := k.(kek.Rewrapper); !ok {
		t.Fatal("the uncached KEK lost its Rewrapper")
	}
	if n := countOpen.Load(); n != kek.MaxCachedKEKs {
		t.Fatalf("an uncached KEK stays open before any call: %d open", n)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, _, err := k.Wrap(ctx, []byte("block"), kek.AAD{}); err != nil {
				t.Error(err)
			}
		})
	}
	for range 3 {
		<-countEntered
	}
	if n := countOpen.Load(); n != kek.MaxCachedKEKs+1 {
		t.Fatalf("3 concurrent calls: %d KEKs open, want the cached ones and 1", n)
	}
	close(countRelease)
	wg.Wait()
	if _, _, err := k.(kek.Rewrapper).Rewrap(ctx, "counting://k", []byte("w"), kek.AAD{}); err != nil {
		t.Fatal(err)
	}
	if n, bad := countOpen.Load(), countClosedUnderCall.Load(); n != kek.MaxCachedKEKs || bad != 0 {
		t.Fatalf("after the calls: %d open, %d calls saw their KEK closed", n, bad)
	}
	if err := r.Close(); err != nil || countOpen.Load() != 0 {
		t.Fatalf("Close: %v, %d still open", err, countOpen.Load())
	}
}
