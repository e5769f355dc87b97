package safehttp

import (
	"fmt"
	"io"
)

// ReadBody reads all of r, failing with ErrBodyTooLarge once more than max
// bytes arrive. max <= 0 means DefaultMaxBodyBytes. Use it for bodies that
// did not come from a client of this package (whose bodies are capped
// already), or to apply a tighter cap.
func ReadBody(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		max = DefaultMaxBodyBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, max)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}
