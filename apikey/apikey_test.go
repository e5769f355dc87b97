package apikey

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
)

func TestNew(t *testing.T) {
	t.Parallel()
	key, stored, err := New("hg_ak_")
	if err != nil {
		t.Fatal(err)
	}
	plain := key.Reveal()
	if !strings.HasPrefix(plain, "hg_ak_") || len(plain) != len("hg_ak_")+idLen+1+secretLen {
		t.Fatalf("key has the wrong shape (length %d)", len(plain))
	}
	if stored.Prefix != "hg_ak_" || !strings.HasPrefix(plain, "hg_ak_"+stored.ID+"_") {
		t.Fatalf("stored prefix/id %q/%q do not match the key", stored.Prefix, stored.ID)
	}
	if stored.Sum != sha256.Sum256([]byte(plain)) {
		t.Fatal("stored sum is not SHA-256 of the key")
	}
	if strings.Contains(stored.String(), plain[len(plain)-secretLen:]) {
		t.Fatal("stored hash text contains the secret")
	}
	if id, ok := LookupID(plain); !ok || id != stored.ID {
		t.Fatalf("LookupID = %q, %v", id, ok)
	}
	if !Verify(stored, plain) {
		t.Fatal("Verify refused the key it was made from")
	}
	other, _, err := New("hg_ak_")
	if err != nil || other.Reveal() == plain {
		t.Fatalf("two keys are equal or failed: %v", err)
	}
}

func TestNewPrefix(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"hg_ak_", "hg_pat_", "x_", "abc123_"} {
		if _, _, err := New(p); err != nil {
			t.Errorf("New(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", "_", "hg_ak", "HG_AK_", "hg-ak-", "1a_", "hg__ak_", "hg:ak_", strings.Repeat("a", 32) + "_"} {
		_, _, err := New(p)
		var fe *credentials.FieldError
		if !errors.Is(err, credentials.ErrInvalid) || !errors.As(err, &fe) || fe.Field != "prefix" {
			t.Errorf("New(%q) error = %v, want a *FieldError naming prefix", p, err)
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	key, stored, err := New("hg_ak_")
	if err != nil {
		t.Fatal(err)
	}
	plain := key.Reveal()
	flip := func(i int) string {
		b := []byte(plain)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	_, otherStored, _ := New("hg_ak_")
	wrongPrefix := stored
	wrongPrefix.Prefix = "hg_pat_"
	tests := []struct {
		name      string
		stored    Hash
		presented string
	}{
		{"last char changed", stored, flip(len(plain) - 1)},
		{"first secret char changed", stored, flip(len(plain) - secretLen)},
		{"id changed", stored, flip(len("hg_ak_"))},
		{"other key's hash", otherStored, plain},
		{"stored prefix differs", wrongPrefix, plain},
		{"zero stored", Hash{}, plain},
		{"empty", stored, ""},
		{"truncated", stored, plain[:len(plain)-1]},
		{"extended", stored, plain + "a"},
		{"upper case", stored, strings.ToUpper(plain)},
		{"whitespace", stored, plain + "\n"},
		{"bearer", stored, "Bearer " + plain},
		{"huge", stored, strings.Repeat("a", 1<<20)},
	}
	for _, tt := range tests {
		if Verify(tt.stored, tt.presented) {
			t.Errorf("%s: Verify accepted", tt.name)
		}
	}
}

func TestHashText(t *testing.T) {
	t.Parallel()
	_, stored, err := New("hg_ak_")
	if err != nil {
		t.Fatal(err)
	}
	s := stored.String()
	if !strings.HasPrefix(s, "sha256:hg_ak_:"+stored.ID+":") {
		t.Fatalf("String = %q", s)
	}
	parsed, err := ParseHash(s)
	if err != nil || parsed != stored {
		t.Fatalf("ParseHash(String()) = %v, %v", parsed, err)
	}
	b, err := json.Marshal(struct{ H Hash }{stored})
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ H Hash }
	if err := json.Unmarshal(b, &back); err != nil || back.H != stored {
		t.Fatalf("JSON round trip: %v, %v", back.H, err)
	}
	if _, err := (Hash{}).MarshalText(); !errors.Is(err, credentials.ErrMalformed) {
		t.Fatalf("MarshalText of the zero hash: %v", err)
	}
	if (Hash{}).String() != "" {
		t.Fatal("zero hash String is not empty")
	}
}

func TestParseHashRefuses(t *testing.T) {
	t.Parallel()
	const id = "abcdefghijklmnop"
	hex := strings.Repeat("0f", 32)
	for _, s := range []string{
		"",
		"sha256:hg_ak_:" + id,
		"sha512:hg_ak_:" + id + ":" + hex,
		"sha256:HG_AK_:" + id + ":" + hex,
		"sha256:hg_ak_:" + id[1:] + ":" + hex,
		"sha256:hg_ak_:abcdefghijklmno1:" + hex,
		"sha256:hg_ak_:" + id + ":" + strings.ToUpper(hex),
		"sha256:hg_ak_:" + id + ":" + hex[1:],
		"sha256:hg_ak_:" + id + ":" + hex + "00",
		"sha256:hg_ak_:" + id + ":" + hex + ":",
		"sha256:hg_ak_:" + id + ":" + strings.Repeat("zz", 32),
		" sha256:hg_ak_:" + id + ":" + hex,
		strings.Repeat("a", 10000),
	} {
		if h, err := ParseHash(s); !errors.Is(err, credentials.ErrMalformed) {
			t.Errorf("ParseHash(%.40q) = %v, %v", s, h, err)
		}
	}
	var h Hash
	if err := h.UnmarshalText([]byte("nope")); err == nil || h != (Hash{}) {
		t.Fatalf("UnmarshalText accepted garbage or changed h")
	}
}

func FuzzParseHash(f *testing.F) {
	_, stored, err := New("hg_ak_")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stored.String())
	f.Add("sha256:x_:abcdefghijklmnop:" + strings.Repeat("0", 64))
	f.Add("sha256:hg_ak_:abcdefghijklmnop:" + strings.Repeat("A", 64))
	f.Add("")
	f.Add(":::")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			if h != (Hash{}) {
				t.Fatal("error with a non-zero hash")
			}
			return
		}
		if h.String() != s {
			t.Fatalf("String() = %q, input %q", h.String(), s)
		}
		if text, err := h.MarshalText(); err != nil || string(text) != s {
			t.Fatalf("MarshalText = %q, %v", text, err)
		}
	})
}

func FuzzVerify(f *testing.F) {
	// A fixed key: fuzz workers are separate processes, so a random key made
	// here would differ between the coordinator's seeds and each worker.
	key := credentials.NewSecret("hg_ak_abcdefghijklmnop_" + strings.Repeat("q7", secretLen/2))
	stored := Hash{Prefix: "hg_ak_", ID: "abcdefghijklmnop", Sum: sha256.Sum256([]byte(key.Reveal()))}
	f.Add(key.Reveal())
	f.Add("hg_ak_" + stored.ID + "_")
	f.Add("")
	f.Add(strings.Repeat("_", 80))
	f.Fuzz(func(t *testing.T, presented string) {
		ok := Verify(stored, presented)
		if ok != (presented == key.Reveal()) {
			t.Fatalf("Verify = %v for a different key", ok)
		}
		if id, ok := LookupID(presented); ok && !strings.Contains(presented, id) {
			t.Fatalf("lookup id %q not in the key", id)
		}
	})
}
