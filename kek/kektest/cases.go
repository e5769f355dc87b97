package kektest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
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

// vaultLabels are the labels the vault passes, in its order.
var vaultLabels = []kek.Label{{Name: "org", Value: "acme"}, {Name: "registry", Value: "ghcr"}}

// labelled returns an AAD of data with the vault's labels.
func labelled(data string) kek.AAD {
	return kek.AAD{Data: []byte(data), Labels: vaultLabels}
}

// wrap wraps dek under aad with k and fails t on error.
func wrap(t *testing.T, k kek.KEK, dek []byte, aad kek.AAD) ([]byte, string) {
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
func mustUnwrap(t *testing.T, k kek.KEK, keyID string, wrapped []byte, aad kek.AAD, want []byte) {
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
	aads := map[string]kek.AAD{
		"nil":      {},
		"empty":    {Data: []byte{}},
		"short":    {Data: []byte("v1|acme|registry-42")},
		"1KiB":     {Data: random(t, 1024)},
		"labelled": labelled("v1|acme|ghcr"),
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
	data := []byte("v1|acme|registry-42")
	dek := random(t, 32)
	wrapped, keyID := wrap(t, k, dek, kek.AAD{Data: data})
	wrong := map[string]kek.AAD{
		"other":    {Data: []byte("v1|acme|registry-43")},
		"empty":    {},
		"prefix":   {Data: data[:len(data)-1]},
		"extended": {Data: append(bytes.Clone(data), 0)},
		"otherOrg": {Data: []byte("v1|evil|registry-42")},
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
	dek, aad := random(t, 32), labelled("aad")
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
	dek, aad := random(t, 32), labelled("aad")
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
	dek, aad := random(t, 32), labelled("aad")
	wrapped, keyID := wrap(t, k, dek, aad)
	for n := range len(wrapped) {
		got, err := k.Unwrap(context.Background(), keyID, bytes.Clone(wrapped[:n]), aad)
		requireFails(t, fmt.Sprintf("truncated to %d bytes", n), got, err, append(foreignErrors, kek.ErrInvalidInput)...)
	}
}

func testAppendedByte(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), labelled("aad")
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
		got, err := k.Unwrap(context.Background(), keyID, wrapped, labelled("aad"))
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
	if _, _, err := k.Wrap(ctx, make([]byte, kek.MaxDEKSize+1), kek.AAD{}); !errors.Is(err, kek.ErrInvalidInput) {
		t.Errorf("Wrap of a %d-byte DEK: got %v, want kek.ErrInvalidInput", kek.MaxDEKSize+1, err)
	}
	if got, err := k.Unwrap(ctx, keyID, make([]byte, kek.MaxWrappedSize+1), kek.AAD{}); got != nil || !errors.Is(err, kek.ErrInvalidInput) {
		t.Errorf("Unwrap of %d bytes: got %v, want kek.ErrInvalidInput", kek.MaxWrappedSize+1, err)
	}
	wrapped, _ := wrap(t, k, random(t, 32), kek.AAD{})
	longID := keyID + strings.Repeat("x", kek.MaxKeyIDSize+1-len(keyID))
	if got, err := k.Unwrap(ctx, longID, wrapped, kek.AAD{}); got != nil || !errors.Is(err, kek.ErrInvalidInput) {
		t.Errorf("Unwrap with a %d-byte key ID: got %v, want kek.ErrInvalidInput", len(longID), err)
	}
}

func testUnknownKeyID(t *testing.T, h Harness) {
	k, other := h.New(t), h.Other(t)
	dek, aad := random(t, 32), labelled("aad")
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
	_, keyID := wrap(t, k, random(t, 32), kek.AAD{})
	if keyID != current {
		t.Fatalf("Wrap reported key ID %q, CurrentKeyID %q", keyID, current)
	}
}

func testRandomized(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), labelled("aad")
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
		aad := kek.AAD{Data: fmt.Appendf(nil, "worker-%d-round-%d", worker, i), Labels: vaultLabels}
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
	wrapped, keyID := wrap(t, k, random(t, 32), kek.AAD{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cancelled := func(err error) bool {
		return isOneOf(err, context.Canceled, kek.ErrUnavailable)
	}
	if _, _, err := k.Wrap(ctx, random(t, 32), kek.AAD{}); !cancelled(err) {
		t.Errorf("Wrap with a cancelled context: got %v, want context.Canceled", err)
	}
	if got, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{}); got != nil || !cancelled(err) {
		t.Errorf("Unwrap with a cancelled context: got %v, want context.Canceled", err)
	}
	if _, err := k.CurrentKeyID(ctx); !cancelled(err) {
		t.Errorf("CurrentKeyID with a cancelled context: got %v, want context.Canceled", err)
	}
}

func testReopen(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), labelled("aad")
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
	dek, aad := random(t, 32), labelled("aad")
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

// otherLabels are label sets that differ from vaultLabels.
var otherLabels = map[string][]kek.Label{
	"none":       nil,
	"otherOrg":   {{Name: "org", Value: "evil"}, {Name: "registry", Value: "ghcr"}},
	"otherValue": {{Name: "org", Value: "acme"}, {Name: "registry", Value: "ghcr2"}},
	"extra":      append(slices.Clone(vaultLabels), kek.Label{Name: "extra", Value: "x"}),
}

// checkLabelsBound checks wrapped (of dek under labelled(data)) against
// other labels: refused if h.BindsLabels, ignored otherwise.
func checkLabelsBound(t *testing.T, h Harness, k kek.KEK, keyID string, wrapped []byte, data string, dek []byte) {
	t.Helper()
	for name, labels := range otherLabels {
		aad := kek.AAD{Data: []byte(data), Labels: labels}
		if !h.BindsLabels {
			mustUnwrap(t, k, keyID, wrapped, aad, dek)
			continue
		}
		got, err := k.Unwrap(context.Background(), keyID, wrapped, aad)
		requireFails(t, "labels "+name, got, err, unwrapErrors...)
	}
}

func testLabels(t *testing.T, h Harness) {
	k := h.New(t)
	dek, aad := random(t, 32), labelled("v1|acme|ghcr")
	wrapped, keyID := wrap(t, k, dek, aad)
	mustUnwrap(t, k, keyID, wrapped, aad, dek)
	for name, data := range map[string][]byte{"otherData": []byte("v1|acme|ghcr2"), "noData": nil} {
		got, err := k.Unwrap(context.Background(), keyID, wrapped, kek.AAD{Data: data, Labels: vaultLabels})
		requireFails(t, name+" with the same labels", got, err, unwrapErrors...)
	}
	checkLabelsBound(t, h, k, keyID, wrapped, "v1|acme|ghcr", dek)

	longest := kek.AAD{Data: []byte("long"), Labels: []kek.Label{
		{Name: "org", Value: strings.Repeat("o", kek.MaxOrgSize)},
		{Name: "registry", Value: strings.Repeat("é", kek.MaxRegistrySize/2)},
	}}
	wrapped, keyID = wrap(t, k, dek, longest)
	mustUnwrap(t, k, keyID, wrapped, longest, dek)
}

func testRewrap(t *testing.T, h Harness) {
	k := h.New(t)
	if _, ok := k.(kek.Rewrapper); !ok {
		t.Skip("kektest: the KEK offers no kek.Rewrapper")
	}
	dek, aad := random(t, 32), labelled("v1|acme|ghcr")
	wrapped, oldID := wrap(t, k, dek, aad)
	if h.Rotate != nil {
		k = h.Rotate(t, k)
	}
	rw, ok := k.(kek.Rewrapper)
	if !ok {
		t.Fatal("the KEK returned by Rotate offers no kek.Rewrapper")
	}
	current, err := k.CurrentKeyID(context.Background())
	if err != nil {
		t.Fatalf("CurrentKeyID: %v", err)
	}
	got, _, err := rw.Rewrap(context.Background(), oldID, wrapped, labelled("v1|acme|ghcr2"))
	requireFails(t, "Rewrap with other AAD", got, err, unwrapErrors...)
	newWrapped, newID, err := rw.Rewrap(context.Background(), oldID, wrapped, aad)
	if err != nil {
		t.Fatalf("Rewrap: %v", err)
	}
	if newID != current || (h.Rotate != nil && newID == oldID) {
		t.Fatalf("Rewrap moved the DEK to %q, want the current key %q (was %q)", newID, current, oldID)
	}
	mustUnwrap(t, k, newID, newWrapped, aad, dek)
	got, err = k.Unwrap(context.Background(), newID, newWrapped, labelled("v1|acme|ghcr2"))
	requireFails(t, "rewrapped DEK with other Data", got, err, unwrapErrors...)
	checkLabelsBound(t, h, k, newID, newWrapped, "v1|acme|ghcr", dek)
}
