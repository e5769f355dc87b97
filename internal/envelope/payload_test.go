package envelope

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"
)

func TestKDFIsSP800_56COneStep(t *testing.T) {
	for range 64 {
		dek := make([]byte, DEKSize)
		rand.Read(dek)
		c, err := Commit(dek)
		if err != nil {
			t.Fatal(err)
		}
		if want := sha256.Sum256(append(append([]byte{0, 0, 0, 1}, dek...), labelCommitment...)); c != want {
			t.Fatal("Commit differs from SHA-256(counter || DEK || label)")
		}
		// The AES-GCM payload key is the same KDF over the key label: a
		// payload sealed under that key by hand must open.
		key := sha256.Sum256(append(append([]byte{0, 0, 0, 1}, dek...), labelPayloadKey...))
		block, _ := aes.NewCipher(key[:])
		gcm, _ := cipher.NewGCM(block)
		var nonce [NonceSize]byte
		rand.Read(nonce[:])
		ct := gcm.Seal(nil, nonce[:12], []byte("payload"), []byte("aad"))
		if pt, err := Open(nil, AlgAES256GCM, dek, &nonce, ct, []byte("aad")); err != nil || string(pt) != "payload" {
			t.Fatalf("AES-GCM payload key is not KDF(DEK, key label): %q, %v", pt, err)
		}
	}
	if len(labelPayloadKey) > 55-4-DEKSize || len(labelCommitment) > 55-4-DEKSize {
		t.Fatal("a label pushes the KDF input past one SHA-256 block")
	}
}

func TestXChaChaKeyIsTheDEK(t *testing.T) {
	dek := bytes.Repeat([]byte{5}, DEKSize)
	var nonce [NonceSize]byte
	nonce[0] = 6
	a, _ := chacha20poly1305.NewX(dek)
	ct := a.Seal(nil, nonce[:], []byte("payload"), []byte("aad"))
	if pt, err := Open(nil, AlgXChaCha20Poly1305, dek, &nonce, ct, []byte("aad")); err != nil || string(pt) != "payload" {
		t.Fatalf("XChaCha20-Poly1305 payload key is not the DEK: %q, %v", pt, err)
	}
}

// TestChaChaKeyIsTheDEKAndTheNonceZero: the default algorithm is plain
// ChaCha20-Poly1305 (RFC 8439) under the DEK and the all-zero nonce.
func TestChaChaKeyIsTheDEKAndTheNonceZero(t *testing.T) {
	dek := bytes.Repeat([]byte{5}, DEKSize)
	a, _ := chacha20poly1305.New(dek)
	ct := a.Seal(nil, make([]byte, chacha20poly1305.NonceSize), []byte("payload"), []byte("aad"))
	var nonce [NonceSize]byte
	if pt, err := Open(nil, AlgChaCha20Poly1305, dek, &nonce, ct, []byte("aad")); err != nil || string(pt) != "payload" {
		t.Fatalf("ChaCha20-Poly1305 is not keyed by the DEK with the zero nonce: %q, %v", pt, err)
	}
	if NonceLen(AlgChaCha20Poly1305) != 0 {
		t.Fatal("the fixed-nonce algorithm draws nonce bytes")
	}
}

func TestCommitmentSeparatesDEKs(t *testing.T) {
	dek := bytes.Repeat([]byte{1}, DEKSize)
	c, err := Commit(dek)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCommitment(dek, &c); err != nil {
		t.Fatalf("own commitment refused: %v", err)
	}
	if bytes.Equal(c[:], dek) {
		t.Fatal("commitment equals the DEK")
	}
	dek[0] ^= 1
	if err := CheckCommitment(dek, &c); !errors.Is(err, ErrCommitment) {
		t.Fatalf("a different DEK matched the commitment: %v", err)
	}
	if _, err := Commit(dek[:16]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short DEK: %v", err)
	}
	if err := CheckCommitment(dek[:16], &c); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short DEK: %v", err)
	}
}

func TestSealOpenEveryCipher(t *testing.T) {
	for _, alg := range []byte{AlgChaCha20Poly1305, AlgXChaCha20Poly1305, AlgAES256GCM} {
		dek := bytes.Repeat([]byte{3}, DEKSize)
		var nonce [NonceSize]byte
		nonce[0] = 4
		ct, err := Seal(nil, alg, dek, &nonce, []byte("payload"), []byte("aad"))
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len("payload")+Overhead(alg) {
			t.Fatalf("alg %d: overhead %d", alg, len(ct)-len("payload"))
		}
		pt, err := Open(nil, alg, dek, &nonce, ct, []byte("aad"))
		if err != nil || string(pt) != "payload" {
			t.Fatalf("alg %d: open = %q, %v", alg, pt, err)
		}
		if _, err := Open(nil, alg, dek, &nonce, ct, []byte("other")); !errors.Is(err, ErrDecrypt) {
			t.Fatalf("alg %d: wrong AAD: %v", alg, err)
		}
		for i := range NonceLen(alg) { // ChaCha20-Poly1305 takes none
			changed := nonce
			changed[i] ^= 1
			if _, err := Open(nil, alg, dek, &changed, ct, []byte("aad")); !errors.Is(err, ErrDecrypt) {
				t.Fatalf("alg %d: nonce byte %d changed: %v", alg, i, err)
			}
		}
		if _, err := Seal(nil, alg, dek[:31], &nonce, nil, nil); !errors.Is(err, ErrMalformed) {
			t.Fatalf("alg %d: short DEK: %v", alg, err)
		}
	}
}
