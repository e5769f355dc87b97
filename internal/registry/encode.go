package registry

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/credvault/credvault/internal/clip"
)

// encodings returns secret v as a server, or Go on its behalf, may give it
// back: raw, JSON-string-escaped (Go's with and without HTML escaping,
// and ASCII-only as other encoders write it) and Go-quoted as %q and %+q
// print it (without the quotes); each of those also URL query-,
// path-segment- and path-escaped (a realm or Location path holding a
// quoted echo); base64 of v, standard and URL-safe, padded and unpadded;
// and all of these with lower-case hex escapes and with the non-printing
// runes removed, as clip.Clip leaves text. Duplicates and "" are dropped.
func encodings(v string) []string {
	if v == "" {
		return nil
	}
	b := []byte(v)
	forms := []string{base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
		base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
	for _, t := range textForms(v) {
		for _, f := range []string{t, url.QueryEscape(t), url.PathEscape(t), (&url.URL{Path: t}).EscapedPath()} {
			forms = append(forms, f, lowerHex(f), clip.Clip(f, len(f)))
		}
	}
	return dedupe(forms)
}

// textForms are v raw, JSON-escaped and Go-quoted. Printable ASCII
// without a character either escapes is its own every form: the common
// case, kept cheap.
func textForms(v string) []string {
	if printableASCII(v) && !strings.ContainsAny(v, "\"<>&") {
		return []string{v}
	}
	return dedupe([]string{v, jsonEscape(v, true), jsonEscape(v, false), jsonASCII(v),
		unquote(strconv.Quote(v)), unquote(strconv.QuoteToASCII(v))})
}

func printableASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// jsonEscape is v as the inside of a JSON string written by encoding/json.
func jsonEscape(v string, html bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	_ = enc.Encode(v) // a string always encodes
	return unquote(strings.TrimSuffix(b.String(), "\n"))
}

// jsonASCII is v as the inside of an ASCII-only JSON string (\u escapes,
// UTF-16 surrogate pairs beyond the BMP).
func jsonASCII(v string) string {
	var b strings.Builder
	for _, r := range jsonEscape(v, false) {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			b.WriteString(`\u` + hex4(0xd800+(r>>10)) + `\u` + hex4(0xdc00+(r&0x3ff)))
		default:
			b.WriteString(`\u` + hex4(r))
		}
	}
	return b.String()
}

func hex4(r rune) string {
	s := strconv.FormatInt(int64(r), 16)
	return strings.Repeat("0", 4-len(s)) + s
}

// unquote drops the first and last byte (the quotes) of a quoted string.
func unquote(q string) string { return q[1 : len(q)-1] }

// lowerHex lower-cases the hex digits of v's %XX escapes.
func lowerHex(v string) string {
	if !strings.Contains(v, "%") {
		return v
	}
	b := []byte(v)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerByte(b[i+1]), lowerByte(b[i+2])
		}
	}
	return string(b)
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
