package vault

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/credvault/credvault/kek"
)

// The vault's instruments and log events, in one place. Every attribute
// value is one of the fixed strings below: none carries an org, a
// registry, a key ID or anything sealed. Orgs are left out on purpose:
// their number is unbounded (one series per tenant) and tenant names may
// not belong in a shared monitoring system; the job log events carry the
// org instead.

// instrumentationName is the vault's OpenTelemetry instrumentation scope.
const instrumentationName = "github.com/credvault/credvault/vault"

// Attribute keys.
const (
	attrErrorType    = "error.type"                  // semantic conventions: set only on failure
	attrKEKOperation = "credvault.kek.operation"     // wrap, unwrap, rewrap
	attrCacheResult  = "credvault.dek_cache.result"  // hit, miss
	attrJobKind      = "credvault.job.kind"          // rewrap, dek
	attrRecordResult = "credvault.job.record.result" // done, skipped, failed
	attrJobResult    = "credvault.job.result"        // completed, failed, canceled
	attrLeaseChange  = "credvault.lease.change"      // acquired, lost, released
)

// Job kinds, the values of credvault.job.kind and the log events' job.
const (
	jobRewrap = "rewrap"
	jobDEK    = "dek"
)

// leaseKinds are the job kinds a lease name "<kind>/<org>" may start with
// and its credvault.job.kind then carries: the vault's and package
// schedule's jobs. Any other name is "_OTHER": a lease name is the
// caller's string.
var leaseKinds = []string{jobRewrap, jobDEK, "kek", "retire", "health"}

// errorTypes are the values of error.type, the first match (errors.Is)
// winning; any other error is "_OTHER", as the semantic conventions spell
// a value outside the known set.
var errorTypes = []struct {
	name string
	err  error
}{
	{"canceled", context.Canceled},
	{"deadline_exceeded", context.DeadlineExceeded},
	{"invalid_entry", ErrInvalidEntry},
	{"invalid_name", kek.ErrInvalidName},
	{"corrupt", ErrCorrupt}, // before kek.ErrUnwrap, which it may wrap
	{"not_found", ErrNotFound},
	{"conflict", ErrConflict},
	{"kek_unwrap", kek.ErrUnwrap},
	{"kek_key_not_found", kek.ErrKeyNotFound},
	{"kek_key_disabled", kek.ErrKeyDisabled},
	{"kek_key_destroyed", kek.ErrKeyDestroyed},
	{"kek_access_denied", kek.ErrAccessDenied},
	{"kek_context_mismatch", kek.ErrContextMismatch},
	{"kek_unavailable", kek.ErrUnavailable},
	{"kek_invalid_input", kek.ErrInvalidInput},
}

// errorTypeOther is the index of "_OTHER" in a timer's options.
var errorTypeOther = len(errorTypes) + 1

// durationBuckets suit operations from microseconds (a local seal) to
// seconds (a slow KMS).
var durationBuckets = []float64{0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

// WithMeterProvider sends the vault's metrics to mp; by default they go
// to otel's global MeterProvider, which is a no-op until the application
// installs one. README's Observability section lists the instruments.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(v *Vault) error {
		if mp == nil {
			return fmt.Errorf("%w: nil MeterProvider", ErrInvalidEntry)
		}
		v.mp = mp
		return nil
	}
}

// WithLogger sends the rotation jobs' events to l; by default they are
// discarded. Each job logs "credvault job started" (or "credvault job
// resumed", with the registry it resumes after) and then one of
// "credvault job finished" (Warn when records failed), "credvault job
// canceled" (Warn) or "credvault job failed" (Error), with the org, the
// job kind and the counts. No event carries a secret.
func WithLogger(l *slog.Logger) Option {
	return func(v *Vault) error {
		if l == nil {
			return fmt.Errorf("%w: nil Logger", ErrInvalidEntry)
		}
		v.log = l
		return nil
	}
}

// metrics holds the vault's instruments and each attribute set they are
// recorded with, built once so that recording allocates nothing.
type metrics struct {
	seal, open                    timer
	kekWrap, kekUnwrap, kekRewrap timer
	cache                         metric.Int64Counter
	cacheHit, cacheMiss           []metric.AddOption
	records                       metric.Int64Counter
	jobs                          metric.Float64Histogram
}

