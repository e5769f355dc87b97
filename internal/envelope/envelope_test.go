package envelope

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
)

func sample() Envelope {
	e := Envelope{
		Version: Version1, Alg: AlgXChaCha20Poly1305, Kind: "UsernamePat",
		Meta: []byte("meta"), KeyID: "local://acme#v=1", WrappedDEK: bytes.Repeat([]byte{7}, 53),
		Ciphertext: bytes.Repeat([]byte{9}, 40),
	}
	e.Commitment[0], e.Nonce[23] = 1, 2
	return e
}

// samples returns sample() under every algorithm, with the nonce bytes
// each one stores.
func samples() map[byte]Envelope {
	out := map[byte]Envelope{}
	for _, alg := range []byte{AlgChaCha20Poly1305, AlgXChaCha20Poly1305, AlgAES256GCM} {
		e := sample()
		e.Alg = alg
		e.Nonce = [NonceSize]byte{}
		for i := range NonceLen(alg) {
			e.Nonce[i] = byte(i + 1)
		}
		out[alg] = e
	}
	return out
}

func TestMarshalParseRoundTrip(t *testing.T) {
	for alg, e := range samples() {
		t.Run(strconv.Itoa(int(alg)), func(t *testing.T) { roundTrip(t, e) })
	}
}

func roundTrip(t *testing.T, e Envelope) {
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != e.HeaderSize()+len(e.Ciphertext) {
		t.Fatalf("size %d, want %d", len(b), e.HeaderSize()+len(e.Ciphertext))
	}
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := got.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Fatal("re-marshal differs")
	}
	if got.KeyID != e.KeyID || got.Kind != e.Kind || got.Commitment != e.Commitment || got.Nonce != e.Nonce ||
		got.Alg != e.Alg || !bytes.Equal(got.Ciphertext, e.Ciphertext) {
		t.Fatalf("fields differ: %+v", got)
	}
}

func TestParseStoredChecksKeyID(t *testing.T) {
	e := sample()
	b, _ := e.Marshal()
	if got, err := ParseStored(b, e.KeyID); err != nil || got.KeyID != e.KeyID {
		t.Fatalf("ParseStored = %q, %v", got.KeyID, err)
	}
	if _, err := ParseStored(b, "local://acme#v=2"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("other key ID column: err = %v", err)
	}
	if _, err := ParseStored(b, ""); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty key ID column: err = %v", err)
	}
}

// TestChaChaStoresNoNonce: the fixed-nonce algorithm has no nonce field,
// so a nonce set in the struct is refused rather than silently dropped,
// and a record of the other algorithms' layout under its algorithm byte
// is refused.
func TestChaChaStoresNoNonce(t *testing.T) {
	e := samples()[AlgChaCha20Poly1305]
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	x := samples()[AlgXChaCha20Poly1305]
	bx, _ := x.Marshal()
	if len(bx)-len(b) != NonceSize {
		t.Fatalf("ChaCha20-Poly1305 record is %d bytes shorter, want %d", len(bx)-len(b), NonceSize)
	}
	bx[1] = AlgChaCha20Poly1305
	if _, err := Parse(bx); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a nonce field under the fixed-nonce algorithm: err = %v", err)
	}
	e.Nonce[0] = 1
	if _, err := e.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Marshal with a nonce for the fixed-nonce algorithm: err = %v", err)
	}
}

// TestUnknownAlgRefusedBeforeTheNonce: the algorithm sets the nonce
// field's size, so an unknown one is refused as such, not misparsed.
func TestUnknownAlgRefusedBeforeTheNonce(t *testing.T) {
	e := sample()
	b, _ := e.Marshal()
	for _, alg := range []byte{0, 4, 0xff} {
		b[1] = alg
		if _, err := Parse(b); !errors.Is(err, ErrUnsupportedVersion) {
			t.Fatalf("alg %d: err = %v", alg, err)
		}
	}
}

// TestAESNonceTailMustBeZero: AES-256-GCM uses 12 of the 24 nonce bytes,
// so the other 12 would go unauthenticated unless the format pins them.
func TestAESNonceTailMustBeZero(t *testing.T) {
	e := sample()
	e.Alg = AlgAES256GCM
	if _, err := e.Marshal(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Marshal with a non-zero nonce tail: err = %v", err)
	}
	clear(e.Nonce[NonceLen(e.Alg):])
	b, err := e.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for i := NonceLen(e.Alg); i < NonceSize; i++ {
		bad := bytes.Clone(b)
		bad[len(b)-len(e.Ciphertext)-4-NonceSize+i] = 1
		if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
			t.Fatalf("nonce byte %d set: err = %v", i, err)
		}
	}
}

