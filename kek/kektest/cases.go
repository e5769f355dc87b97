package kektest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/credvault/credvault/kek"
)

// random returns n random bytes.
func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("crypto/rand: %v", err)
	}
	return b
}

// wrap wraps dek under aad with k and fails t on error.
func wrap(t *testing.T, k kek.KEK, dek, aad []byte) ([]byte, string) {
	t.Helper()
	wrapped, keyID, err := k.Wrap(context.Background(), dek, aad)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if len(wrapped) == 0 || len(wrapped) > kek.MaxWrappedSize {
		t.Fatalf("Wrap returned %d bytes, want 1..%d", len(wrapped), kek.MaxWrappedSize)
	}
	if keyID == "" || len(keyID) > kek.MaxKeyIDSize {
		t.Fatalf("Wrap returned a key ID of %d bytes, want 1..%d", len(keyID), kek.MaxKeyIDSize)
	}
	return wrapped, keyID
}

// mustUnwrap unwraps and checks the result equals want.
func mustUnwrap(t *testing.T, k kek.KEK, keyID string, wrapped, aad, want []byte) {
	t.Helper()
	got, err := k.Unwrap(context.Background(), keyID, wrapped, aad)
	if err != nil {
		t.Fatalf("Unwrap: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Unwrap returned other bytes than were wrapped")
	}
}

func testRoundTrip(t *testing.T, h Harness) {
	k := h.New(t)
	aads := map[string][]byte{
		"nil":   nil,
		"empty": {},
		"short": []byte("v1|acme|registry-42"),
		"1KiB":  random(t, 1024),
	}
	for name, aad := range aads {
		for _, size := range []int{32, 64} {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				dek := random(t, size)
				wrapped, keyID := wrap(t, k, dek, aad)
				mustUnwrap(t, k, keyID, wrapped, aad, dek)
			})
		}
	}
}

func testWrongAAD(t *testing.T, h Harness) {
	k := h.New(t)
	aad := []byte("v1|acme|registry-42")
	dek := random(t, 32)
	wrapped, keyID := wrap(t, k, dek, aad)
	wrong := map[string][]byte{
		"other":    []byte("v1|acme|registry-43"),
		"empty":    nil,
		"prefix":   aad[:len(aad)-1],
		"extended": append(bytes.Clone(aad), 0),
		"otherOrg": []byte("v1|evil|registry-42"),
	}
	for name, bad := range wrong {
		t.Run(name, func(t *testing.T) {
			got, err := k.Unwrap(context.Background(), keyID, wrapped, bad)
			requireFails(t, "wrong AAD", got, err, unwrapErrors...)
		})
	}
}

func testOtherKEK(t *testing.T, h Harness) {
	k, other := h.New(t), h.Other(t)
	dek, aad := random(t, 32), []byte("aad")
	wrapped, keyID := wrap(t, k, dek, aad)
	otherID, err := other.CurrentKeyID(context.Background())
	if err != nil {
		t.Fatalf("Other CurrentKeyID: %v", err)
	}
	if otherID == keyID {
		t.Fatalf("Other KEK reports the same key ID %q", keyID)
	}
	got, err := other.Unwrap(context.Background(), keyID, wrapped, aad)
	requireFails(t, "other KEK, recorded key ID", got, err, foreignErrors...)
	got, err = other.Unwrap(context.Background(), otherID, wrapped, aad)
	requireFails(t, "other KEK, its own key ID", got, err, foreignErrors...)
}

func testBitFlips(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), []byte("aad")
	wrapped, keyID := wrap(t, k, dek, aad)
	for i := range len(wrapped) * 8 {
		flipped := bytes.Clone(wrapped)
		flipped[i/8] ^= 1 << (i % 8)
		got, err := k.Unwrap(context.Background(), keyID, flipped, aad)
		requireFails(t, fmt.Sprintf("bit %d flipped", i), got, err, foreignErrors...)
	}
}

