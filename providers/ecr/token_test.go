package ecr

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestDecodeToken(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		tok, want string
	}{
		{enc("AWS:pass:with:colons"), "pass:with:colons"},
		{enc("aws:pass"), ""},
		{enc("AWS:"), ""},
		{enc("AWS"), ""},
		{enc("AWS:pa\nss"), ""},
		{"not base64!", ""},
		{base64.RawStdEncoding.EncodeToString([]byte("AWS:p")), ""},
		{strings.Repeat("A", maxTokenLen+4), ""},
	}
	for _, tc := range tests {
		got, err := decodeToken(tc.tok)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("decodeToken(%.20q) = %q, %v", tc.tok, got, err)
		}
		if err != nil && strings.Contains(err.Error(), tc.tok) {
			t.Errorf("error quotes the token")
		}
	}
}

func FuzzDecodeToken(f *testing.F) {
	for _, s := range []string{"QVdTOnBhc3M=", "QVdTOg==", "", "!!", "YXdzOnBhc3M="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		pass, err := decodeToken(tok)
		if err != nil {
			if pass != "" {
				t.Fatal("password with error")
			}
			return
		}
		raw, _ := base64.StdEncoding.DecodeString(tok)
		if string(raw) != "AWS:"+pass || pass == "" {
			t.Fatalf("decoded %q from %q", pass, raw)
		}
	})
}
