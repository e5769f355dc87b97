package gcpemu

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// maxAssertion caps an assertion's length.
const maxAssertion = 16 << 10

// claims are the JWT claims of a service-account assertion.
type claims struct {
	Iss   string `json:"iss"`
	Aud   string `json:"aud"`
	Scope string `json:"scope"`
	Exp   int64  `json:"exp"`
	Iat   int64  `json:"iat"`
}

// These are Google's own error_description strings, copied verbatim
// (capitals and full stops included) because the emulator's fidelity is
// judged by what Google's token endpoint sends: x/oauth2 surfaces them in
// its RetrieveError, and the GAR adapter's tests match on them.
// The file-wide directive below covers only them: ST1005 asks Go error
// prose to be lower case without a full stop, which Google's text is not.
//
//lint:file-ignore ST1005 these errors carry Google's wire text verbatim
var (
	errMalformed = errors.New("Invalid JWT: malformed assertion.")
	errSignature = errors.New("Invalid JWT Signature.")
	errAudience  = errors.New("Invalid JWT: Failed audience check.")
	errTime      = errors.New("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.")
	errAccount   = errors.New("Invalid grant: account not found")
	errScope     = errors.New("Invalid OAuth scope or ID token audience provided.")
)

// parseAssertion splits and decodes a compact RS256 JWT without checking
// the signature.
func parseAssertion(a string) (header, payload, sig []byte, c claims, err error) {
	parts := strings.Split(a, ".")
	if len(a) > maxAssertion || len(parts) != 3 {
		return nil, nil, nil, c, errMalformed
	}
	dec := base64.RawURLEncoding
	h, err1 := dec.DecodeString(parts[0])
	p, err2 := dec.DecodeString(parts[1])
	s, err3 := dec.DecodeString(parts[2])
	var hdr struct {
		Alg string `json:"alg"`
	}
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(h, &hdr) != nil || hdr.Alg != "RS256" || json.Unmarshal(p, &c) != nil {
		return nil, nil, nil, c, errMalformed
	}
	return []byte(parts[0]), []byte(parts[1]), s, c, nil
}

// verify checks an assertion for audience aud and returns its claims.
func (e *Emulator) verify(assertion, aud string, now time.Time) (claims, error) {
	h, p, sig, c, err := parseAssertion(assertion)
	if err != nil {
		return claims{}, err
	}
	e.mu.Lock()
	pub, ok := e.accounts[c.Iss]
	e.mu.Unlock()
	if !ok {
		return claims{}, errAccount
	}
	sum := sha256.Sum256([]byte(string(h) + "." + string(p)))
	switch {
	case rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil:
		return claims{}, errSignature
	case c.Aud != aud:
		return claims{}, errAudience
	case c.Exp <= now.Unix() || c.Exp-c.Iat > 3600 || c.Iat > now.Add(5*time.Minute).Unix():
		return claims{}, errTime
	case !knownScopes(c.Scope):
		return claims{}, errScope
	}
	return c, nil
}

// googleScopePrefix starts every Google API scope but the OpenID ones.
const googleScopePrefix = "https://www.googleapis.com/auth/"

// knownScopes reports whether scope is a non-empty list of scopes Google
// knows the form of; Google answers invalid_scope to anything else.
func knownScopes(scope string) bool {
	fields := strings.Fields(scope)
	for _, s := range fields {
		if !strings.HasPrefix(s, googleScopePrefix) && s != "openid" && s != "email" && s != "profile" {
			return false
		}
	}
	return len(fields) > 0
}

// garScoped reports whether a token for scope may use Artifact Registry:
// it needs cloud-platform or cloud-platform.read-only.
func garScoped(scope string) bool {
	for _, s := range strings.Fields(scope) {
		if s == googleScopePrefix+"cloud-platform" || s == googleScopePrefix+"cloud-platform.read-only" {
			return true
		}
	}
	return false
}

func (e *Emulator) serveToken(w http.ResponseWriter, r *http.Request) {
	e.tokenHits.Add(1)
	// Read the body before any delay: only then does net/http notice a
	// client that hangs up.
	r.Body = http.MaxBytesReader(w, r.Body, maxAssertion+1024)
	formErr := r.ParseForm()
	e.Delay(r)
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		oauthErr(w, http.StatusNotFound, "not_found", "Not Found")
		return
	}
	if e.TakeThrottle() {
		oauthErr(w, http.StatusTooManyRequests, "rate_limit_exceeded", "Rate Limit Exceeded")
		return
	}
	if formErr != nil || r.PostForm.Get("grant_type") != JWTBearerGrant {
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
		return
	}
	c, err := e.verify(r.PostForm.Get("assertion"), e.TokenURL(), time.Now())
	if err == errScope {
		oauthErr(w, http.StatusBadRequest, "invalid_scope", err.Error())
		return
	}
	if err != nil {
		oauthErr(w, http.StatusBadRequest, "invalid_grant", err.Error())
		return
	}
	tok := "ya29.c." + emufault.RandomHex(32)
	e.mu.Lock()
	e.accessTokens[tok] = c.Iss
	e.expiry[tok] = time.Now().Add(AccessTokenTTL)
	if garScoped(c.Scope) {
		e.garTokens[tok] = true
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": int(AccessTokenTTL.Seconds()), "token_type": "Bearer"})
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
