package credentials

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestNewAPIKey(t *testing.T) {
	t.Parallel()
	key, stored, err := NewAPIKey("hg_ak_")
	if err != nil {
		t.Fatal(err)
	}
	plain := key.Reveal()
	if !strings.HasPrefix(plain, "hg_ak_") || len(plain) != len("hg_ak_")+apiKeyIDLen+1+apiKeySecretLen {
		t.Fatalf("key has the wrong shape (length %d)", len(plain))
	}
	if stored.Prefix != "hg_ak_" || !strings.HasPrefix(plain, "hg_ak_"+stored.ID+"_") {
		t.Fatalf("stored prefix/id %q/%q do not match the key", stored.Prefix, stored.ID)
	}
	if stored.Sum != sha256.Sum256([]byte(plain)) {
		t.Fatal("stored sum is not SHA-256 of the key")
	}
	if strings.Contains(stored.String(), plain[len(plain)-apiKeySecretLen:]) {
		t.Fatal("stored hash text contains the secret")
	}
	if id, ok := APIKeyLookupID(plain); !ok || id != stored.ID {
		t.Fatalf("APIKeyLookupID = %q, %v", id, ok)
	}
	if !VerifyAPIKey(stored, plain) {
		t.Fatal("VerifyAPIKey refused the key it was made from")
	}
	other, _, err := NewAPIKey("hg_ak_")
	if err != nil || other.Reveal() == plain {
		t.Fatalf("two keys are equal or failed: %v", err)
	}
}

func TestNewAPIKeyPrefix(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"hg_ak_", "hg_pat_", "x_", "abc123_"} {
		if _, _, err := NewAPIKey(p); err != nil {
			t.Errorf("NewAPIKey(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", "_", "hg_ak", "HG_AK_", "hg-ak-", "1a_", "hg__ak_", "hg:ak_", strings.Repeat("a", 32) + "_"} {
		_, _, err := NewAPIKey(p)
		checkErr(t, err, ErrInvalid, "prefix")
	}
}

func TestVerifyAPIKey(t *testing.T) {
	t.Parallel()
	key, stored, err := NewAPIKey("hg_ak_")
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
	_, otherStored, _ := NewAPIKey("hg_ak_")
	wrongPrefix := stored
	wrongPrefix.Prefix = "hg_pat_"
	tests := []struct {
		name      string
		stored    APIKeyHash
		presented string
	}{
		{"last char changed", stored, flip(len(plain) - 1)},
		{"first secret char changed", stored, flip(len(plain) - apiKeySecretLen)},
		{"id changed", stored, flip(len("hg_ak_"))},
		{"other key's hash", otherStored, plain},
		{"stored prefix differs", wrongPrefix, plain},
		{"zero stored", APIKeyHash{}, plain},
		{"empty", stored, ""},
		{"truncated", stored, plain[:len(plain)-1]},
		{"extended", stored, plain + "a"},
		{"upper case", stored, strings.ToUpper(plain)},
		{"whitespace", stored, plain + "\n"},
		{"bearer", stored, "Bearer " + plain},
		{"huge", stored, strings.Repeat("a", 1<<20)},
	}
	for _, tt := range tests {
		if VerifyAPIKey(tt.stored, tt.presented) {
			t.Errorf("%s: VerifyAPIKey accepted", tt.name)
		}
	}
}

func TestAPIKeyHashText(t *testing.T) {
	t.Parallel()
	_, stored, err := NewAPIKey("hg_ak_")
	if err != nil {
		t.Fatal(err)
	}
	s := stored.String()
	if !strings.HasPrefix(s, "sha256:hg_ak_:"+stored.ID+":") {
		t.Fatalf("String = %q", s)
	}
	parsed, err := ParseAPIKeyHash(s)
	if err != nil || parsed != stored {
		t.Fatalf("ParseAPIKeyHash(String()) = %v, %v", parsed, err)
	}
	b, err := json.Marshal(struct{ H APIKeyHash }{stored})
	if err != nil {
		t.Fatal(err)
	}
	var back struct{ H APIKeyHash }
	if err := json.Unmarshal(b, &back); err != nil || back.H != stored {
		t.Fatalf("JSON round trip: %v, %v", back.H, err)
	}
	if _, err := (APIKeyHash{}).MarshalText(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("MarshalText of the zero hash: %v", err)
	}
	if (APIKeyHash{}).String() != "" {
		t.Fatal("zero hash String is not empty")
	}
}

func TestParseAPIKeyHashRefuses(t *testing.T) {
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
		if h, err := ParseAPIKeyHash(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseAPIKeyHash(%.40q) = %v, %v", s, h, err)
		}
	}
	var h APIKeyHash
	if err := h.UnmarshalText([]byte("nope")); err == nil || h != (APIKeyHash{}) {
		t.Fatalf("UnmarshalText accepted garbage or changed h")
	}
}

func FuzzParseAPIKeyHash(f *testing.F) {
	_, stored, err := NewAPIKey("hg_ak_")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stored.String())
	f.Add("sha256:x_:abcdefghijklmnop:" + strings.Repeat("0", 64))
	f.Add("sha256:hg_ak_:abcdefghijklmnop:" + strings.Repeat("A", 64))
	f.Add("")
	f.Add(":::")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseAPIKeyHash(s)
		if err != nil {
			if h != (APIKeyHash{}) {
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

func FuzzVerifyAPIKey(f *testing.F) {
	// A fixed key: fuzz workers are separate processes, so a random key made
	// here would differ between the coordinator's seeds and each worker.
	key := NewSecret("hg_ak_abcdefghijklmnop_" + strings.Repeat("q7", apiKeySecretLen/2))
	stored := APIKeyHash{Prefix: "hg_ak_", ID: "abcdefghijklmnop", Sum: sha256.Sum256([]byte(key.Reveal()))}
	f.Add(key.Reveal())
	f.Add("hg_ak_" + stored.ID + "_")
	f.Add("")
	f.Add(strings.Repeat("_", 80))
	f.Fuzz(func(t *testing.T, presented string) {
		ok := VerifyAPIKey(stored, presented)
		if ok != (presented == key.Reveal()) {
			t.Fatalf("VerifyAPIKey = %v for a different key", ok)
		}
		if id, ok := APIKeyLookupID(presented); ok && !strings.Contains(presented, id) {
			t.Fatalf("lookup id %q not in the key", id)
		}
	})
}
