package vault_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/credvault/credvault/vault"
)

// BenchmarkOpenHot opens one hot record repeatedly: with a local Tink KEK
// (no DEK cache: every open unwraps locally), with AWS KMS through the
// emulator and a warm DEK cache (no KMS call per open), and, for scale,
// with AWS KMS and no cache (one Decrypt round trip per open). The target
// is kms-cached within 1.3x of local. KMS calls per open are reported as
// kms-calls/op.
func BenchmarkOpenHot(b *testing.B) {
	b.Run("local", func(b *testing.B) {
		e := newEnv(b)
		benchOpen(b, e.v, nil)
	})
	b.Run("kms-cached", func(b *testing.B) {
		e := newKMSEnv(b, vault.WithDEKCache(1024, time.Hour))
		benchOpen(b, e.v, e.emu.TotalCalls)
	})
	b.Run("kms-uncached", func(b *testing.B) {
		e := newKMSEnv(b)
		benchOpen(b, e.v, e.emu.TotalCalls)
	})
}

// benchOpen puts one record, opens it once to warm caches and
// connections, then times Open. calls, when set, counts KMS calls.
func benchOpen(b *testing.B, v *vault.Vault, calls func() int64) {
	ctx := context.Background()
	if _, err := v.Put(ctx, ghcr, entry(benchCredential(b))); err != nil {
		b.Fatal(err)
	}
	if _, _, err := v.Open(ctx, ghcr); err != nil {
		b.Fatal(err)
	}
	var before int64
	if calls != nil {
		before = calls()
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := v.Open(ctx, ghcr); err != nil {
			b.Fatal(err)
		}
	}
	if calls != nil {
		b.ReportMetric(float64(calls()-before)/float64(b.N), "kms-calls/op")
	}
}

// BenchmarkKMSEmulatorEncrypt measures one KMS Encrypt of a 32-byte DEK
// through the real SDK client against the in-process emulator: the cost
// of a KMS round trip in the other benchmarks (loopback HTTP, SigV4
// signing, JSON, AES-GCM).
func BenchmarkKMSEmulatorEncrypt(b *testing.B) {
	e := newKMSEnv(b)
	in := &kms.EncryptInput{
		KeyId: aws.String(e.arn), Plaintext: make([]byte, 32),
		EncryptionContext: map[string]string{"credvault:org": "acme", "credvault:registry": "ghcr-main"},
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.client.Encrypt(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}
