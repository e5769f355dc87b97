package vault_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/vault"
)

// benchPayloadSize is the size of the sealed plaintext in every
// sub-benchmark: the canonical encoding of the credential below.
const benchPayloadSize = 256

// benchCredential returns a UsernamePat whose canonical encoding is
// exactly benchPayloadSize bytes.
func benchCredential(b *testing.B) credentials.Credential {
	c := credentials.UsernamePat{Username: "deploy-bot"}
	var enc []byte
	var err error
	for n := benchPayloadSize; n > 0; n-- { // the PAT's varint length prefix grows with it
		c.Pat = credentials.NewSecret("ghp_" + strings.Repeat("x", n))
		if enc, err = credentials.Encode(c); err != nil || len(enc) <= benchPayloadSize {
			break
		}
	}
	if err != nil || len(enc) != benchPayloadSize {
		b.Fatalf("payload is %d bytes (%v), want %d", len(enc), err, benchPayloadSize)
	}
	return c
}

// BenchmarkSealOpen compares one seal+open of a 256-byte payload through
// credvault's vault (Seal and OpenRecord, local Tink KEK, no store; and
// Put and Open over memstore) with the stdlib floor
// (the same envelope work by hand with crypto/cipher AES-256-GCM) and with
// Tink's own KMS envelope AEAD over a local AES-GCM keyset. The
// primitives sub-benchmark is the part of credvault's cost no vault code
// can remove (see benchPrimitives).
func BenchmarkSealOpen(b *testing.B) {
	b.Run("credvault", func(b *testing.B) { benchSealOpenRecord(b) })
	b.Run("credvault-xchacha", func(b *testing.B) { benchSealOpenRecord(b, vault.WithCipher(vault.XChaCha20Poly1305)) })
	b.Run("credvault-aesgcm", func(b *testing.B) { benchSealOpenRecord(b, vault.WithCipher(vault.AES256GCM)) })
	b.Run("credvault-memstore", benchVault)
	b.Run("primitives", benchPrimitives)
	b.Run("stdlib", benchStdlib)
	b.Run("tink-envelope", benchTinkEnvelope)
}

func benchVault(b *testing.B) {
	e := newEnv(b)
	v := e.v
	ctx := context.Background()
	en := entry(benchCredential(b))
	b.ReportAllocs()
	b.SetBytes(benchPayloadSize)
	for b.Loop() {
		if _, err := v.Put(ctx, ghcr, en); err != nil {
			b.Fatal(err)
		}
		if _, _, err := v.Open(ctx, ghcr); err != nil {
			b.Fatal(err)
		}
	}
}

// benchSealOpenRecord is the vault's seal and open without the store:
// validation, canonical encoding, metadata, KEK and payload crypto.
func benchSealOpenRecord(b *testing.B, opts ...vault.Option) {
	e := newEnv(b)
	v, err := vault.New(e.store, e.keys, opts...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	en := entry(benchCredential(b))
	b.ReportAllocs()
	b.SetBytes(benchPayloadSize)
	for b.Loop() {
		rec, err := v.Seal(ctx, ghcr, en)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.OpenRecord(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPrimitives is a bound, not a credvault path: the calls a
// credvault seal+open cannot do without, back to back, with nothing of
// the vault around them. That is one 32-byte crypto/rand read for the
// DEK, the key commitment on each side, the local Tink KEK's wrap and
// unwrap, ChaCha20-Poly1305 seal and open, the allocation of the
// sealed record and the decoding of the typed credential. The AADs have
// the sizes of a real record's; what is left out is validation, the
// canonical encoding, metadata, building the AADs, the record header and
// its parsing, and the KEK lookup. The gap between credvault and
// primitives is what that work costs.
func benchPrimitives(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	kk, err := e.keys.KEK(ctx, ghcr.Org)
	if err != nil {
		b.Fatal(err)
	}
	c := benchCredential(b)
	plaintext, err := credentials.Encode(c)
	if err != nil {
		b.Fatal(err)
	}
	rec, err := e.v.Seal(ctx, ghcr, entry(c))
	if err != nil {
		b.Fatal(err)
	}
	env, err := envelope.Parse(rec.Envelope)
	if err != nil {
		b.Fatal(err)
	}
	dekAAD := envelope.DEKAAD(nil, env.Version, ghcr.Org, ghcr.Registry, env.Kind)
	payloadAAD := envelope.PayloadAAD(nil, &env, ghcr.Org, ghcr.Registry)
	buf := make([]byte, 0, len(plaintext))
	b.ReportAllocs()
	b.SetBytes(benchPayloadSize)
	for b.Loop() {
		var dek [envelope.DEKSize]byte
		rand.Read(dek[:])
		commit, err := envelope.Commit(dek[:])
		if err != nil {
			b.Fatal(err)
		}
		wrapped, keyID, err := kk.Wrap(ctx, dek[:], dekAAD)
		if err != nil {
			b.Fatal(err)
		}
		out := append(make([]byte, 0, len(rec.Envelope)), wrapped...)
		if out, err = envelope.Seal(out, envelope.AlgChaCha20Poly1305, dek[:], nil, plaintext, payloadAAD); err != nil {
			b.Fatal(err)
		}

		dek2, err := kk.Unwrap(ctx, keyID, out[:len(wrapped)], dekAAD)
		if err != nil {
			b.Fatal(err)
		}
		if err := envelope.CheckCommitment(dek2, &commit); err != nil {
			b.Fatal(err)
		}
		pt, err := envelope.Open(buf[:0], envelope.AlgChaCha20Poly1305, dek2, nil, out[len(wrapped):], payloadAAD)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := credentials.DecodeSealed(pt); err != nil {
			b.Fatal(err)
		}
	}
}

func benchStdlib(b *testing.B) {
	kekKey := make([]byte, 32)
	rand.Read(kekKey)
	block, _ := aes.NewCipher(kekKey)
	kekGCM, _ := cipher.NewGCM(block)
	payload := make([]byte, benchPayloadSize)
	aad := []byte("org/registry")
	b.ReportAllocs()
	b.SetBytes(benchPayloadSize)
	for b.Loop() {
		var dek [32]byte
		var n1, n2 [12]byte
		rand.Read(dek[:])
		rand.Read(n1[:])
		rand.Read(n2[:])
		blk, _ := aes.NewCipher(dek[:])
		g, _ := cipher.NewGCM(blk)
		ct := g.Seal(nil, n1[:], payload, aad)
		wrapped := kekGCM.Seal(nil, n2[:], dek[:], aad)

		dek2, err := kekGCM.Open(nil, n2[:], wrapped, aad)
		if err != nil {
			b.Fatal(err)
		}
		blk2, _ := aes.NewCipher(dek2)
		g2, _ := cipher.NewGCM(blk2)
		if _, err := g2.Open(nil, n1[:], ct, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func benchTinkEnvelope(b *testing.B) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		b.Fatal(err)
	}
	kekAEAD, err := aead.New(h)
	if err != nil {
		b.Fatal(err)
	}
	env := aead.NewKMSEnvelopeAEAD2(aead.AES256GCMKeyTemplate(), kekAEAD)
	payload := make([]byte, benchPayloadSize)
	aad := []byte("org/registry")
	b.ReportAllocs()
	b.SetBytes(benchPayloadSize)
	for b.Loop() {
		ct, err := env.Encrypt(payload, aad)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.Decrypt(ct, aad); err != nil {
			b.Fatal(err)
		}
	}
}
