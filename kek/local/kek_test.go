package local

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/kektest"
)

var (
	benchDEK = make([]byte, 32)
	benchAAD = []byte("v1|acme|registry-42|aws_ecr")
)

// stdlibEnvelope is the baseline: AES-256-GCM from crypto/cipher with a
// random nonce and a Tink-sized prefix, output allocated per call.
type stdlibEnvelope struct{ gcm cipher.AEAD }

func newStdlibEnvelope(b *testing.B) stdlibEnvelope {
	key := make([]byte, 32)
	rand.Read(key)
	block, err := aes.NewCipher(key)
	if err != nil {
		b.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return stdlibEnvelope{gcm}
}

func (s stdlibEnvelope) roundTrip(b *testing.B) {
	const p = tinkPrefixSize
	out := make([]byte, p+12, p+12+len(benchDEK)+16)
	rand.Read(out[p:])
	wrapped := s.gcm.Seal(out, out[p:], benchDEK, benchAAD)
	ct := wrapped[p+12:]
	if _, err := s.gcm.Open(make([]byte, 0, len(ct)-16), wrapped[p:p+12], ct, benchAAD); err != nil {
		b.Fatal(err)
	}
}

func localRoundTrip(b *testing.B, k kek.KEK) {
	wrapped, keyID, err := k.Wrap(ctx, benchDEK, kek.AAD{Data: benchAAD})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: benchAAD}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWrapUnwrap measures one Wrap plus Unwrap of a 32-byte DEK by the
// local KEK and by the stdlib baseline. The "ratio" sub-benchmark runs both
// in alternating batches, so load from other processes hits both alike, and
// reports local time over stdlib time as the metric "local/stdlib".
func BenchmarkWrapUnwrap(b *testing.B) {
	b.Run("local", func(b *testing.B) {
		k := newEnv(b).create(b, "acme")
		b.ReportAllocs()
		for b.Loop() {
			localRoundTrip(b, k)
		}
	})
	b.Run("stdlib-aesgcm", func(b *testing.B) {
		s := newStdlibEnvelope(b)
		b.ReportAllocs()
		for b.Loop() {
			s.roundTrip(b)
		}
	})
	b.Run("ratio", func(b *testing.B) {
		k, s := newEnv(b).create(b, "acme"), newStdlibEnvelope(b)
		const batch = 256
		var tLocal, tStd time.Duration
		for b.Loop() {
			start := time.Now()
			for range batch {
				localRoundTrip(b, k)
			}
			mid := time.Now()
			for range batch {
				s.roundTrip(b)
			}
			tLocal, tStd = tLocal+mid.Sub(start), tStd+time.Since(mid)
		}
		b.ReportMetric(float64(tLocal)/float64(tStd), "local/stdlib")
	})
}

func TestConformance(t *testing.T) {
	const org = "acme"
	var reg kekRegistry
	newKEK := func(t *testing.T) kek.KEK {
		e := newEnv(t)
		k := e.create(t, org)
		reg.put(k, e)
		return k
	}
	kektest.Run(t, kektest.Harness{
		New:   newKEK,
		Other: newKEK,
		Reopen: func(t *testing.T, k kek.KEK) kek.KEK {
			k2, err := reg.get(k).reopen(t).KEK(context.Background(), org)
			if err != nil {
				t.Fatalf("KEK after reopen: %v", err)
			}
			return k2
		},
		Rotate: func(t *testing.T, k kek.KEK) kek.KEK {
			reg.get(k).rotate(t, org)
			return k
		},
		ChecksContext: true,
	})
}

// fuzzRoot is a fixed root key so seeds made in one run stay meaningful.
var fuzzRoot = bytes.Repeat([]byte{0x42}, RootKeySize)

// fuzzEnv makes a Manager under fuzzRoot with org "acme", rotated once and
// with its first version destroyed, and returns it with the file content.
func fuzzEnv(f *testing.F) (*env, []byte) {
	root, err := RootKeyFromBytes(fuzzRoot)
	if err != nil {
		f.Fatal(err)
	}
	e := &env{dir: f.TempDir(), root: root}
	e.m = mustOpen(f, e.dir, root)
	e.create(f, "acme")
	return e, e.readFile(f, "acme")
}

func FuzzUnwrap(f *testing.F) {
	e, _ := fuzzEnv(f)
	k, err := e.m.KEK(ctx, "acme")
	if err != nil {
		f.Fatal(err)
	}
	dek, aad := bytes.Repeat([]byte{7}, 32), []byte("aad")
	wrapped, keyID, err := k.Wrap(ctx, dek, kek.AAD{Data: aad})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(keyID, wrapped, aad)
	f.Add(keyID, wrapped[:len(wrapped)-1], aad)
	f.Add(keyID, wrapped[:tinkPrefixSize], aad)
	f.Add(keyID, []byte{}, aad)
	f.Add(keyID+"0", wrapped, aad)
	f.Add("local://acme#v=0", wrapped, []byte{})
	f.Add("", []byte{1, 0, 0, 0, 0}, []byte(nil))
	f.Fuzz(func(t *testing.T, keyID string, wrapped, aad []byte) {
		got, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: aad})
		if err != nil {
			if got != nil || !isKEKError(err) {
				t.Fatalf("Unwrap failed with %v and %d bytes", err, len(got))
			}
			return
		}
		if !bytes.Equal(got, dek) {
			t.Fatal("Unwrap accepted a ciphertext this test never made")
		}
	})
}

func isKEKError(err error) bool {
	for _, target := range []error{kek.ErrUnwrap, kek.ErrKeyNotFound, kek.ErrKeyDisabled, kek.ErrKeyDestroyed, kek.ErrInvalidInput} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
