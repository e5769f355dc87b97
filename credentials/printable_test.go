package credentials

import (
	"strings"
	"testing"
)

func printableSlow(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// FuzzPrintableASCII checks the word-at-a-time test against the plain loop.
func FuzzPrintableASCII(f *testing.F) {
	for _, s := range []string{"", "a", "ghp_abcdefghijklmnop", "abcdefg\x7f", "abcdefgh\x1f", "\x00\x00\x00\x00\x00\x00\x00\x00",
		" ~~~~~~~ ~~~~~~~", "abcdefgh\x80", "é", "\xff\xff\xff\xff\xff\xff\xff\xff", "\x20\x20\x20\x20\x20\x20\x20\x20", "abcdefgh\tij"} {
		f.Add(s)
	}
	for pos := range 8 { // every byte value at every position of a word
		for b := range 256 {
			w := []byte("AAAAAAAAAAAAAAAA")
			w[pos] = byte(b)
			f.Add(string(w))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := printableASCII(s), printableSlow(s); got != want {
			t.Fatalf("printableASCII(%q) = %v, want %v", s, got, want)
		}
	})
}

func BenchmarkPrintableASCII(b *testing.B) {
	s := "ghp_" + strings.Repeat("x", 252)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !printableASCII(s) {
			b.Fatal("not printable")
		}
	}
}
