package sqlstore

import (
	"errors"
	"slices"
	"testing"
)

// TestRetry: retry runs an operation again while the driver calls its
// error retryable, at most maxAttempts times, and stops at any other
// outcome.
func TestRetry(t *testing.T) {
	errAgain, errOther := errors.New("serialization failure"), errors.New("syntax error")
	drv := fakeDriver
	drv.Retryable = func(err error) bool { return errors.Is(err, errAgain) }
	withDriver(t, &drv)
	for _, tc := range []struct {
		name  string
		fails []error // what op returns, call by call, then nil
		calls int
		want  error
	}{
		{"succeeds after two aborts", []error{errAgain, errAgain}, 3, nil},
		{"other error stops", []error{errAgain, errOther, errAgain}, 2, errOther},
		{"gives up", slices.Repeat([]error{errAgain}, maxAttempts+1), maxAttempts, errAgain},
	} {
		calls := 0
		err := retry(t.Context(), func() error {
			calls++
			if calls <= len(tc.fails) {
				return tc.fails[calls-1]
			}
			return nil
		})
		if calls != tc.calls || !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: %d calls, %v; want %d, %v", tc.name, calls, err, tc.calls, tc.want)
		}
	}
}
