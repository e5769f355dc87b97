package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/credvault/credvault/providers"
	_ "github.com/credvault/credvault/providers/all" // the CLI links every adapter, cloud ones included
	"github.com/credvault/credvault/providers/stored"
	"github.com/credvault/credvault/vault"
)

// errUnhealthy marks a connection test that did not report healthy (exit 7).
var errUnhealthy = errors.New("connection test not healthy")

// testConnection tests a stored record (<org> <registry>), using only the
// provider, URL and insecure flag sealed with it, or, with -provider, a
// credential read from stdin or -credentials-file that is never stored.
// It prints the typed result as JSON.
func (c *cli) testConnection(ctx context.Context, args []string) error {
	fs := c.flagSet("test-connection")
	ef := addEntryFlags(fs, " (with -provider)")
	allow := fs.String("allow-private", "", "comma-separated CIDR prefixes the registry may live in (a private network)")
	loopback := fs.Bool("allow-loopback", false, "allow a registry on this host (refused by default)")
	timeout := fs.Duration("timeout", 30*time.Second, "bound for the whole check")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	fromStdin := isSet(fs, "provider")
	want := 2
	if fromStdin {
		want = 0
	}
	if err := checkCount(fs, pos, want, "<org> <registry>"); err != nil {
		return err
	}
	opts, err := testOptions(*allow, *timeout)
	if err != nil {
		return err
	}
	opts.AllowLoopback = *loopback
	var res providers.Result
	if fromStdin { // even -provider="": readEntry refuses it
		e, err := c.readEntry(ef)
		if err != nil {
			return err
		}
		res = providers.TestConnection(ctx, e.Target(), e.Credential, opts)
	} else {
		v, st, _, err := c.openVault(ctx)
		if err != nil {
			return err
		}
		defer st.Close()
		res = stored.Test(ctx, v, vault.Key{Org: pos[0], Registry: pos[1]}, opts)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return err
	}
	if !res.Healthy() {
		return fmt.Errorf("%w: %s", errUnhealthy, res.Status)
	}
	return nil
}

// testOptions builds the connection-test options from the flags.
func testOptions(allow string, timeout time.Duration) (providers.Options, error) {
	opts := providers.Options{Timeout: timeout}
	for _, s := range strings.Split(allow, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return opts, fmt.Errorf("%w: -allow-private: %q is not a CIDR prefix", errUsage, s)
		}
		opts.AllowPrivate = append(opts.AllowPrivate, p)
	}
	return opts, nil
}
