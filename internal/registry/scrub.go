package registry

import (
	"encoding/base64"
	"reflect"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/credvault/credvault/credentials"
)

// minScrubLen is the shortest encoded secret replaced wherever it occurs.
// Shorter ones (a one-character password, its JSON form) would mangle
// ordinary words, so they count only as whole tokens (see scrubber).
const minScrubLen = 4

// withheld replaces a piece of provider text that quotes a short secret
// as a whole token.
const withheld = "[provider text withheld: it quotes a secret]"

// A scrubber holds every encoding (see encodings) of every secret a
// session registered, computed once when the secret is registered, and
// removes them from text:
//   - a pattern of at least minScrubLen bytes is replaced by
//     credentials.Redacted wherever it occurs, overlapping matches merged;
//   - a shorter one counts only as a whole token (not next to a letter or
//     digit where its own edge is one); provider text quoting it is
//     withheld whole (quote), a code or a URL's path has the token
//     replaced (inPlace, url), and text this package wrote itself is
//     left alone (ours).
//
// Its zero value is empty and ready; it is safe for concurrent use.
type scrubber struct {
	mu    sync.RWMutex
	seen  map[string]bool // registered values and patterns
	long  []string        // patterns of at least minScrubLen bytes
	short []string
}

// add registers values (empty ones are ignored) with all their encodings.
func (sc *scrubber) add(values ...string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.seen == nil {
		sc.seen = map[string]bool{}
	}
	for _, v := range values {
		if v == "" || sc.seen["v:"+v] {
			continue
		}
		sc.seen["v:"+v] = true
		for _, p := range encodings(v) {
			if sc.seen["p:"+p] {
				continue
			}
			sc.seen["p:"+p] = true
			if len(p) >= minScrubLen {
				sc.long = append(sc.long, p)
			} else {
				sc.short = append(sc.short, p)
			}
		}
	}
}

// quote scrubs provider text: long patterns replaced, and the whole text
// withheld if it quotes a short one.
func (sc *scrubber) quote(s string) string {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	for _, p := range sc.short {
		if len(tokenSpans(s, p)) > 0 {
			return withheld
		}
	}
	return mask(s, sc.longSpans(s))
}

// inPlace replaces long patterns and short ones found as whole tokens:
// for URLs and provider codes, which have no prose to withhold.
func (sc *scrubber) inPlace(s string) string {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	spans := sc.longSpans(s)
	for _, p := range sc.short {
		spans = append(spans, tokenSpans(s, p)...)
	}
	return mask(s, spans)
}

// url is inPlace for a URL, except that short tokens are looked for only
// after the host: the host is the target's or a realm's, which a
// one-character password would otherwise blank.
func (sc *scrubber) url(s string) string {
	s = sc.ours(s)
	i := 0
	if j := strings.Index(s, "://"); j >= 0 {
		i = j + 3
		if k := strings.IndexByte(s[i:], '/'); k >= 0 {
			i += k
		} else {
			i = len(s)
		}
	}
	return s[:i] + sc.inPlace(s[i:])
}

// ours replaces long patterns only: for messages this package composed
// around provider text already quoted, where a short token would match
// its own words.
func (sc *scrubber) ours(s string) string {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	return mask(s, sc.longSpans(s))
}

// A span is the byte range [from, to) of a match.
type span struct{ from, to int }

// longSpans finds every occurrence of every long pattern, overlapping
// ones included, so that no part of a secret survives between two
// matches.
func (sc *scrubber) longSpans(s string) []span {
	var out []span
	for _, p := range sc.long {
		if len(p) > len(s) {
			continue
		}
		for i := 0; ; {
			j := strings.Index(s[i:], p)
			if j < 0 {
				break
			}
			out = append(out, span{i + j, i + j + len(p)})
			i += j + 1
		}
	}
	return out
}

// tokenSpans finds p in s where it stands as a whole token: an edge of p
// that is a letter or digit must not touch another.
func tokenSpans(s, p string) []span {
	var out []span
	first, _ := utf8.DecodeRuneInString(p)
	last, _ := utf8.DecodeLastRuneInString(p)
	for i := 0; ; {
		j := strings.Index(s[i:], p)
		if j < 0 {
			return out
		}
		from, to := i+j, i+j+len(p)
		before, _ := utf8.DecodeLastRuneInString(s[:from])
		after, _ := utf8.DecodeRuneInString(s[to:])
		if !(isWord(first) && from > 0 && isWord(before)) && !(isWord(last) && to < len(s) && isWord(after)) {
			out = append(out, span{from, to})
		}
		i = from + 1
	}
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// mask replaces each run of overlapping or touching spans with one
// credentials.Redacted.
func mask(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from < spans[j].from })
	var b strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		from, to := spans[i].from, spans[i].to
		for i++; i < len(spans) && spans[i].from <= to; i++ {
			to = max(to, spans[i].to)
		}
		b.WriteString(s[at:from])
		b.WriteString(credentials.Redacted)
		at = to
	}
	b.WriteString(s[at:])
	return b.String()
}

// secretValues returns every secret string c holds, plus the Basic
// authorization encoding of its login (what a leaked header would show).
// It is the one place in this package that reveals secrets for a purpose
// other than sending them.
func secretValues(c credentials.Credential) []string {
	user, secrets := loginParts(c)
	out := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		if v := s.Reveal(); v != "" {
			out = append(out, v, base64.StdEncoding.EncodeToString([]byte(user+":"+v)))
		}
	}
	return out
}

// loginParts returns c's login name (if any) and its secret fields,
// for values and pointers alike.
func loginParts(c credentials.Credential) (string, []credentials.Secret) {
	switch v := deref(c).(type) {
	case credentials.UsernamePassword:
		return v.Username, []credentials.Secret{v.Password}
	case credentials.UsernamePat:
		return v.Username, []credentials.Secret{v.Pat}
	case credentials.HarborRobot:
		return v.RobotName, []credentials.Secret{v.Secret}
	case credentials.JfrogIdentityToken:
		return v.Username, []credentials.Secret{v.IdentityToken}
	case credentials.AwsEcr:
		return v.AccessKeyID, []credentials.Secret{v.SecretAccessKey, v.SessionToken, v.ExternalID}
	case credentials.AzureAcr:
		return v.ClientID, []credentials.Secret{v.ClientSecret}
	case credentials.GoogleGar:
		return "_json_key", []credentials.Secret{v.ServiceAccountKey}
	}
	return "", nil
}

// deref turns a pointer to one of the credential structs into its value;
// nil pointers come back as nil.
func deref(c credentials.Credential) credentials.Credential {
	if IsNil(c) {
		return nil
	}
	switch v := c.(type) {
	case *credentials.UsernamePassword:
		return *v
	case *credentials.UsernamePat:
		return *v
	case *credentials.HarborRobot:
		return *v
	case *credentials.JfrogIdentityToken:
		return *v
	case *credentials.AwsEcr:
		return *v
	case *credentials.AzureAcr:
		return *v
	case *credentials.GoogleGar:
		return *v
	}
	return c
}

// IsNil reports whether c is nil or a typed nil pointer (calling a value
// method through a nil pointer would panic).
func IsNil(c credentials.Credential) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
