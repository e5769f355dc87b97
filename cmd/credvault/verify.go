package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/credvault/credvault/vault"
	"golang.org/x/sync/errgroup"
)

// verify opens every record of -org (every org without it), -workers at
// once, reporting each that fails on stderr and a count on stdout: an
// fsck for the vault.
func (c *cli) verify(ctx context.Context, args []string) error {
	fs := c.flagSet("verify")
	org := fs.String("org", "", "only this org's records (default: every org)")
	workers := fs.Int("workers", 8, "records opened at once")
	if _, err := parse(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	if *workers < 1 {
		return fmt.Errorf("%w: verify needs -workers >= 1", errUsage)
	}
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var opened, failed int
	err = eachPage(ctx, st, *org, func(recs []vault.Record) error {
		errs := make([]error, len(recs))
		var g errgroup.Group
		g.SetLimit(*workers)
		for i, rec := range recs {
			g.Go(func() error {
				_, errs[i] = v.OpenRecord(ctx, rec)
				return nil
			})
		}
		g.Wait()
		if err := ctx.Err(); err != nil {
			return err // the page's outcomes may be the cancellation's
		}
		for _, err := range errs {
			if err != nil {
				failed++
				fmt.Fprintln(c.stderr, "credvault: verify: failed:", err)
				continue
			}
			opened++
		}
		return nil
	})
	fmt.Fprintf(c.stdout, "verify: %d opened, %d failed of %d records\n", opened, failed, opened+failed)
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("verify: %w: the counts are of the records checked so far", errInterrupted)
	case err != nil:
		return fmt.Errorf("verify: %w", err)
	case failed > 0:
		return fmt.Errorf("verify: %w: %d did not open", errPartial, failed)
	}
	return nil
}

// verifyPageSize is how many records each store page holds when a
// command visits every record.
const verifyPageSize = 500

// eachPage calls fn with every page of org's records ("" for every
// org), in key order, until fn returns an error or ctx ends.
func eachPage(ctx context.Context, st vault.Store, org string, fn func([]vault.Record) error) error {
	q := vault.Query{Org: org, Limit: verifyPageSize}
	for {
		p, err := st.List(ctx, q)
		if err != nil {
			return err
		}
		if err := fn(p.Records); err != nil {
			return err
		}
		if !p.More {
			return nil
		}
		q.After = p.Next
	}
}