// newMetrics creates the vault's instruments from mp (nil: otel's global
// provider).
func newMetrics(mp metric.MeterProvider) (*metrics, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(instrumentationName)
	m := &metrics{
		cacheHit:  addOptions(attribute.String(attrCacheResult, "hit")),
		cacheMiss: addOptions(attribute.String(attrCacheResult, "miss")),
	}
	seal, err1 := durationHistogram(meter, "credvault.vault.seal.duration", "Duration of Vault.Seal (and so of Put's sealing).")
	open, err2 := durationHistogram(meter, "credvault.vault.open.duration", "Duration of Vault.OpenRecord (and so of Open's decryption).")
	kk, err3 := durationHistogram(meter, "credvault.kek.operation.duration", "Duration of KEK (KMS) calls: wrap, unwrap, rewrap.")
	jobs, err4 := durationHistogram(meter, "credvault.job.duration", "Duration of rotation jobs.")
	var err5, err6 error
	m.cache, err5 = meter.Int64Counter("credvault.vault.dek_cache.lookups", metric.WithUnit("{lookup}"),
		metric.WithDescription("DEK cache lookups by opens, hit or miss (only with WithDEKCache)."))
	m.records, err6 = meter.Int64Counter("credvault.job.records", metric.WithUnit("{record}"),
		metric.WithDescription("Records a rotation job has settled, by result."))
	if err := errors.Join(err1, err2, err3, err4, err5, err6); err != nil {
		return nil, fmt.Errorf("vault: metrics: %w", err)
	}
	m.seal, m.open, m.jobs = newTimer(seal), newTimer(open), jobs
	m.kekWrap = newTimer(kk, attribute.String(attrKEKOperation, "wrap"))
	m.kekUnwrap = newTimer(kk, attribute.String(attrKEKOperation, "unwrap"))
	m.kekRewrap = newTimer(kk, attribute.String(attrKEKOperation, "rewrap"))
	return m, nil
}

func durationHistogram(meter metric.Meter, name, desc string) (metric.Float64Histogram, error) {
	return meter.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
}

func addOptions(kvs ...attribute.KeyValue) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(kvs...))}
}

// A timer records durations in a histogram, with fixed attributes plus
// error.type on failure: opts[0] is success, opts[i] the error type
// errorTypes[i-1], opts[errorTypeOther] any other error.
type timer struct {
	h    metric.Float64Histogram
	opts [][]metric.RecordOption
}

func newTimer(h metric.Float64Histogram, kvs ...attribute.KeyValue) timer {
	t := timer{h: h, opts: make([][]metric.RecordOption, errorTypeOther+1)}
	for i := range t.opts {
		set := kvs
		switch {
		case i == errorTypeOther:
			set = append(kvs[:len(kvs):len(kvs)], attribute.String(attrErrorType, "_OTHER"))
		case i > 0:
			set = append(kvs[:len(kvs):len(kvs)], attribute.String(attrErrorType, errorTypes[i-1].name))
		}
		t.opts[i] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(set...))}
	}
	return t
}

// start returns the time to measure from, or the zero time when nothing
// records t (the default no-op provider), which stop then ignores.
func (t *timer) start(ctx context.Context) time.Time {
	if !t.h.Enabled(ctx) {
		return time.Time{}
	}
	return time.Now()
}

// stop records the time since start, with the error type of *err.
func (t *timer) stop(ctx context.Context, start time.Time, err *error) {
	if start.IsZero() {
		return
	}
	t.h.Record(ctx, time.Since(start).Seconds(), t.opts[errorIndex(*err)]...)
}

// errorIndex is err's index in a timer's options.
func errorIndex(err error) int {
	if err == nil {
		return 0
	}
	for i, t := range errorTypes {
		if errors.Is(err, t.err) {
			return i + 1
		}
	}
	return errorTypeOther
}

// cacheLookup counts one DEK cache lookup.
func (m *metrics) cacheLookup(ctx context.Context, hit bool) {
	if hit {
		m.cache.Add(ctx, 1, m.cacheHit...)
	} else {
		m.cache.Add(ctx, 1, m.cacheMiss...)
	}
}

// jobObserver reports one job: its records to the metrics and its start
// and end to the log.
type jobObserver struct {
	m                     *metrics
	log                   *slog.Logger
	kind, org             string
	dryRun                bool
	done, skipped, failed []metric.AddOption
}