func testTruncations(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), []byte("aad")
	wrapped, keyID := wrap(t, k, dek, aad)
	for n := range len(wrapped) {
		got, err := k.Unwrap(context.Background(), keyID, bytes.Clone(wrapped[:n]), aad)
		requireFails(t, fmt.Sprintf("truncated to %d bytes", n), got, err, append(foreignErrors, kek.ErrInvalidInput)...)
	}
}

func testAppendedByte(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), []byte("aad")
	wrapped, keyID := wrap(t, k, dek, aad)
	for _, b := range []byte{0, 1, 0xff} {
		got, err := k.Unwrap(context.Background(), keyID, append(bytes.Clone(wrapped), b), aad)
		requireFails(t, fmt.Sprintf("appended %#x", b), got, err, foreignErrors...)
	}
}

func testEmptyWrapped(t *testing.T, h Harness) {
	k := h.New(t)
	keyID, err := k.CurrentKeyID(context.Background())
	if err != nil {
		t.Fatalf("CurrentKeyID: %v", err)
	}
	for name, wrapped := range map[string][]byte{"nil": nil, "empty": {}} {
		got, err := k.Unwrap(context.Background(), keyID, wrapped, []byte("aad"))
		requireFails(t, name+" wrapped", got, err, append(foreignErrors, kek.ErrInvalidInput)...)
	}
}

func testOversize(t *testing.T, h Harness) {
	k := h.New(t)
	ctx := context.Background()
	keyID, err := k.CurrentKeyID(ctx)
	if err != nil {
		t.Fatalf("CurrentKeyID: %v", err)
	}
	if _, _, err := k.Wrap(ctx, make([]byte, kek.MaxDEKSize+1), nil); !errors.Is(err, kek.ErrInvalidInput) {
		t.Errorf("Wrap of a %d-byte DEK: got %v, want kek.ErrInvalidInput", kek.MaxDEKSize+1, err)
	}
	if got, err := k.Unwrap(ctx, keyID, make([]byte, kek.MaxWrappedSize+1), nil); got != nil || !errors.Is(err, kek.ErrInvalidInput) {
		t.Errorf("Unwrap of %d bytes: got %v, want kek.ErrInvalidInput", kek.MaxWrappedSize+1, err)
	}
	wrapped, _ := wrap(t, k, random(t, 32), nil)
	longID := keyID + strings.Repeat("x", kek.MaxKeyIDSize+1-len(keyID))
	if got, err := k.Unwrap(ctx, longID, wrapped, nil); got != nil || !errors.Is(err, kek.ErrInvalidInput) {
		t.Errorf("Unwrap with a %d-byte key ID: got %v, want kek.ErrInvalidInput", len(longID), err)
	}
}

func testUnknownKeyID(t *testing.T, h Harness) {
	k, other := h.New(t), h.Other(t)
	dek, aad := random(t, 32), []byte("aad")
	wrapped, keyID := wrap(t, k, dek, aad)
	otherID, err := other.CurrentKeyID(context.Background())
	if err != nil {
		t.Fatalf("Other CurrentKeyID: %v", err)
	}
	ids := map[string]string{
		"empty":     "",
		"garbage":   "no-such-key",
		"suffixed":  keyID + "0",
		"otherKeys": otherID,
	}
	for name, id := range ids {
		got, err := k.Unwrap(context.Background(), id, wrapped, aad)
		requireFails(t, "key ID "+name, got, err, kek.ErrKeyNotFound, kek.ErrUnwrap)
	}
}

func testKeyIDIsCurrent(t *testing.T, h Harness) {
	k := h.New(t)
	current, err := k.CurrentKeyID(context.Background())
	if err != nil {
		t.Fatalf("CurrentKeyID: %v", err)
	}
	_, keyID := wrap(t, k, random(t, 32), nil)
	if keyID != current {
		t.Fatalf("Wrap reported key ID %q, CurrentKeyID %q", keyID, current)
	}
}

