package kmsemu

import (
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// faults holds injected failures. All fields are guarded by mu.
type faults struct {
	mu            sync.Mutex
	latency       time.Duration
	throttleNext  int
	throttleFrac  float64
	failNext      int
	failType      string
	dropNext      int
	deny          map[denyRule]bool
	throttledSeen int
}

// A denyRule refuses op on a key ARN; an empty field matches anything.
type denyRule struct{ op, keyARN string }

// SetLatency delays every subsequent request by d before it is handled. The
// delay ends early if the client goes away.
func (e *Emulator) SetLatency(d time.Duration) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.latency = d
}

// ThrottleNext answers the next n requests with ThrottlingException.
func (e *Emulator) ThrottleNext(n int) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.throttleNext = n
}

// ThrottleFraction answers a random fraction f (0..1) of requests with
// ThrottlingException.
func (e *Emulator) ThrottleFraction(f float64) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.throttleFrac = f
}

// FailNext answers the next n requests with KMSInternalException (HTTP 500).
func (e *Emulator) FailNext(n int) { e.FailNextWith(n, ExInternal) }

// FailNextWith answers the next n requests with the given exception name,
// for example ExDependencyTimeout.
func (e *Emulator) FailNextWith(n int, exception string) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.failNext, e.faults.failType = n, exception
}

// DropNext closes the connection without a response for the next n
// requests.
func (e *Emulator) DropNext(n int) {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.dropNext = n
}

// Deny makes op on the key answer AccessDeniedException. keyID may be any
// form KeyId accepts; an empty op or keyID matches every operation or key.
// It returns an error response's message if the key does not resolve.
func (e *Emulator) Deny(op, keyID string) error {
	arn := ""
	if keyID != "" {
		e.mu.RLock()
		k, aerr := e.resolveLocked(keyID)
		e.mu.RUnlock()
		if aerr != nil {
			return aerr
		}
		arn = k.arn
	}
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	if e.faults.deny == nil {
		e.faults.deny = map[denyRule]bool{}
	}
	e.faults.deny[denyRule{op, arn}] = true
	return nil
}

// ClearFaults removes every injected fault.
func (e *Emulator) ClearFaults() {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	e.faults.latency, e.faults.throttleNext, e.faults.throttleFrac = 0, 0, 0
	e.faults.failNext, e.faults.dropNext, e.faults.deny = 0, 0, nil
}

// Throttled reports how many requests were answered with an injected
// ThrottlingException.
func (e *Emulator) Throttled() int {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	return e.faults.throttledSeen
}

// A verdict is what the fault table decided for one request.
type verdict struct {
	latency time.Duration
	drop    bool
	err     *apiError
}

// decide consumes one-shot faults for a request.
func (f *faults) decide() verdict {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := verdict{latency: f.latency}
	switch {
	case f.dropNext > 0:
		f.dropNext--
		v.drop = true
	case f.failNext > 0:
		f.failNext--
		v.err = newErr(f.failType, "injected failure")
	case f.throttleNext > 0 || (f.throttleFrac > 0 && rand.Float64() < f.throttleFrac):
		if f.throttleNext > 0 {
			f.throttleNext--
		}
		f.throttledSeen++
		v.err = newErr(ExThrottling, "Rate exceeded")
	}
	return v
}

// denied reports whether op on keyARN is on the deny list.
func (e *Emulator) denied(op, keyARN string) *apiError {
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	for _, r := range []denyRule{{op, keyARN}, {"", keyARN}, {op, ""}, {"", ""}} {
		if e.faults.deny[r] {
			return newErr(ExAccessDenied, "User: arn:aws:iam::%s:user/test is not authorized to perform: kms:%s on resource: %s", e.account, op, keyARN)
		}
	}
	return nil
}

// applyFaults applies latency, drops and injected errors. It reports
// whether the request should proceed.
func (e *Emulator) applyFaults(w http.ResponseWriter, r *http.Request) bool {
	v := e.faults.decide()
	if v.latency > 0 && !e.sleep(r, v.latency) {
		return false
	}
	if v.drop {
		dropConn(w)
		return false
	}
	if v.err != nil {
		writeErr(w, v.err)
		return false
	}
	return true
}

// sleep waits d, until the client goes away or until the emulator is
// closed; it reports whether the request should still be answered.
func (e *Emulator) sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-e.done:
		return true
	}
}

// dropConn hijacks and closes the connection so the client sees a reset.
func dropConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		writeErr(w, newErr(ExInternal, "connection cannot be dropped"))
		return
	}
	if conn, _, err := hj.Hijack(); err == nil {
		_ = conn.Close()
	}
}
