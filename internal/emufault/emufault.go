// Package emufault is the fault injection the cloud emulators in internal/
// share: a budget of throttled requests, injected latency that ends when
// the client gives up or the emulator shuts down, and random identifiers.
package emufault

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Faults is embedded in an emulator. Its zero value injects nothing.
type Faults struct {
	mu       sync.Mutex
	throttle int
	latency  time.Duration
	once     sync.Once
	done     chan struct{}
}

func (f *Faults) doneCh() chan struct{} {
	f.once.Do(func() { f.done = make(chan struct{}) })
	return f.done
}

// ThrottleNext makes the next n throttle-checked requests fail with the
// emulated service's throttling error.
func (f *Faults) ThrottleNext(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = n
}

// SetLatency delays every response by d (or until the client gives up).
func (f *Faults) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// TakeThrottle reports whether this request is to be throttled, spending
// one from the budget.
func (f *Faults) TakeThrottle() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.throttle > 0 {
		f.throttle--
		return true
	}
	return false
}

// Delay waits the injected latency, or until r's client gives up, or the
// emulator is released.
func (f *Faults) Delay(r *http.Request) {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	case <-f.doneCh():
	}
}

// Release ends every pending Delay; call it when the emulator shuts down.
func (f *Faults) Release() {
	ch := f.doneCh()
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// RandomHex returns n random bytes, hex-encoded: request IDs and tokens.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// StartTLS serves h over TLS on loopback until the test ends, discarding
// the server's log (tests provoke handshake failures on purpose).
func StartTLS(t testing.TB, h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
