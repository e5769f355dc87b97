package kek

import (
	"context"
	"io"
	"sync"
)

// uncached returns what a Resolver hands out for k, opened from u past
// MaxCachedKEKs: k itself if it holds no resources, or else, having
// closed k, a transient KEK over u with k's methods.
func uncached(k KEK, u string) (KEK, error) {
	c, ok := k.(io.Closer)
	if !ok {
		return k, nil
	}
	_, rewraps := k.(Rewrapper)
	if err := c.Close(); err != nil {
		return nil, &OpenError{Err: err}
	}
	t := &transient{open: func(ctx context.Context) (KEK, error) { return Open(ctx, u) }}
	if rewraps {
		return transientRewrapper{t}, nil
	}
	return t, nil
}

// A transient KEK opens its URL when a call starts and closes it when the
// last concurrent call ends, so a KEK the Resolver does not cache is never
// left open, nor closed under a call.
type transient struct {
	open func(context.Context) (KEK, error)

	mu    sync.Mutex
	k     KEK // open while users > 0
	users int
}

// acquire returns the open KEK, opening it for the first concurrent user.
func (t *transient) acquire(ctx context.Context) (KEK, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.users == 0 {
		k, err := t.open(ctx)
		if err != nil {
			return nil, err
		}
		t.k = k
	}
	t.users++
	return t.k, nil
}

// release ends a use, closing the KEK after the last one. A close error
// is dropped: the call it follows has its answer already.
func (t *transient) release() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.users--; t.users == 0 {
		if c, ok := t.k.(io.Closer); ok {
			_ = c.Close()
		}
		t.k = nil
	}
}

// Wrap implements KEK.
func (t *transient) Wrap(ctx context.Context, dek []byte, aad AAD) ([]byte, string, error) {
	k, err := t.acquire(ctx)
	if err != nil {
		return nil, "", err
	}
	defer t.release()
	return k.Wrap(ctx, dek, aad)
}

// Unwrap implements KEK.
func (t *transient) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad AAD) ([]byte, error) {
	k, err := t.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer t.release()
	return k.Unwrap(ctx, keyID, wrapped, aad)
}

// CurrentKeyID implements KEK.
func (t *transient) CurrentKeyID(ctx context.Context) (string, error) {
	k, err := t.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer t.release()
	return k.CurrentKeyID(ctx)
}

// transientRewrapper is a transient KEK over a Rewrapper.
type transientRewrapper struct{ *transient }

// Rewrap implements Rewrapper.
func (t transientRewrapper) Rewrap(ctx context.Context, keyID string, wrapped []byte, aad AAD) ([]byte, string, error) {
	k, err := t.acquire(ctx)
	if err != nil {
		return nil, "", err
	}
	defer t.release()
	rw, ok := k.(Rewrapper)
	if !ok { // the opener changed its answer between two opens
		return nil, "", &OpenError{Err: ErrUnavailable}
	}
	return rw.Rewrap(ctx, keyID, wrapped, aad)
}
