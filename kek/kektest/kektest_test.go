package kektest_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/kektest"
)

// refKEK is a minimal correct KEK over crypto/cipher AES-256-GCM, with
// switches that break it in the ways the suite must catch. Its keys live
// in a refState that Reopen shares and Rotate extends.
type refKEK struct {
	st     *refState
	labels bool // bind aad.Labels
	broken string
}

type refState struct {
	mu      sync.Mutex
	keys    map[string]cipher.AEAD
	current string
}

// rotate adds a fresh key and makes it current.
func (s *refState) rotate(t *testing.T) {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = fmt.Sprintf("ref://%x", key[:4])
	s.keys[s.current] = gcm
}

func (s *refState) key(id string) (cipher.AEAD, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" {
		id = s.current
	}
	return s.keys[id], id
}

func newRef(t *testing.T, labels bool, broken string) kek.KEK {
	st := &refState{keys: map[string]cipher.AEAD{}}
	st.rotate(t)
	return &refKEK{st: st, labels: labels, broken: broken}
}

// bound returns the bytes GCM authenticates for aad.
func (r *refKEK) bound(aad kek.AAD) []byte {
	if r.broken == "noaad" {
		return nil
	}
	b := binary.AppendUvarint(nil, uint64(len(aad.Data)))
	b = append(b, aad.Data...)
	if r.labels && r.broken != "nolabels" {
		for _, l := range aad.Labels {
			b = binary.AppendUvarint(b, uint64(len(l.Name)))
			b = append(b, l.Name...)
			b = binary.AppendUvarint(b, uint64(len(l.Value)))
			b = append(b, l.Value...)
		}
	}
	return b
}

func (r *refKEK) Wrap(ctx context.Context, dek []byte, aad kek.AAD) ([]byte, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if len(dek) > kek.MaxDEKSize && r.broken != "nocaps" {
		return nil, "", kek.ErrInvalidInput
	}
	gcm, id := r.st.key("")
	nonce := make([]byte, gcm.NonceSize())
	if r.broken != "fixednonce" {
		rand.Read(nonce)
	}
	return gcm.Seal(nonce, nonce, dek, r.bound(aad)), id, nil
}

func (r *refKEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if (len(wrapped) > kek.MaxWrappedSize || len(keyID) > kek.MaxKeyIDSize) && r.broken != "nocaps" {
		return nil, kek.ErrInvalidInput
	}
	gcm, _ := r.st.key(keyID)
	if gcm == nil || keyID == "" {
		return nil, kek.ErrKeyNotFound
	}
	n := gcm.NonceSize()
	if len(wrapped) < n {
		return nil, kek.ErrUnwrap
	}
	dek, err := gcm.Open(nil, wrapped[:n], wrapped[n:], r.bound(aad))
	if err != nil {
		if r.broken == "untyped" {
			return nil, errors.New("decrypt failed")
		}
		return nil, kek.ErrUnwrap
	}
	return dek, nil
}

// Rewrap unwraps and wraps again: a reference, not a server-side rewrap.
func (r *refKEK) Rewrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, string, error) {
	dek, err := r.Unwrap(ctx, keyID, wrapped, aad)
	if err != nil {
		return nil, "", err
	}
	switch r.broken {
	case "rewrapstale":
		return wrapped, keyID, nil
	case "rewrapdropsaad":
		aad = kek.AAD{}
	}
	return r.Wrap(ctx, dek, aad)
}

func (r *refKEK) CurrentKeyID(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	_, id := r.st.key("")
	return id, nil
}

func harness(labels bool, broken string) kektest.Harness {
	newKEK := func(t *testing.T) kek.KEK { return newRef(t, labels, broken) }
	return kektest.Harness{
		New:           newKEK,
		Other:         newKEK,
		Reopen:        func(t *testing.T, k kek.KEK) kek.KEK { c := *k.(*refKEK); return &c },
		Rotate:        func(t *testing.T, k kek.KEK) kek.KEK { k.(*refKEK).st.rotate(t); return k },
		ChecksContext: true,
		BindsLabels:   labels,
	}
}

func TestReferenceKEKPasses(t *testing.T) {
	t.Run("BindsLabels", func(t *testing.T) { kektest.Run(t, harness(true, "")) })
	t.Run("IgnoresLabels", func(t *testing.T) { kektest.Run(t, harness(false, "")) })
}

const brokenEnv = "KEKTEST_BROKEN_KEK"

// TestBrokenHelper runs the suite on a broken KEK when started by
// TestSuiteCatchesBrokenKEKs; in a normal run it does nothing.
func TestBrokenHelper(t *testing.T) {
	broken := os.Getenv(brokenEnv)
	if broken == "" {
		return
	}
	kektest.Run(t, harness(true, broken))
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
		{"nolabels", "TestBrokenHelper/Labels"},
		{"rewrapstale", "TestBrokenHelper/Rewrap"},
		{"rewrapdropsaad", "TestBrokenHelper/Rewrap"},
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
