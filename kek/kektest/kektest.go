// Package kektest is the conformance suite every kek.KEK implementation
// passes. A backend's test calls Run with a Harness:
//
//	func TestConformance(t *testing.T) {
//		kektest.Run(t, kektest.Harness{
//			New:   func(t *testing.T) kek.KEK { ... },
//			Other: func(t *testing.T) kek.KEK { ... },
//		})
//	}
//
// # What it checks
//
// Round trips under several AADs; labels (a labelled AAD round-trips,
// the vault's longest names fit, other Data fails, and other Labels fail
// or are ignored as the harness declares); for a kek.Rewrapper, that
// Rewrap moves a DEK to the current key (after a rotation when the
// harness rotates) and the result unwraps with the same AAD only; that a
// wrong AAD, another key, every single-bit flip, every truncation, an
// appended byte and empty input all fail with a kek sentinel, never a
// panic or wrong bytes; the size caps of
// package kek (kek.ErrInvalidInput); unknown key IDs; that Wrap reports
// CurrentKeyID and randomizes; concurrent use; and, when the harness
// supports them, cancelled contexts, reopening and rotation.
package kektest

import (
	"errors"
	"testing"

	"github.com/credvault/credvault/kek"
)

// A Harness makes the KEKs under test. New and Other are required; the
// other fields switch on optional checks.
type Harness struct {
	// New returns a fresh KEK. Each subtest calls it once or more.
	New func(t *testing.T) kek.KEK
	// Other returns a KEK with key material unrelated to any New one.
	Other func(t *testing.T) kek.KEK
	// Reopen, if set, returns a new instance over the same key material as
	// k (for example a new client or Manager); key IDs must be stable.
	Reopen func(t *testing.T, k kek.KEK) kek.KEK
	// Rotate, if set, moves k to a new key version and returns the KEK to
	// use afterwards (k itself when k follows rotations). Its CurrentKeyID
	// must change, and DEKs wrapped before must still unwrap under their
	// recorded key ID.
	Rotate func(t *testing.T, k kek.KEK) kek.KEK
	// ChecksContext says Wrap, Unwrap and CurrentKeyID fail on a cancelled
	// context (required of KEKs doing I/O).
	ChecksContext bool
	// BindsLabels says Unwrap and Rewrap fail when given other aad.Labels
	// than Wrap was (kek/awskms: they are in the EncryptionContext). When
	// false, the suite checks that other Labels are ignored.
	BindsLabels bool
}

// Run runs the conformance suite against h as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil || h.Other == nil {
		t.Fatal("kektest: Harness.New and Harness.Other are required")
	}
	tests := []struct {
		name string
		run  func(*testing.T, Harness)
		on   bool
	}{
		{"RoundTrip", testRoundTrip, true},
		{"WrongAAD", testWrongAAD, true},
		{"Labels", testLabels, true},
		{"Rewrap", testRewrap, true},
		{"OtherKEK", testOtherKEK, true},
		{"BitFlips", testBitFlips, true},
		{"Truncations", testTruncations, true},
		{"AppendedByte", testAppendedByte, true},
		{"EmptyWrapped", testEmptyWrapped, true},
		{"Oversize", testOversize, true},
		{"UnknownKeyID", testUnknownKeyID, true},
		{"KeyIDIsCurrent", testKeyIDIsCurrent, true},
		{"Randomized", testRandomized, true},
		{"Concurrent", testConcurrent, true},
		{"CancelledContext", testCancelledContext, h.ChecksContext},
		{"Reopen", testReopen, h.Reopen != nil},
		{"Rotate", testRotate, h.Rotate != nil},
	}
	for _, tc := range tests {
		if !tc.on {
			t.Logf("kektest: %s not run: the harness does not support it", tc.name)
			continue
		}
		t.Run(tc.name, func(t *testing.T) { tc.run(t, h) })
	}
}

// unwrapErrors are the errors a KEK may report for a ciphertext that does
// not authenticate.
var unwrapErrors = []error{kek.ErrUnwrap, kek.ErrContextMismatch}

// foreignErrors are the errors a KEK may report for a ciphertext or key ID
// that belongs to another key.
var foreignErrors = []error{kek.ErrUnwrap, kek.ErrContextMismatch, kek.ErrKeyNotFound, kek.ErrAccessDenied}

// isOneOf reports whether err matches any of targets under errors.Is.
func isOneOf(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// requireFails fails t unless err matches one of targets and dek is nil.
func requireFails(t *testing.T, what string, dek []byte, err error, targets ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: Unwrap succeeded, want an error matching one of %v", what, targets)
	}
	if !isOneOf(err, targets...) {
		t.Fatalf("%s: got error %v, want one matching %v", what, err, targets)
	}
	if dek != nil {
		t.Fatalf("%s: Unwrap returned %d bytes along with an error", what, len(dek))
	}
}
