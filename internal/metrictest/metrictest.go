// Package metrictest collects what the library's OpenTelemetry
// instruments recorded, for tests: through the SDK's ManualReader, and
// checking that no attribute carries what a test forbids (its canary
// secrets, orgs, URLs). Only tests import it, so the SDK stays out of
// the library's dependencies.
package metrictest

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Provider returns an SDK MeterProvider, every instrument enabled, and
// the reader that collects from it.
func Provider() (*sdkmetric.MeterProvider, *sdkmetric.ManualReader) {
	r := sdkmetric.NewManualReader()
	return sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)), r
}

// Series collects every data point r holds as "name{k=v,...}" (the
// attributes sorted by key) -> a histogram's count or a sum's value. It
// fails t if an attribute name or value contains one of banned, or if an
// instrument is of a kind the library does not use.
func Series(t testing.TB, r sdkmetric.Reader, banned ...string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	point := func(name string, attrs attribute.Set, n int64) {
		for _, kv := range attrs.ToSlice() {
			for _, b := range banned {
				if strings.Contains(string(kv.Key), b) || strings.Contains(kv.Value.String(), b) {
					t.Fatalf("%s: attribute %s=%s carries %q", name, kv.Key, kv.Value.String(), b)
				}
			}
		}
		out[name+"{"+attrs.Encoded(attribute.DefaultEncoder())+"}"] += n
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					point(m.Name, p.Attributes, int64(p.Count))
				}
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					point(m.Name, p.Attributes, p.Value)
				}
			default:
				t.Fatalf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return out
}
