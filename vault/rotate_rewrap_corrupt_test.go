package vault_test

import (
	"context"
	"errors"
	"testing"

	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/awskms"
	"github.com/credvault/credvault/vault"
)

// TestRewrapKEKServerSideCorruptIsErrCorrupt: a record whose wrapped
// DEK was altered fails a server-side rewrap (AWS KMS ReEncrypt). The
// package documents that a record failing authentication is ErrCorrupt
// (and kek.ErrUnwrap when the KEK refused the wrapped DEK), as Open and
// the local unwrap+wrap rewrap report it; the server-side path must too.
func TestRewrapKEKServerSideCorruptIsErrCorrupt(t *testing.T) {
	e := newKMSEnv(t)
	ctx := context.Background()
	k := vault.Key{Org: "acme", Registry: "reg-bad"}
	if _, err := e.v.Put(ctx, k, entry(fixtures.All(canary)[0])); err != nil {
		t.Fatal(err)
	}
	corrupt(t, e.store, k)
	if _, _, err := e.v.Open(ctx, k); !errors.Is(err, vault.ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
	b := e.emu.AddKey(false)
	if err := e.emu.RetargetAlias("alias/credvault-acme", b); err != nil {
		t.Fatal(err)
	}
	kk, err := awskms.New(e.client, "alias/credvault-acme", awskms.WithAllowedKeys(e.arn))
	if err != nil {
		t.Fatal(err)
	}
	v := mustVault(t, e.store, kek.StaticResolver{"acme": kk})
	s, err := v.RewrapKEK(ctx, vault.RotateOptions{Org: "acme"})
	if err != nil || s.Failed != 1 || len(s.Errors) != 1 {
		t.Fatalf("RewrapKEK = %+v %v, %v", s.Progress, s.Errors, err)
	}
	if !errors.Is(s.Errors[0], kek.ErrUnwrap) {
		t.Fatalf("error %v is not kek.ErrUnwrap", s.Errors[0])
	}
	if !errors.Is(s.Errors[0], vault.ErrCorrupt) {
		t.Fatalf("error %v is not vault.ErrCorrupt (Open and the local rewrap say ErrCorrupt)", s.Errors[0])
	}
}