func (v *Vault) observeJob(kind string, opts JobOptions) jobObserver {
	k := attribute.String(attrJobKind, kind)
	return jobObserver{m: v.m, log: v.log, kind: kind, org: opts.Org, dryRun: opts.DryRun,
		done:    addOptions(k, attribute.String(attrRecordResult, "done")),
		skipped: addOptions(k, attribute.String(attrRecordResult, "skipped")),
		failed:  addOptions(k, attribute.String(attrRecordResult, "failed")),
	}
}

// record counts one settled record; a dry run rotates nothing and counts
// nothing.
func (o *jobObserver) record(ctx context.Context, opts []metric.AddOption) {
	if !o.dryRun {
		o.m.records.Add(ctx, 1, opts...)
	}
}

// started logs the start of a job over total records, resumed after the
// key after when resumed.
func (o *jobObserver) started(ctx context.Context, total int64, resumed bool, after Key) {
	attrs := []any{"org", o.org, "job", o.kind, "total", total, "dry_run", o.dryRun}
	if resumed {
		o.log.InfoContext(ctx, "credvault job resumed", append(attrs, "after", after.Registry)...)
		return
	}
	o.log.InfoContext(ctx, "credvault job started", attrs...)
}

// finished logs the end of a job and records its duration.
func (o *jobObserver) finished(ctx context.Context, p Progress, err error) {
	result := "completed"
	switch {
	case err != nil && ctx.Err() != nil:
		result = "canceled"
	case err != nil:
		result = "failed"
	}
	if !o.dryRun {
		o.m.jobs.Record(ctx, p.Elapsed.Seconds(),
			metric.WithAttributes(attribute.String(attrJobKind, o.kind), attribute.String(attrJobResult, result)))
	}
	attrs := []any{"org", o.org, "job", o.kind, "result", result, "done", p.Done, "skipped", p.Skipped,
		"failed", p.Failed, "total", p.Total, "elapsed", p.Elapsed, "dry_run", o.dryRun}
	switch {
	case result == "canceled":
		o.log.WarnContext(ctx, "credvault job canceled", append(attrs, "error", err.Error())...)
	case err != nil:
		o.log.ErrorContext(ctx, "credvault job failed", append(attrs, "error", err.Error())...)
	case p.Failed > 0:
		o.log.WarnContext(ctx, "credvault job finished", attrs...)
	default:
		o.log.InfoContext(ctx, "credvault job finished", attrs...)
	}
}

// A leaseObserver counts one lease's changes in credvault.lease.changes.
type leaseObserver struct {
	c                        metric.Int64Counter
	acquired, lost, released []metric.AddOption
}

// observeLease returns the observer of the lease name, recording to mp
// (nil: otel's global provider); a provider that refuses the instrument
// gets a no-op observer, and the error goes to otel's error handler.
func observeLease(mp metric.MeterProvider, name string) leaseObserver {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	c, err := mp.Meter(instrumentationName).Int64Counter("credvault.lease.changes", metric.WithUnit("{change}"),
		metric.WithDescription("Job lease changes: acquired, lost, released."))
	if err != nil {
		otel.Handle(err)
		c = noop.Int64Counter{}
	}
	kind, _, _ := strings.Cut(name, "/")
	if !slices.Contains(leaseKinds, kind) {
		kind = "_OTHER"
	}
	k := attribute.String(attrJobKind, kind)
	return leaseObserver{c: c,
		acquired: addOptions(k, attribute.String(attrLeaseChange, "acquired")),
		lost:     addOptions(k, attribute.String(attrLeaseChange, "lost")),
		released: addOptions(k, attribute.String(attrLeaseChange, "released")),
	}
}

// acquiredLease counts the lease's acquisition.
func (o leaseObserver) acquiredLease(ctx context.Context) { o.c.Add(ctx, 1, o.acquired...) }

// endedLease counts the end of the lease's term: lost, or released when
// the release succeeded.
func (o leaseObserver) endedLease(ctx context.Context, lost bool, releaseErr error) {
	switch {
	case lost:
		o.c.Add(ctx, 1, o.lost...)
	case releaseErr == nil:
		o.c.Add(ctx, 1, o.released...)
	}
}
