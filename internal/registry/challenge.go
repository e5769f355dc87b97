package registry

import "strings"

// A Challenge is one authentication challenge of a WWW-Authenticate
// header (RFC 7235): a scheme, lower-cased, and its auth-params, whose
// names are lower-cased and whose values are unquoted.
type Challenge struct {
	Scheme string
	Params map[string]string
}

// maxChallenges caps the challenges parsed from one header value.
const maxChallenges = 16

// ParseChallenges parses a WWW-Authenticate header value, which may hold
// several challenges (`Basic realm="x", Bearer realm="y",service="z"`).
// Quoted strings may contain commas and backslash escapes. Token68 forms
// (`Negotiate abc==`) are not interpreted: registries do not use them.
// Malformed input yields the challenges parsed before the fault; it never
// panics.
func ParseChallenges(h string) []Challenge {
	p := challengeParser{s: h}
	var out []Challenge
	for len(out) < maxChallenges {
		p.skipSeparators()
		scheme := p.token()
		if scheme == "" {
			break
		}
		c := Challenge{Scheme: strings.ToLower(scheme), Params: map[string]string{}}
		p.params(c.Params)
		out = append(out, c)
	}
	return out
}

// FindChallenge returns the first challenge with the given scheme
// (case-insensitive).
func FindChallenge(cs []Challenge, scheme string) (Challenge, bool) {
	for _, c := range cs {
		if strings.EqualFold(c.Scheme, scheme) {
			return c, true
		}
	}
	return Challenge{}, false
}

type challengeParser struct {
	s string
	i int
}

func (p *challengeParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *challengeParser) skipSeparators() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == ',') {
		p.i++
	}
}

// token reads an RFC 7230 token.
func (p *challengeParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// params reads the auth-params (or a token68) after a scheme, stopping
// before the next challenge's scheme.
func (p *challengeParser) params(out map[string]string) {
	for {
		p.skipSeparators()
		save := p.i
		name := p.token()
		if name == "" {
			if p.i >= len(p.s) {
				return
			}
			p.skipJunk() // a malformed param: skip it, keep the challenge
			continue
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			p.i = save // a new scheme begins
			return
		}
		p.i++ // '='
		p.skipSpace()
		out[strings.ToLower(name)] = p.value()
	}
}

// value reads a token or a quoted-string, unescaping backslash pairs.
func (p *challengeParser) value() string {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return p.token()
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return b.String()
		case c == '\\' && p.i < len(p.s):
			b.WriteByte(p.s[p.i])
			p.i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String() // unterminated: take what there is
}

// skipJunk skips to the next comma so one malformed param does not end
// the parse.
func (p *challengeParser) skipJunk() {
	for p.i < len(p.s) && p.s[p.i] != ',' {
		p.i++
	}
}

func isTChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
