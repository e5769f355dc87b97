package providers_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/providers"
)

// TestThousandChecksBoundedConcurrency runs 1,000 checks, 16 at a time,
// against one token-auth registry: every result correct, and no goroutine
// left behind once the servers' idle connections are gone.
func TestThousandChecksBoundedConcurrency(t *testing.T) {
	pc := provCases[7] // docker_registry: Bearer, three round trips
	r := pc.start(t)
	tg, o := pc.target(r), opts(r)
	base := runtime.NumGoroutine()
	const total, workers = 1000, 16
	results := make(chan providers.Result, total)
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range total {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := pc.good()
			if i%10 == 0 {
				c = pc.bad()
			}
			results <- providers.TestConnection(context.Background(), tg, c, o)
		}()
	}
	wg.Wait()
	close(results)
	counts := map[providers.Status]int{}
	for res := range results {
		counts[res.Status]++
	}
	if counts[providers.StatusHealthy] != 900 || counts[providers.StatusAuthFailed] != 100 {
		t.Fatalf("counts %v, want 900 healthy and 100 auth_failed", counts)
	}
	assertSettles(t, base)
}

// assertSettles waits for the goroutine count to come back to base (a
// little slack for the runtime's own), failing if it never does.
func assertSettles(t *testing.T, base int) {
	t.Helper()
	var n int
	for range 200 {
		if n = runtime.NumGoroutine(); n <= base+2 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Fatalf("goroutines: %d, started with %d\n%s", n, base, buf[:runtime.Stack(buf, true)])
}

// BenchmarkTestConnection reports the round trips of a healthy check per
// provider against its emulator: at most 3 for Bearer challenges and 2 for
// Basic ones (JFrog and Harness add one identity/API call).
func BenchmarkTestConnection(b *testing.B) {
	for _, pc := range provCases {
		b.Run(pc.name, func(b *testing.B) {
			r := pc.start(b)
			tg, o, c := pc.target(r), opts(r), pc.good()
			trips := 0
			for b.Loop() {
				res := providers.TestConnection(context.Background(), tg, c, o)
				if !res.Healthy() {
					b.Fatalf("%+v", res)
				}
				trips = res.RoundTrips
			}
			b.ReportMetric(float64(trips), "roundtrips/op")
		})
	}
}
