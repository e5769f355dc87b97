package main

import (
	"context"
	"encoding/json"
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
	provider := fs.String("provider", "", "provider, as the API spells it (GHCR, AWS_ECR, ...) (required)")
	url := fs.String("url", "", "registry URL (required for self-hosted providers)")
	insecure := fs.Bool("insecure", false, "skip TLS certificate checks when testing the connection")
	file := fs.String("credentials-file", "", "read the credential JSON from this file instead of stdin")
	pos, err := parse(fs, args, 2, "<org> <registry>")
	if err != nil {
		return err
	}
	if *provider == "" {
		return fmt.Errorf("%w: put needs -provider", errUsage)
	}
	e, err := c.readEntry(*provider, *url, *insecure, *file)
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

// readEntry reads, parses and validates the credential for provider.
func (c *cli) readEntry(provider, url string, insecure bool, file string) (vault.Entry, error) {
	p, err := providers.ParseProvider(provider)
	if err != nil {
		return vault.Entry{}, fmt.Errorf("%w: %w", errInvalid, err)
	}
	data, err := c.readCredential(file)
	defer clear(data)
	if err != nil {
		return vault.Entry{}, err
	}
	cred, err := credentials.Parse(data)
	if err != nil {
		return vault.Entry{}, fmt.Errorf("%w: credential: %w", errInvalid, err)
	}
	if err := (providers.Target{Provider: p, URL: url, Insecure: insecure}).Validate(cred); err != nil {
		return vault.Entry{}, fmt.Errorf("%w: %w", errInvalid, err)
	}
	return vault.Entry{Provider: p, URL: url, Insecure: insecure, Credential: cred}, nil
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
