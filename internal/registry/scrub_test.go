package registry

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/clip"
)

// TestScrubEncodings: every encoding of a secret is replaced by the
// marker, the text around it kept.
func TestScrubEncodings(t *testing.T) {
	const pw = "p\u00a0\"w\\d\u3000/+?é"
	var sc scrubber
	sc.add(pw)
	for _, enc := range encodings(pw) {
		got := sc.quote("before " + enc + " after")
		if got != "before "+credentials.Redacted+" after" {
			t.Errorf("encoding %q: got %q", enc, got)
		}
	}
}

// TestScrubBasicHeader: the base64 of user:secret as sent is no base64 of
// the secret at any alignment, so the exact header value is registered.
func TestScrubBasicHeader(t *testing.T) {
	var sc scrubber
	b64 := base64.StdEncoding.EncodeToString([]byte("deploy:hunter2-secret"))
	sc.add(authSecrets("Basic " + b64)...)
	if got := sc.quote("echo: Basic " + b64); strings.Contains(got, b64[8:]) {
		t.Fatalf("Basic header survived: %q", got)
	}
	if got := sc.quote("pw hunter2-secret"); got != "pw "+credentials.Redacted {
		t.Fatalf("password from the header survived: %q", got)
	}
}

// TestScrubOverlap: two secrets overlapping in the text leave no piece of
// either.
func TestScrubOverlap(t *testing.T) {
	var sc scrubber
	sc.add("aaaaXXXX", "XXXXbbbbbbbb", "abab")
	if got := sc.quote("<aaaaXXXXbbbbbbbb> ababab"); got != "<"+credentials.Redacted+"> "+credentials.Redacted {
		t.Fatalf("got %q", got)
	}
}

// TestScrubShortSecret: a secret under minScrubLen bytes counts only as a
// whole token: provider text quoting it is withheld whole, a URL's path
// or a code has the token replaced, and words that merely contain it, the
// host and this package's own text are left alone.
func TestScrubShortSecret(t *testing.T) {
	var sc scrubber
	sc.add("Zq9")
	if got := sc.quote("wrong password Zq9"); got != withheld {
		t.Fatalf("short secret survived: %q", got)
	}
	if got := sc.quote("HTTP 401: XZq9X unauthorized"); got != "HTTP 401: XZq9X unauthorized" {
		t.Fatalf("text without the token changed: %q", got)
	}
	if got := sc.url("https://zq9.example/v2/Zq9/"); got != "https://zq9.example/v2/"+credentials.Redacted+"/" {
		t.Fatalf("url: %q", got)
	}
	sc.add("1")
	if got := sc.url("https://10.0.0.1:443/v2/"); got != "https://10.0.0.1:443/v2/" {
		t.Fatalf("host blanked: %q", got)
	}
	if got := sc.ours("registry answered 1 challenge"); got != "registry answered 1 challenge" {
		t.Fatalf("own text changed: %q", got)
	}
}

// TestRedactCleansThenScrubs: a secret split by a non-printing rune that
// cleaning removes is caught after cleaning, and one cut by the clip is
// never half shown, since the clip comes last.
func TestRedactCleansThenScrubs(t *testing.T) {
	const token = "ya29.c.derived-access-token-value"
	s := &Session{}
	s.AddSecrets(token)
	if got := s.Redact("token ya29.c.derived\u200b-access-token-value"); strings.Contains(got, "derived-access") {
		t.Fatalf("joined secret survived: %q", got)
	}
	msg := strings.Repeat("y", MaxProviderText-8) + token
	if got := s.Redact(msg); strings.Contains(got, token[:8]) {
		t.Fatalf("clipped token survived: %q", got)
	}
}

// FuzzScrub: whatever the text and secret, no registered secret of at
// least minScrubLen bytes survives Redact in any encoding, a short one
// never survives as a whole token, and the output is valid, capped text.
func FuzzScrub(f *testing.F) {
	f.Add("pw=hunter2 end", "hunter2")
	f.Add("Basic ZGVwbG95Omh1bnRlcjI=", "hunter2")
	f.Add(`failed to parse Location header "https://x/a\u00a0b"`, "a\u00a0b")
	f.Add("x Q y", "Q")
	f.Add("aaaaa", "aaaa")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if !utf8.ValidString(secret) || secret == "" {
			return
		}
		s := &Session{}
		s.AddSecrets(secret)
		got := s.Redact(text)
		if !utf8.ValidString(got) || len(got) > MaxProviderText+len("…") {
			t.Fatalf("bad output %q", got)
		}
		for _, enc := range encodings(secret) {
			if len(enc) >= minScrubLen && strings.Contains(got, enc) && !strings.Contains(credentials.Redacted+withheld, enc) {
				t.Fatalf("%q survived in %q", enc, got)
			}
			if len(enc) < minScrubLen && got != withheld && len(tokenSpans(got, enc)) > 0 {
				t.Fatalf("short %q survived in %q", enc, got)
			}
		}
	})
}

// legacyScrub is the scrub this package had before every encoding was
// covered (clip first, then the raw secret and the Basic encoding of the
// login replaced): the baseline BenchmarkScrub reports against.
func legacyScrub(text string, c credentials.Credential) string {
	text = clip.Clip(text, MaxProviderText)
	for _, v := range secretValues(c) {
		text = strings.ReplaceAll(text, v, credentials.Redacted)
	}
	return text
}

// BenchmarkScrub is the scrubbing one registry check does (a password
// login, its Basic header and a Bearer token registered; an error body's
// code, message and endpoint scrubbed; the final pass), against the
// legacy scrub of the same texts in the same run. It reports the new
// cost per check and its ratio to the legacy one.
func BenchmarkScrub(b *testing.B) {
	c := credentials.UsernamePassword{Username: "deploy", Password: credentials.NewSecret("S3cret-Passw0rd-9f8e7d")}
	header := Basic("deploy", "S3cret-Passw0rd-9f8e7d").Get("Authorization")
	msg := "unauthorized: authentication required for repository library/alpine; see https://docs.example/errors#UNAUTHORIZED"
	const endpoint = "https://registry.example.com/v2/"
	var legacy, current time.Duration
	for b.Loop() {
		start := time.Now()
		_ = legacyScrub(msg, c) + legacyScrub("UNAUTHORIZED", c) + legacyScrub(endpoint, c)
		legacy += time.Since(start)
		start = time.Now()
		s := &Session{}
		sc := &s.secrets
		sc.add(secretValues(c)...)
		sc.add(authSecrets(header)...)
		sc.add(authSecrets("Bearer emu-0123456789abcdef0123456789abcdef")...)
		_ = sc.ours("registry: HTTP 401: "+s.Redact(msg)) + sc.inPlace(s.RedactCode("UNAUTHORIZED")) + sc.url(s.shown(endpoint))
		current += time.Since(start)
	}
	b.ReportMetric(float64(current.Nanoseconds())/float64(b.N), "scrub-ns/check")
	b.ReportMetric(float64(current)/float64(legacy), "x-legacy")
}
