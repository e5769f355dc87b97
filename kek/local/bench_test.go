package local

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"testing"
	"time"

	"github.com/credvault/credvault/kek"
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
