package vault_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/credcodec"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/internal/fixtures"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/providers"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
)

const canary = "CANARYzq7Xv93Lk"

type env struct {
	v     *vault.Vault
	store *memstore.Store
	keys  *local.Manager
}

func newEnv(t testing.TB, orgs ...string) env {
	t.Helper()
	root, err := local.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(t.TempDir(), root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, org := range append([]string{"acme", "globex"}, orgs...) {
		if err := m.Create(ctx, org); err != nil {
			t.Fatal(err)
		}
	}
	st := memstore.New()
	v, err := vault.New(st, m)
	if err != nil {
		t.Fatal(err)
	}
	return env{v: v, store: st, keys: m}
}

// entry returns an entry for c at a provider that accepts its kind: GHCR
// for a PAT, the kind's cloud for a cloud credential, a self-hosted
// registry otherwise (nil included).
func entry(c credentials.Credential) vault.Entry {
	e := vault.Entry{Credential: c}
	var kind credentials.Kind
	if c != nil {
		kind = c.Kind()
	}
	switch kind {
	case credentials.KindUsernamePat:
		e.Provider, e.URL = providers.GHCR, "https://ghcr.io"
	case credentials.KindAwsEcr:
		e.Provider, e.URL = providers.AWSECR, "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com"
	case credentials.KindGoogleGar:
		e.Provider, e.URL = providers.GoogleGAR, "https://europe-docker.pkg.dev"
	case credentials.KindAzureAcr:
		e.Provider, e.URL = providers.AzureACR, "https://example.azurecr.io"
	case credentials.KindHarborRobot:
		e.Provider, e.URL = providers.Harbor, "https://harbor.example.com"
	case credentials.KindJfrogIdentityToken:
		e.Provider, e.URL = providers.JFrog, "https://example.jfrog.io"
	default:
		e.Provider, e.URL = providers.DockerRegistry, "https://registry.example.com"
	}
	return e
}

var ghcr = vault.Key{Org: "acme", Registry: "ghcr-main"}

func TestPutOpenRoundTripEveryKind(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, c := range fixtures.All(canary) {
		t.Run(string(c.Kind()), func(t *testing.T) {
			k := vault.Key{Org: "acme", Registry: "reg-" + string(c.Kind())}
			in := entry(c)
			in.Insecure = in.Provider == providers.Harbor // both values of the flag round-trip
			d, err := e.v.Put(ctx, k, in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Version <= 0 || d.Kind != c.Kind() || d.KeyID == "" {
				t.Fatalf("description = %+v", d)
			}
			got, ver, err := e.v.Open(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if ver != d.Version || got.Provider != in.Provider || got.URL != in.URL || got.Insecure != in.Insecure {
				t.Fatalf("entry = %+v, version %d", got, ver)
			}
			stored, err := e.v.Describe(ctx, k)
			if err != nil || stored.Provider != in.Provider || stored.URL != in.URL || stored.Insecure != in.Insecure ||
				stored.Kind != c.Kind() || stored.View != credentials.Describe(c) {
				t.Fatalf("stored description = %+v, %v; want the view %+v", stored, err, credentials.Describe(c))
			}
			a, _ := credcodec.Encode(c)
			b, _ := credcodec.Encode(got.Credential)
			if !bytes.Equal(a, b) {
				t.Fatal("opened credential differs from the one sealed")
			}
			rec, _ := e.store.Get(ctx, k)
			if bytes.Contains(rec.Envelope, []byte(canary)) {
				t.Fatal("stored record contains the secret in the clear")
			}
		})
	}
}

func TestFreshDEKPerWrite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := fixtures.All(canary)[1]
	var envs []envelope.Envelope
	for range 2 {
		if _, err := e.v.Put(ctx, ghcr, entry(c)); err != nil {
			t.Fatal(err)
		}
		rec, _ := e.store.Get(ctx, ghcr)
		env, err := envelope.Parse(rec.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env)
	}
	if envs[0].Commitment == envs[1].Commitment || bytes.Equal(envs[0].WrappedDEK, envs[1].WrappedDEK) {
		t.Fatal("two writes share a DEK")
	}
}

func TestDescribeAndListCarryNoSecret(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i, c := range fixtures.All(canary) {
		k := vault.Key{Org: "acme", Registry: string(rune('a' + i))}
		if _, err := e.v.Put(ctx, k, entry(c)); err != nil {
			t.Fatal(err)
		}
	}
	p, err := e.v.List(ctx, vault.Query{Org: "acme"})
	if err != nil || len(p.Descriptions) != 7 || len(p.Errors) != 0 {
		t.Fatalf("list = %d descriptions, %v errors, err %v", len(p.Descriptions), p.Errors, err)
	}
	for _, d := range p.Descriptions {
		assertNoCanary(t, d)
		d2, err := e.v.Describe(ctx, d.Key)
		if err != nil || !reflect.DeepEqual(d2, d) {
			t.Fatalf("describe = %+v, %v", d2, err)
		}
	}
	if p.Descriptions[0].View.Username != "deploy-bot" {
		t.Fatalf("view lost the username: %+v", p.Descriptions[0].View)
	}
}

func TestOpenMissing(t *testing.T) {
	e := newEnv(t)
	if _, _, err := e.v.Open(context.Background(), ghcr); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestRecordsOpenAfterKEKRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := fixtures.All(canary)[0]
	d1, err := e.v.Put(ctx, ghcr, entry(c))
	if err != nil {
		t.Fatal(err)
	}
	newID, err := e.keys.Rotate(ctx, "acme")
	if err != nil || newID == d1.KeyID {
		t.Fatalf("rotate = %q, %v", newID, err)
	}
	other := vault.Key{Org: "acme", Registry: "other"}
	d2, err := e.v.Put(ctx, other, entry(c))
	if err != nil || d2.KeyID != newID {
		t.Fatalf("new record key ID %q, want %q (%v)", d2.KeyID, newID, err)
	}
	for _, k := range []vault.Key{ghcr, other} {
		if _, _, err := e.v.Open(ctx, k); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	usage, _ := e.store.KeyUsage(ctx, "acme")
	if usage[d1.KeyID] != 1 || usage[newID] != 1 {
		t.Fatalf("usage = %v", usage)
	}
}

func TestConditionalPut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := fixtures.All(canary)[0]
	d0, err := e.v.Put(ctx, ghcr, entry(c), vault.IfVersion(0))
	if err != nil {
		t.Fatal(err)
	}
	v1 := d0.Version
	if _, err := e.v.Put(ctx, ghcr, entry(c), vault.IfVersion(0)); !errors.Is(err, vault.ErrConflict) {
		t.Fatalf("create over existing: %v", err)
	}
	if _, err := e.v.Put(ctx, ghcr, entry(c), vault.IfVersion(v1+7)); !errors.Is(err, vault.ErrConflict) {
		t.Fatalf("stale version: %v", err)
	}
	d, err := e.v.Put(ctx, ghcr, entry(c), vault.IfVersion(v1))
	if err != nil || d.Version != v1+1 {
		t.Fatalf("put v1 -> %+v, %v", d, err)
	}
	if err := e.v.Delete(ctx, ghcr, vault.IfVersion(v1)); !errors.Is(err, vault.ErrConflict) {
		t.Fatalf("stale delete: %v", err)
	}
	if err := e.v.Delete(ctx, ghcr, vault.IfVersion(v1+1)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.v.Describe(ctx, ghcr); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestInvalidInputRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	bad := credentials.AwsEcr{AccessKeyID: "nope", SecretAccessKey: credentials.NewSecret(canary), Region: "eu-west-1"}
	cases := map[string]struct {
		k vault.Key
		e vault.Entry
	}{
		"nil credential":     {ghcr, vault.Entry{}},
		"invalid credential": {ghcr, entry(bad)},
		"empty org":          {vault.Key{Registry: "r"}, entry(fixtures.All(canary)[0])},
		"org with slash":     {vault.Key{Org: "a/b", Registry: "r"}, entry(fixtures.All(canary)[0])},
		"control char":       {vault.Key{Org: "acme", Registry: "r\n"}, entry(fixtures.All(canary)[0])},
		"unknown org KEK":    {vault.Key{Org: "nobody", Registry: "r"}, entry(fixtures.All(canary)[0])},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.v.Put(ctx, tc.k, tc.e)
			if err == nil {
				t.Fatal("accepted")
			}
			assertNoCanary(t, err)
		})
	}
}

// failingKEK refuses every call, standing in for a KMS outage.
type failingKEK struct{ kek.KEK }

func (failingKEK) Wrap(context.Context, []byte, kek.AAD) ([]byte, string, error) {
	return nil, "", kek.ErrUnavailable
}

type resolverFunc func(ctx context.Context, org string) (kek.KEK, error)

func (f resolverFunc) KEK(ctx context.Context, org string) (kek.KEK, error) { return f(ctx, org) }

// failingStore fails every Put after the first n.
type failingStore struct {
	vault.Store
	n int
}

func (s *failingStore) Put(ctx context.Context, r vault.Record, expect int64) (int64, error) {
	if s.n--; s.n < 0 {
		return 0, errors.New("disk full")
	}
	return s.Store.Put(ctx, r, expect)
}

func TestFailedPutLeavesPreviousRecordIntact(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	orig := fixtures.All(canary)[0]
	d0, err := e.v.Put(ctx, ghcr, entry(orig))
	if err != nil {
		t.Fatal(err)
	}
	next := credentials.UsernamePassword{Username: "new-user", Password: credentials.NewSecret("new-pw")}

	kmsDown, _ := vault.New(e.store, resolverFunc(func(ctx context.Context, org string) (kek.KEK, error) {
		k, err := e.keys.KEK(ctx, org)
		return failingKEK{k}, err
	}))
	diskFull, _ := vault.New(&failingStore{Store: e.store}, e.keys)
	for name, v := range map[string]*vault.Vault{"kek down": kmsDown, "store fails": diskFull} {
		if _, err := v.Put(ctx, ghcr, entry(next)); err == nil {
			t.Fatalf("%s: put succeeded", name)
		}
		got, ver, err := e.v.Open(ctx, ghcr)
		if err != nil || ver != d0.Version || got.Credential.(credentials.UsernamePassword).Username != "deploy-bot" {
			t.Fatalf("%s: previous record damaged: %+v v%d %v", name, got, ver, err)
		}
	}
}

func assertNoCanary(t *testing.T, v any) {
	t.Helper()
	for _, s := range formatAll(v) {
		if bytes.Contains([]byte(s), []byte(canary)) {
			t.Fatalf("canary leaked: %s", s)
		}
	}
}

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
		if enc, err = credcodec.Encode(c); err != nil || len(enc) <= benchPayloadSize {
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
	b.Run("credvault-metrics", func(b *testing.B) { benchSealOpenRecord(b, vault.WithMeterProvider(sdkProvider())) })
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
	plaintext, err := credcodec.Encode(c)
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
		wrapped, keyID, err := kk.Wrap(ctx, dek[:], kek.AAD{Data: dekAAD})
		if err != nil {
			b.Fatal(err)
		}
		out := append(make([]byte, 0, len(rec.Envelope)), wrapped...)
		if out, err = envelope.Seal(out, envelope.AlgChaCha20Poly1305, dek[:], nil, plaintext, payloadAAD); err != nil {
			b.Fatal(err)
		}

		dek2, err := kk.Unwrap(ctx, keyID, out[:len(wrapped)], kek.AAD{Data: dekAAD})
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
		if _, err := credcodec.DecodeSealed(pt); err != nil {
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
