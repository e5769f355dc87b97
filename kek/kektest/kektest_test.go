package kektest_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/kektest"
)

// refKEK is a minimal correct KEK over crypto/cipher AES-256-GCM, with
// switches that break it in the ways the suite must catch.
type refKEK struct {
	id     string
	gcm    cipher.AEAD
	broken string
}

func newRef(t *testing.T, broken string) kek.KEK {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &refKEK{id: fmt.Sprintf("ref://%x", key[:4]), gcm: gcm, broken: broken}
}

func (r *refKEK) Wrap(ctx context.Context, dek, aad []byte) ([]byte, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if len(dek) > kek.MaxDEKSize && r.broken != "nocaps" {
		return nil, "", kek.ErrInvalidInput
	}
	if r.broken == "noaad" {
		aad = nil
	}
	nonce := make([]byte, r.gcm.NonceSize())
	if r.broken != "fixednonce" {
		rand.Read(nonce)
	}
	return r.gcm.Seal(nonce, nonce, dek, aad), r.id, nil
}

func (r *refKEK) Unwrap(ctx context.Context, keyID string, wrapped, aad []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if (len(wrapped) > kek.MaxWrappedSize || len(keyID) > kek.MaxKeyIDSize) && r.broken != "nocaps" {
		return nil, kek.ErrInvalidInput
	}
	if keyID != r.id {
		return nil, kek.ErrKeyNotFound
	}
	if r.broken == "noaad" {
		aad = nil
	}
	n := r.gcm.NonceSize()
	if len(wrapped) < n {
		return nil, kek.ErrUnwrap
	}
	dek, err := r.gcm.Open(nil, wrapped[:n], wrapped[n:], aad)
	if err != nil {
		if r.broken == "untyped" {
			return nil, errors.New("decrypt failed")
		}
		return nil, kek.ErrUnwrap
	}
	return dek, nil
}

func (r *refKEK) CurrentKeyID(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return r.id, nil
}

func harness(broken string) kektest.Harness {
	newKEK := func(t *testing.T) kek.KEK { return newRef(t, broken) }
	return kektest.Harness{
		New:           newKEK,
		Other:         newKEK,
		Reopen:        func(t *testing.T, k kek.KEK) kek.KEK { c := *k.(*refKEK); return &c },
		ChecksContext: true,
	}
}

func TestReferenceKEKPasses(t *testing.T) {
	kektest.Run(t, harness(""))
}

const brokenEnv = "KEKTEST_BROKEN_KEK"

// TestBrokenHelper runs the suite on a broken KEK when started by
// TestSuiteCatchesBrokenKEKs; in a normal run it does nothing.
func TestBrokenHelper(t *testing.T) {
	broken := os.Getenv(brokenEnv)
	if broken == "" {
		return
	}
	kektest.Run(t, harness(broken))
}

func TestSuiteCatchesBrokenKEKs(t *testing.T) {
	tests := []struct {
		broken   string
		wantFail string
	}{
		{"noaad", "TestBrokenHelper/WrongAAD"},
		{"fixednonce", "TestBrokenHelper/Randomized"},
		{"untyped", "TestBrokenHelper/BitFlips"},
		{"nocaps", "TestBrokenHelper/Oversize"},
	}
	for _, tc := range tests {
		t.Run(tc.broken, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenHelper$", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tc.broken)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("suite on a %s KEK: got %v, want a failing exit\n%s", tc.broken, err, out.String())
			}
			if !strings.Contains(out.String(), "--- FAIL: "+tc.wantFail) {
				t.Fatalf("suite on a %s KEK did not fail %s:\n%s", tc.broken, tc.wantFail, out.String())
			}
		})
	}
}