func TestParseRejectsEveryTruncationAndTrailingByte(t *testing.T) {
	for alg, e := range samples() {
		b, _ := e.Marshal()
		for n := range len(b) {
			if _, err := Parse(b[:n]); !errors.Is(err, ErrMalformed) {
				t.Fatalf("alg %d truncated to %d: err = %v", alg, n, err)
			}
		}
		if _, err := Parse(append(b, 0)); !errors.Is(err, ErrMalformed) {
			t.Fatalf("alg %d trailing byte: err = %v", alg, err)
		}
	}
}

func TestCapsRefused(t *testing.T) {
	cases := map[string]func(*Envelope){
		"version":    func(e *Envelope) { e.Version = 9 },
		"alg":        func(e *Envelope) { e.Alg = 0 },
		"empty kind": func(e *Envelope) { e.Kind = "" },
		"long kind":  func(e *Envelope) { e.Kind = string(make([]byte, MaxKindSize+1)) },
		"no key id":  func(e *Envelope) { e.KeyID = "" },
		"no wrapped": func(e *Envelope) { e.WrappedDEK = nil },
		"big meta":   func(e *Envelope) { e.Meta = make([]byte, MaxMetaSize+1) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			e := sample()
			mutate(&e)
			if _, err := e.Marshal(); err == nil {
				t.Fatal("Marshal accepted an out-of-bounds envelope")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	e := sample()
	b, _ := e.Marshal()
	f.Add(b)
	for _, e := range samples() {
		b, _ := e.Marshal()
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0xff, 0xff})
	f.Add(b[:len(b)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := got.Marshal()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted input does not re-marshal identically: %v", err)
		}
	})
}

// TestWireFormatIsPinned spells out, field by field as the package doc
// documents them, the bytes of a version 1 record and of both AADs.
// Records sealed today must open after any rewrite of the encoders.
func TestWireFormatIsPinned(t *testing.T) {
	u16 := func(s string) string { return string([]byte{byte(len(s) >> 8), byte(len(s))}) + s }
	u32 := func(s string) string { return "\x00\x00" + u16(s) }
	e := sample()
	want := "\x01\x01" + u16("UsernamePat") + u16("meta") + u16("local://acme#v=1") +
		u16(string(bytes.Repeat([]byte{7}, 53))) +
		"\x01" + string(make([]byte, 31)) + string(make([]byte, 23)) + "\x02" +
		u32(string(bytes.Repeat([]byte{9}, 40)))
	if got, err := e.Marshal(); err != nil || string(got) != want {
		t.Errorf("Marshal = %x, %v\nwant      %x", got, err, want)
	}
	e.Alg, e.Nonce = AlgChaCha20Poly1305, [NonceSize]byte{}
	want = "\x01\x03" + u16("UsernamePat") + u16("meta") + u16("local://acme#v=1") +
		u16(string(bytes.Repeat([]byte{7}, 53))) +
		"\x01" + string(make([]byte, 31)) +
		u32(string(bytes.Repeat([]byte{9}, 40)))
	if got, err := e.Marshal(); err != nil || string(got) != want {
		t.Errorf("Marshal (ChaCha20-Poly1305) = %x, %v\nwant      %x", got, err, want)
	}
	e = sample()
	want = u32("credvault/dek/v1") + u32("\x01") + u32("acme") + u32("ghcr-main") + u32("UsernamePat")
	if got := DEKAAD([]byte("prefix"), Version1, "acme", "ghcr-main", "UsernamePat"); string(got) != "prefix"+want {
		t.Errorf("DEKAAD = %q\nwant     %q", got, "prefix"+want)
	}
	want = u32("credvault/payload/v1") + u32("\x01\x01") + u32("acme") + u32("ghcr-main") + u32("UsernamePat") + u32("meta")
	if got := PayloadAAD([]byte("prefix"), &e, "acme", "ghcr-main"); string(got) != "prefix"+want {
		t.Errorf("PayloadAAD = %q\nwant         %q", got, "prefix"+want)
	}
}