func testRandomized(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), []byte("aad")
	a, _ := wrap(t, k, dek, aad)
	b, _ := wrap(t, k, dek, aad)
	if bytes.Equal(a, b) {
		t.Fatal("two wraps of the same DEK and AAD are identical")
	}
	if bytes.Contains(a, dek) {
		t.Fatal("wrapped bytes contain the DEK")
	}
}

func testConcurrent(t *testing.T, h Harness) {
	k := h.New(t)
	const workers, rounds = 8, 16
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- roundTrips(k, w, rounds)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// roundTrips wraps and unwraps rounds DEKs; it may run off the test goroutine.
func roundTrips(k kek.KEK, worker, rounds int) error {
	ctx := context.Background()
	for i := range rounds {
		dek := make([]byte, 32)
		_, _ = rand.Read(dek)
		aad := fmt.Appendf(nil, "worker-%d-round-%d", worker, i)
		wrapped, keyID, err := k.Wrap(ctx, dek, aad)
		if err != nil {
			return fmt.Errorf("worker %d: Wrap: %w", worker, err)
		}
		got, err := k.Unwrap(ctx, keyID, wrapped, aad)
		if err != nil {
			return fmt.Errorf("worker %d: Unwrap: %w", worker, err)
		}
		if !bytes.Equal(got, dek) {
			return fmt.Errorf("worker %d: Unwrap returned other bytes", worker)
		}
	}
	return nil
}

func testCancelledContext(t *testing.T, h Harness) {
	k := h.New(t)
	wrapped, keyID := wrap(t, k, random(t, 32), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cancelled := func(err error) bool {
		return isOneOf(err, context.Canceled, kek.ErrUnavailable)
	}
	if _, _, err := k.Wrap(ctx, random(t, 32), nil); !cancelled(err) {
		t.Errorf("Wrap with a cancelled context: got %v, want context.Canceled", err)
	}
	if got, err := k.Unwrap(ctx, keyID, wrapped, nil); got != nil || !cancelled(err) {
		t.Errorf("Unwrap with a cancelled context: got %v, want context.Canceled", err)
	}
	if _, err := k.CurrentKeyID(ctx); !cancelled(err) {
		t.Errorf("CurrentKeyID with a cancelled context: got %v, want context.Canceled", err)
	}
}

func testReopen(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), []byte("aad")
	wrapped, keyID := wrap(t, k, dek, aad)
	again := h.Reopen(t, k)
	current, err := again.CurrentKeyID(context.Background())
	if err != nil {
		t.Fatalf("reopened CurrentKeyID: %v", err)
	}
	if current != keyID {
		t.Fatalf("key ID changed across reopen: %q then %q", keyID, current)
	}
	mustUnwrap(t, again, keyID, wrapped, aad, dek)
	wrapped2, keyID2 := wrap(t, again, dek, aad)
	mustUnwrap(t, k, keyID2, wrapped2, aad, dek)
}

func testRotate(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), []byte("aad")
	oldWrapped, oldID := wrap(t, k, dek, aad)
	k = h.Rotate(t, k)
	newID, err := k.CurrentKeyID(context.Background())
	if err != nil {
		t.Fatalf("CurrentKeyID after rotation: %v", err)
	}
	if newID == oldID {
		t.Fatalf("CurrentKeyID unchanged by rotation: %q", newID)
	}
	newWrapped, gotID := wrap(t, k, dek, aad)
	if gotID != newID {
		t.Fatalf("Wrap after rotation reported %q, want %q", gotID, newID)
	}
	mustUnwrap(t, k, oldID, oldWrapped, aad, dek)
	mustUnwrap(t, k, newID, newWrapped, aad, dek)
	got, err := k.Unwrap(context.Background(), newID, oldWrapped, aad)
	requireFails(t, "old DEK under the new key ID", got, err, foreignErrors...)
	got, err = k.Unwrap(context.Background(), oldID, newWrapped, aad)
	requireFails(t, "new DEK under the old key ID", got, err, foreignErrors...)
}
