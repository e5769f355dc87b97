package vault

import (
	"errors"
	"fmt"
)

// maxCASRetries is the vault's one retry policy for a lost
// compare-and-swap: a writer whose write lost to a concurrent one re-reads
// the record and writes again at most this many times, then reports
// ErrConflict. Put and both rotation jobs follow it through retryLostCAS.
const maxCASRetries = 8

// errKeptChanging ends the retries of a record that kept changing.
var errKeptChanging = fmt.Errorf("%w: the record kept changing (%d retries)", ErrConflict, maxCASRetries)

// retryLostCAS is called after a write lost its compare-and-swap: it calls
// retry (which re-reads the record and writes again) while that loses
// too, at most maxCASRetries times, and returns the last outcome, or
// errKeptChanging when every retry lost.
func retryLostCAS(retry func() error) error {
	for range maxCASRetries {
		if err := retry(); !errors.Is(err, ErrConflict) {
			return err
		}
	}
	return errKeptChanging
}
