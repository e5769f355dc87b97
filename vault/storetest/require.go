package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// The suite's assertions stop the subtest at the first failure. They are
// written out here so that importing storetest costs no test dependency.

// describe formats an optional assertion message: a format and its
// arguments, or nothing.
func describe(msg []any) string {
	if len(msg) == 0 {
		return ""
	}
	if format, ok := msg[0].(string); ok {
		return ": " + fmt.Sprintf(format, msg[1:]...)
	}
	return ": " + fmt.Sprint(msg...)
}

// requireNoError fails the test if err is not nil.
func requireNoError(t testing.TB, err error, msg ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error%s: %v", describe(msg), err)
	}
}

// requireErrorIs fails the test unless errors.Is(err, target).
func requireErrorIs(t testing.TB, err, target error, msg ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error%s: got %v, want %v", describe(msg), err, target)
	}
}

// requireEqual fails the test unless want and got are deeply equal.
func requireEqual(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("mismatch%s:\n got: %#v\nwant: %#v", describe(msg), got, want)
	}
}

// requireTrue fails the test unless cond holds.
func requireTrue(t testing.TB, cond bool, msg ...any) {
	t.Helper()
	if !cond {
		t.Fatalf("condition failed%s", describe(msg))
	}
}

// requireFalse fails the test if cond holds.
func requireFalse(t testing.TB, cond bool, msg ...any) {
	t.Helper()
	requireTrue(t, !cond, msg...)
}

// requireLen fails the test unless v (a slice, map or string) has n
// elements.
func requireLen(t testing.TB, v any, n int, msg ...any) {
	t.Helper()
	if got := reflect.ValueOf(v).Len(); got != n {
		t.Fatalf("length%s: got %d, want %d", describe(msg), got, n)
	}
}

// requireEmpty fails the test unless v (a slice, map or string) is empty.
func requireEmpty(t testing.TB, v any, msg ...any) {
	t.Helper()
	requireLen(t, v, 0, msg...)
}
