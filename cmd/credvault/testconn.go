package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
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

// testConnection tests a stored record (<org> <registry>), using only
// what was sealed with it, or, with -provider, a credential read from
// stdin or -credentials-file that is never stored (or none, with
// -anonymous). It prints the typed result as JSON.
func (c *cli) testConnection(ctx context.Context, args []string) error {
	fs := c.flagSet("test-connection")
	ef := addEntryFlags(fs, " (with -provider)")
	fs.BoolVar(&ef.anonymous, "anonymous", false, "test anonymous access on purpose: read no credential (with -provider)")
	allow := fs.String("allow-private", "", "comma-separated CIDR prefixes the registry may live in (a private network)")
	loopback := fs.Bool("allow-loopback", false, "allow a registry on this host (refused by default)")
	timeout := fs.Duration("timeout", 30*time.Second, "the whole check's budget")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	fromStdin := isSet(fs, "provider")
	if err := checkTestForm(fs, pos, fromStdin, ef); err != nil {
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

// adHocFlags are the flags only the -provider form uses: the stored form
// tests what was sealed, so it refuses them rather than ignore them.
var adHocFlags = []string{"url", "insecure", "robot-prefix", "ca-file", "ca-bundle", "credentials-file", "anonymous"}

// checkTestForm checks the arguments of the form in use: <org> <registry>
// and none of adHocFlags, or -provider and no positional argument.
func checkTestForm(fs *flag.FlagSet, pos []string, fromStdin bool, ef *entryFlags) error {
	if fromStdin {
		if ef.anonymous && ef.credFile != "" {
			return fmt.Errorf("%w: -anonymous reads no credential: -credentials-file is refused with it", errUsage)
		}
		return checkCount(fs, pos, 0, "no arguments with -provider")
	}
	for _, name := range adHocFlags {
		if isSet(fs, name) {
			return fmt.Errorf("%w: test-connection <org> <registry> tests what was sealed with the record: -%s is refused (it belongs to the -provider form)", errUsage, name)
		}
	}
	return checkCount(fs, pos, 2, "<org> <registry>")
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
