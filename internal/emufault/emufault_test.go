package emufault

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestThrottleBudget(t *testing.T) {
	var f Faults
	f.ThrottleNext(2)
	got := []bool{f.TakeThrottle(), f.TakeThrottle(), f.TakeThrottle()}
	if !got[0] || !got[1] || got[2] {
		t.Fatalf("throttled %v, want the first two only", got)
	}
}

func TestReleaseEndsDelay(t *testing.T) {
	var f Faults
	f.SetLatency(time.Hour)
	done := make(chan struct{})
	go func() { f.Delay(httptest.NewRequest("GET", "/", nil)); close(done) }()
	f.Release()
	f.Release() // idempotent
	<-done      // would hang for an hour if Release did not end the delay
}

func TestRandomHex(t *testing.T) {
	a, b := RandomHex(8), RandomHex(8)
	if len(a) != 16 || a == b {
		t.Fatalf("RandomHex: %q %q", a, b)
	}
}
