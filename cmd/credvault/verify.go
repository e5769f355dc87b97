package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/credvault/credvault/vault"
)

// verify opens every record of -org (every org without it), reporting
// each that fails on stderr and a count on stdout: an fsck for the vault.
func (c *cli) verify(ctx context.Context, args []string) error {
	fs := c.flagSet("verify")
	org := fs.String("org", "", "only this org's records (default: every org)")
	if _, err := parse(fs, args, 0, "no arguments besides flags"); err != nil {
		return err
	}
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	var opened, failed int
	err = eachRecord(ctx, st, *org, func(rec vault.Record) error {
		if _, err := v.OpenRecord(ctx, rec); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed++
			fmt.Fprintln(c.stderr, "credvault: verify: failed:", err)
			return nil
		}
		opened++
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

// eachRecord calls fn with every record of org ("" for every org), in
// key order, page by page, until fn returns an error or ctx ends.
func eachRecord(ctx context.Context, st vault.Store, org string, fn func(vault.Record) error) error {
	q := vault.Query{Org: org, Limit: verifyPageSize}
	for {
		p, err := st.List(ctx, q)
		if err != nil {
			return err
		}
		for _, rec := range p.Records {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		if !p.More {
			return nil
		}
		q.After = p.Next
	}
}
