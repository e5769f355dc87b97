package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
)

// get prints a record's redacted description as JSON. There is no
// unredacted form: -redacted is required so that scripts say what they
// get.
func (c *cli) get(ctx context.Context, args []string) error {
	fs := c.flagSet("get")
	redacted := fs.Bool("redacted", false, "print the redacted description (required: there is no other form)")
	pos, err := parse(fs, args, 2, "<org> <registry>")
	if err != nil {
		return err
	}
	if !*redacted {
		return fmt.Errorf("%w: get prints only the redacted description: pass -redacted", errUsage)
	}
	k := vault.Key{Org: pos[0], Registry: pos[1]}
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := v.Describe(ctx, k)
	if err != nil {
		return fmt.Errorf("get %s: %w", k, err)
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// maxCredentialInput caps the credential JSON read from stdin or a file.
const maxCredentialInput = credentials.MaxInputSize

// put seals the credential JSON read from stdin (or -credentials-file)
// and stores it, replacing any earlier record.
func (c *cli) put(ctx context.Context, args []string) error {
	fs := c.flagSet("put")
	ef := addEntryFlags(fs, "")
	pos, err := parse(fs, args, 2, "<org> <registry>")
	if err != nil {
		return err
	}
	if ef.provider == "" {
		return fmt.Errorf("%w: put needs -provider", errUsage)
	}
	e, err := c.readEntry(ef)
	if err != nil {
		return err
	}
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	k := vault.Key{Org: pos[0], Registry: pos[1]}
	d, err := v.Put(ctx, k, e)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "stored %s version %d (%s, key %s)\n", k, d.Version, d.Kind, d.KeyID)
	return err
}

// entryFlags are the flags that describe an entry: put's, and
// test-connection's with -provider.
type entryFlags struct {
	provider, url, robotPrefix, caFile, credFile string
	insecure                                     bool
	anonymous                                    bool // test-connection only: read no credential
}

// addEntryFlags defines the entry flags on fs; note qualifies the usage
// of every flag but -provider (test-connection says "(with -provider)").
func addEntryFlags(fs *flag.FlagSet, note string) *entryFlags {
	ef := &entryFlags{}
	fs.StringVar(&ef.provider, "provider", "", "provider, as the API spells it (GHCR, AWS_ECR, ...)")
	fs.StringVar(&ef.url, "url", "", "registry URL (required for self-hosted providers)"+note)
	fs.BoolVar(&ef.insecure, "insecure", false, "skip TLS certificate checks when testing the connection"+note)
	fs.StringVar(&ef.robotPrefix, "robot-prefix", "", "a self-hosted Harbor's robot name prefix (default robot$)"+note)
	fs.StringVar(&ef.caFile, "ca-file", "", "PEM file of CA certificates to trust for this registry besides the system roots"+note)
	fs.StringVar(&ef.caFile, "ca-bundle", "", "the same as -ca-file"+note)
	fs.StringVar(&ef.credFile, "credentials-file", "", "read the credential JSON from this file instead of stdin"+note)
	return ef
}

// readEntry reads the CA bundle and the credential the flags name (no
// credential with -anonymous), and validates the entry against the
// provider table.
func (c *cli) readEntry(ef *entryFlags) (vault.Entry, error) {
	p, err := providers.ParseProvider(ef.provider)
	if err != nil {
		return vault.Entry{}, fmt.Errorf("%w: %w", errInvalid, err)
	}
	e := vault.Entry{Provider: p, URL: ef.url, Insecure: ef.insecure, RobotPrefix: ef.robotPrefix}
	if ef.caFile != "" {
		if e.CABundle, err = readCapped(ef.caFile, vault.MaxCABundleSize); err != nil {
			return vault.Entry{}, fmt.Errorf("reading the CA bundle: %w", err)
		}
	}
	if !ef.anonymous {
		if e.Credential, err = c.parseCredential(ef.credFile); err != nil {
			return vault.Entry{}, err
		}
	}
	if err := e.Target().Validate(e.Credential); err != nil {
		return vault.Entry{}, fmt.Errorf("%w: %w", errInvalid, err)
	}
	return e, nil
}

// parseCredential reads and parses the credential JSON from file, or
// stdin when file is empty.
func (c *cli) parseCredential(file string) (credentials.Credential, error) {
	data, err := c.readCredential(file)
	defer clear(data)
	if err != nil {
		return nil, err
	}
	cred, err := credentials.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: credential: %w", errInvalid, err)
	}
	return cred, nil
}

// readCredential reads the credential JSON from file, or stdin when file
// is empty.
func (c *cli) readCredential(file string) ([]byte, error) {
	if file == "" {
		data, err := readAllCapped(c.stdin, maxCredentialInput)
		if err != nil {
			return nil, fmt.Errorf("reading the credential from stdin: %w", err)
		}
		return data, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading the credential file: %w", err)
	}
	defer f.Close()
	data, err := readAllCapped(f, maxCredentialInput)
	if err != nil {
		return nil, fmt.Errorf("reading the credential file: %w", err)
	}
	return data, nil
}
