package ecremu

import (
	"net/http"
	"strings"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// servePublic is public.ecr.aws: a Bearer challenge
// (realm="https://public.ecr.aws/token/",service="public.ecr.aws",scope="aws"),
// the realm exchanging Basic AWS:<password> (or nothing, for anonymous
// pulls) for a token, and /v2/ accepting that token.
func (e *Emulator) servePublic(w http.ResponseWriter, r *http.Request) {
	e.publicHits.Add(1)
	e.Delay(r)
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	switch r.URL.Path {
	case "/token/", "/token":
		e.servePublicRealm(w, r)
	case "/v2/":
		e.servePublicPing(w, r)
	default:
		writeV2Err(w, http.StatusNotFound, "NOT_FOUND", "404 page not found")
	}
}

func (e *Emulator) servePublicRealm(w http.ResponseWriter, r *http.Request) {
	if e.TakeThrottle() {
		writeV2Err(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "Rate exceeded")
		return
	}
	user, pass, ok := r.BasicAuth()
	if ok {
		e.mu.Lock()
		expires, known := e.pubTokens[pass]
		e.mu.Unlock()
		if user != "AWS" || !known {
			writeV2Err(w, http.StatusUnauthorized, "DENIED", "Your authorization token is invalid.")
			return
		}
		if time.Now().After(expires) {
			writeV2Err(w, http.StatusForbidden, "DENIED", ExpiredTokenMessage)
			return
		}
	}
	tok := "pub." + emufault.RandomHex(24)
	e.mu.Lock()
	e.pubTokens[tok] = e.pubTokens[pass] // anonymous tokens expire at the zero time: never valid for /v2/
	e.mu.Unlock()
	writeJSONv2(w, map[string]string{"token": tok})
}

func (e *Emulator) servePublicPing(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	e.mu.Lock()
	_, known := e.pubTokens[tok]
	e.mu.Unlock()
	if !strings.HasPrefix(tok, "pub.") || !known {
		w.Header().Set("Www-Authenticate", `Bearer realm="https://`+PublicHost+`/token/",service="`+PublicHost+`",scope="aws"`)
		writeV2Err(w, http.StatusUnauthorized, "DENIED", "Not Authorized")
		return
	}
	writeJSONv2(w, map[string]any{})
}
