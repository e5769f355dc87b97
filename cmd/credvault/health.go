package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/credvault/credvault/internal/vaultenv"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
)

// A healthResult is one registry's connection test, as health prints it.
type healthResult struct {
	Registry string `json:"registry"`
	providers.Result
	// Recorded reports that the result was stored as the record's health.
	Recorded bool `json:"recorded"`
}

// health re-tests every stored registry of -org with at most
// -concurrency tests at once, records each result as the record's
// health, and prints them as a table or, with -json, a JSON array.
func (c *cli) health(ctx context.Context, args []string) error {
	fs := c.flagSet("health")
	org := fs.String("org", "", "org whose registries to test (required)")
	concurrency := fs.Int("concurrency", 4, "registries tested at once")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	noRecord := fs.Bool("no-record", false, "test only: do not store the results as the records' health")
	allow := fs.String("allow-private", "", "comma-separated CIDR prefixes the registries may live in (a private network)")
	loopback := fs.Bool("allow-loopback", false, "allow registries on this host (refused by default)")
	timeout := fs.Duration("timeout", 30*time.Second, "bound for each registry's check")
	if _, err := parse(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	if *org == "" || *concurrency < 1 {
		return fmt.Errorf("%w: health needs -org and -concurrency >= 1", errUsage)
	}
	opts, err := testOptions(*allow, *timeout)
	if err != nil {
		return err
	}
	opts.AllowLoopback = *loopback
	v, st, keys, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := keys.KEK(ctx, *org); err != nil {
		return vaultenv.KeysetHint(*org, err)
	}
	var regs []vault.Key
	err = eachPage(ctx, st, *org, func(recs []vault.Record) error {
		for _, r := range recs {
			regs = append(regs, r.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	results, err := testAll(ctx, v, regs, opts, *concurrency, !*noRecord)
	if err := c.printHealth(results, *asJSON); err != nil {
		return err
	}
	return healthOutcome(ctx, results, len(regs), err)
}

// testAll tests every registry of regs, at most concurrency at once, and
// with record stores each result as its record's health. It stops
// starting tests when ctx ends; the results are those of the tests that
// ran to their end, in regs' order.
func testAll(ctx context.Context, v *vault.Vault, regs []vault.Key, opts providers.Options, concurrency int, record bool) ([]healthResult, error) {
	out := make([]*healthResult, len(regs))
	var mu sync.Mutex
	var recordErr error
	slots := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, k := range regs {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			res := stored.Test(ctx, v, k, opts)
			if ctx.Err() != nil { // cut short: not a result
				return
			}
			r := &healthResult{Registry: k.Registry, Result: res}
			if record {
				err := v.RecordHealth(ctx, k, res, time.Now())
				r.Recorded = err == nil
				if err != nil && !errors.Is(err, vault.ErrNotFound) { // a record deleted meanwhile has no health
					mu.Lock()
					recordErr = errors.Join(recordErr, err)
					mu.Unlock()
				}
			}
			out[i] = r
		})
	}
	wg.Wait()
	var results []healthResult
	for _, r := range out {
		if r != nil {
			results = append(results, *r)
		}
	}
	return results, recordErr
}

// printHealth prints results as a table or a JSON array.
func (c *cli) printHealth(results []healthResult, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if results == nil {
			results = []healthResult{}
		}
		return enc.Encode(results)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REGISTRY\tSTATUS\tLATENCY\tRECORDED\tMESSAGE")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%dms\t%v\t%s\n", r.Registry, r.Status, r.LatencyMs, r.Recorded, r.Message)
	}
	return tw.Flush()
}

// healthOutcome is health's error: interrupted (exit 130), a result that
// could not be recorded (exit 1), or a registry not healthy (exit 7).
func healthOutcome(ctx context.Context, results []healthResult, total int, recordErr error) error {
	unhealthy := 0
	for _, r := range results {
		if !r.Healthy() {
			unhealthy++
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("health: %w: %d of %d registries tested", errInterrupted, len(results), total)
	case recordErr != nil:
		return fmt.Errorf("health: recording results: %w", recordErr)
	case unhealthy > 0:
		return fmt.Errorf("health: %w: %d of %d registries", errUnhealthy, unhealthy, total)
	}
	return nil
}
