// Command awskms seals and opens a registry credential with an AWS KMS key
// as the org's KEK, then rotates it to a second key with KMS ReEncrypt.
//
// By default it runs OFFLINE against an in-process AWS KMS emulator
// (internal/kmsemu, driven by the real aws-sdk-go-v2 client): no AWS
// account, credentials or network are used. Give -key to use real AWS KMS
// with the standard AWS credential chain (environment, shared config, SSO,
// instance role):
//
//	go run ./examples/awskms
//	go run ./examples/awskms -key alias/credvault-acme -region eu-west-1 [-rewrap-to alias/credvault-acme-2]
//
// With real KMS the caller needs kms:Encrypt, kms:Decrypt and, for
// -rewrap-to, kms:ReEncryptFrom on -key and kms:ReEncryptTo on the second
// key; kms:DescribeKey when a key is named by alias. Records are kept in
// memory only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/kmsemu"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

// options are the command-line flags.
type options struct {
	key, rewrapTo, region string
}

func main() {
	var o options
	flag.StringVar(&o.key, "key", "", "KMS key ID, alias (alias/name) or ARN; empty runs offline against an emulator")
	flag.StringVar(&o.rewrapTo, "rewrap-to", "", "with -key: a second KMS key to rewrap to (ReEncrypt); offline mode makes one")
	flag.StringVar(&o.region, "region", "", "AWS Region (default: from the AWS configuration)")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// target is the KMS the demo talks to.
type target struct {
	client   *auditClient
	key      string // identifier of the first key
	rewrapTo string // identifier of the second key, "" to skip the rewrap
	// retarget, offline only, points key (an alias) at the second key.
	retarget func() error
	close    func()
}

func run(ctx context.Context, o options, w io.Writer) error {
	t, err := connect(ctx, o, w)
	if err != nil {
		return err
	}
	defer t.close()
	k, err := awskms.New(t.client, t.key)
	if err != nil {
		return err
	}
	store := memstore.New()
	v, err := vault.New(store, kek.StaticResolver{"acme": k}, vault.WithDEKCache(128, 5*time.Minute))
	if err != nil {
		return err
	}
	ref := vault.Key{Org: "acme", Registry: "ghcr-main"}
	arn, err := sealAndOpen(ctx, v, t.client, ref, w)
	if err != nil {
		return err
	}
	if err := cachedOpens(ctx, v, t.client, ref, w); err != nil {
		return err
	}
	return rewrap(ctx, store, t, arn, ref, w)
}

// connect sets up the emulator (offline) or a real KMS client.
func connect(ctx context.Context, o options, w io.Writer) (*target, error) {
	if o.key == "" {
		return offline(w)
	}
	var lo []func(*config.LoadOptions) error
	if o.region != "" {
		lo = append(lo, config.WithRegion(o.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	fmt.Fprintf(w, "REAL AWS KMS in %s, key %s\n", cfg.Region, o.key)
	return &target{client: newAuditClient(kms.NewFromConfig(cfg)), key: o.key, rewrapTo: o.rewrapTo, close: func() {}}, nil
}

// offline starts an in-process KMS emulator with two keys and an alias.
func offline(w io.Writer) (*target, error) {
	fmt.Fprintln(w, "*** OFFLINE MODE: an in-process AWS KMS emulator (internal/kmsemu) stands in for AWS KMS. ***")
	fmt.Fprintln(w, "*** No AWS account or network is used. Pass -key <id|alias|ARN> to use real AWS KMS.       ***")
	e := kmsemu.New()
	srv := httptest.NewServer(e)
	e.URL = srv.URL
	a, b := e.AddKey(false), e.AddKey(false)
	const alias = "alias/credvault-acme"
	if err := e.AddAlias(alias, a); err != nil {
		srv.Close()
		return nil, err
	}
	return &target{
		client:   newAuditClient(kms.NewFromConfig(e.Config())),
		key:      alias,
		rewrapTo: alias,
		retarget: func() error { return e.RetargetAlias(alias, b) },
		close:    func() { e.Close(); srv.Close() },
	}, nil
}

// sealAndOpen stores a credential, shows what KMS recorded, opens it,
// and returns the key ARN that wrapped its DEK.
func sealAndOpen(ctx context.Context, v *vault.Vault, c *auditClient, ref vault.Key, w io.Writer) (string, error) {
	cred := credentials.UsernamePat{Username: "deploy-bot", Pat: credentials.NewSecret("ghp_EXAMPLEexampleEXAMPLEexample0000")}
	d, err := v.Put(ctx, ref, vault.Entry{Provider: "GHCR", URL: "https://ghcr.io", Credential: cred})
	if err != nil {
		return "", fmt.Errorf("put: %w", err)
	}
	fmt.Fprintf(w, "\nsealed %s (version %d)\n  DEK wrapped by key ARN: %s\n", ref, d.Version, d.KeyID)
	fmt.Fprintln(w, "  EncryptionContext sent to KMS (logged by CloudTrail):")
	ec := c.lastContext()
	for _, name := range slices.Sorted(maps.Keys(ec)) {
		fmt.Fprintf(w, "    %-20s = %s\n", name, ec[name])
	}
	e, _, err := v.Open(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	got, ok := e.Credential.(credentials.UsernamePat)
	if !ok || got.Pat.Reveal() != cred.Pat.Reveal() {
		return "", errors.New("opened credential differs from the one sealed")
	}
	fmt.Fprintf(w, "opened: username=%s pat=%v (Secret prints redacted)\n", got.Username, got.Pat)
	return d.KeyID, nil
}

// cachedOpens opens the record repeatedly: the DEK cache serves them.
func cachedOpens(ctx context.Context, v *vault.Vault, c *auditClient, ref vault.Key, w io.Writer) error {
	before := c.decrypts.Load()
	for range 100 {
		if _, _, err := v.Open(ctx, ref); err != nil {
			return fmt.Errorf("open: %w", err)
		}
	}
	s := v.Stats()
	fmt.Fprintf(w, "\n100 more opens: %d KMS Decrypt calls (DEK cache hits %d, misses %d)\n",
		c.decrypts.Load()-before, s.CacheHits, s.CacheMisses)
	return nil
}

// rewrap moves the record to the second key with a rotation job, which
// uses KMS ReEncrypt: the plaintext DEK never enters this process.
func rewrap(ctx context.Context, store vault.Store, t *target, oldARN string, ref vault.Key, w io.Writer) error {
	if t.rewrapTo == "" {
		fmt.Fprintln(w, "\nno -rewrap-to key given: skipping the ReEncrypt rotation")
		return nil
	}
	if t.retarget != nil {
		if err := t.retarget(); err != nil {
			return err
		}
		fmt.Fprintln(w, "\nalias/credvault-acme now points at a second key")
	}
	k, err := awskms.New(t.client, t.rewrapTo, awskms.WithAllowedKeys(oldARN))
	if err != nil {
		return err
	}
	v, err := vault.New(store, kek.StaticResolver{"acme": k})
	if err != nil {
		return err
	}
	dec, re := t.client.decrypts.Load(), t.client.reencrypts.Load()
	sum, err := v.RewrapKEK(ctx, vault.RewrapOptions{JobOptions: vault.JobOptions{Org: ref.Org}})
	if err != nil || sum.Failed != 0 {
		return fmt.Errorf("rewrap: %+v: %w", sum.Progress, err)
	}
	d, err := v.Describe(ctx, ref)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "rewrapped %d record(s) with %d ReEncrypt and %d Decrypt calls\n  DEK now wrapped by key ARN: %s\n",
		sum.Done, t.client.reencrypts.Load()-re, t.client.decrypts.Load()-dec, d.KeyID)
	if _, _, err := v.Open(ctx, ref); err != nil {
		return fmt.Errorf("open after rewrap: %w", err)
	}
	fmt.Fprintln(w, "opened after rewrap: ok")
	return nil
}

// auditClient is a KMS client that counts calls and keeps the last
// Encrypt EncryptionContext, for display.
type auditClient struct {
	*kms.Client
	decrypts, reencrypts atomic.Int64

	mu   sync.Mutex
	last map[string]string
}

func newAuditClient(c *kms.Client) *auditClient { return &auditClient{Client: c} }

// Encrypt records the context and calls KMS.
func (a *auditClient) Encrypt(ctx context.Context, in *kms.EncryptInput, o ...func(*kms.Options)) (*kms.EncryptOutput, error) {
	a.mu.Lock()
	a.last = maps.Clone(in.EncryptionContext)
	a.mu.Unlock()
	return a.Client.Encrypt(ctx, in, o...)
}

// Decrypt counts and calls KMS.
func (a *auditClient) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	a.decrypts.Add(1)
	return a.Client.Decrypt(ctx, in, o...)
}

// ReEncrypt counts and calls KMS.
func (a *auditClient) ReEncrypt(ctx context.Context, in *kms.ReEncryptInput, o ...func(*kms.Options)) (*kms.ReEncryptOutput, error) {
	a.reencrypts.Add(1)
	return a.Client.ReEncrypt(ctx, in, o...)
}

func (a *auditClient) lastContext() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.last
}

var _ awskms.KMSAPI = (*auditClient)(nil)
