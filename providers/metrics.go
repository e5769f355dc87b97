package providers

import (
	"context"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// The connection test's one instrument, credvault.connection_test.duration:
// a histogram in seconds whose counts are the outcomes, by provider
// (credvault.provider: a provider of the table, or "_OTHER") and status
// (credvault.connection_test.status: a Status). Neither attribute
// carries a URL, an org, a credential or a message.

// instrumentationName is the package's OpenTelemetry instrumentation scope.
const instrumentationName = "github.com/credvault/credvault/providers"

// recordTest records one connection test of provider p that ended in
// status s after d, to mp (nil: otel's global provider).
func recordTest(ctx context.Context, mp metric.MeterProvider, p Provider, s Status, d time.Duration) {
	h := testHistogram(mp)
	if h == nil || !h.Enabled(ctx) {
		return
	}
	if _, ok := Lookup(p); !ok {
		p = "_OTHER" // what the caller typed is no attribute
	}
	h.Record(ctx, d.Seconds(), metric.WithAttributes(
		attribute.String("credvault.provider", string(p)), attribute.String("credvault.connection_test.status", string(s))))
}

// testHistogram returns mp's connection-test histogram, or nil if mp
// refused to create it (the error goes to otel's error handler). It is
// looked up on every test: providers cache their instruments, and a test
// costs network round trips.
func testHistogram(mp metric.MeterProvider) metric.Float64Histogram {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	h, err := mp.Meter(instrumentationName).Float64Histogram("credvault.connection_test.duration",
		metric.WithUnit("s"), metric.WithDescription("Duration of connection tests, by provider and status."),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
	if err != nil {
		otel.Handle(err)
		return nil
	}
	return h
}
