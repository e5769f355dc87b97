package aademu

import (
	"net/http"
	"strings"
)

// Registry error codes and messages as ACR sends them.
const (
	UnauthorizedMessage = "authentication required, visit https://aka.ms/acr/authorization for more information."
	FirewallMessage     = "client with IP '203.0.113.7' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."
)

type v2Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeV2Err(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string][]v2Error{"errors": {{Code: code, Message: msg}}})
}

func (e *Emulator) serveRegistry(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	formErr := r.ParseForm()
	e.Delay(r)
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	if e.TakeThrottle() {
		e.countPath(r.URL.Path)
		writeV2Err(w, http.StatusTooManyRequests, "TOOMANYREQUESTS", "too many requests")
		return
	}
	e.countPath(r.URL.Path)
	switch {
	case formErr != nil:
		writeV2Err(w, http.StatusBadRequest, "UNSUPPORTED", "bad form")
	case r.URL.Path == "/oauth2/exchange" && r.Method == http.MethodPost:
		e.serveExchange(w, r)
	case r.URL.Path == "/oauth2/token" && r.Method == http.MethodPost:
		e.serveRefresh(w, r)
	case r.URL.Path == "/oauth2/token" && r.Method == http.MethodGet:
		e.serveBasicToken(w, r)
	case r.URL.Path == "/v2/":
		e.servePing(w, r)
	default:
		writeV2Err(w, http.StatusNotFound, "NOT_FOUND", "404 page not found")
	}
}

func (e *Emulator) countPath(p string) {
	switch p {
	case "/oauth2/exchange":
		e.exchangeHits.Add(1)
	case "/oauth2/token":
		e.tokenHits.Add(1)
	default:
		e.registryHits.Add(1)
	}
}

func (e *Emulator) serveExchange(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "access_token" || f.Get("service") != e.Host() || f.Get("tenant") != e.tenant:
		writeV2Err(w, http.StatusBadRequest, "UNSUPPORTED", "grant_type, service or tenant is invalid")
	case !e.known(e.aadTokens, f.Get("access_token")):
		writeV2Err(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid AAD access token")
	default:
		writeJSON(w, http.StatusOK, map[string]string{"refresh_token": e.issueRefresh()})
	}
}

func (e *Emulator) serveRefresh(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	switch {
	case f.Get("grant_type") != "refresh_token" || f.Get("service") != e.Host():
		writeV2Err(w, http.StatusBadRequest, "UNSUPPORTED", "grant_type or service is invalid")
	case !e.known(e.refreshTokens, f.Get("refresh_token")):
		writeV2Err(w, http.StatusUnauthorized, "UNAUTHORIZED", UnauthorizedMessage)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"access_token": e.issue(e.accessToks, "at.", AccessTokenTTL)})
	}
}

func (e *Emulator) serveBasicToken(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	e.mu.Lock()
	admin := e.admin
	e.mu.Unlock()
	switch {
	case r.URL.Query().Get("service") != e.Host():
		writeV2Err(w, http.StatusBadRequest, "UNSUPPORTED", "service is invalid")
	case !ok || !e.adminLogin(admin, user, pass) && !(user == RefreshUser && e.known(e.refreshTokens, pass)):
		w.Header().Set("Www-Authenticate", e.challenge())
		writeV2Err(w, http.StatusUnauthorized, "UNAUTHORIZED", UnauthorizedMessage)
	default:
		writeJSON(w, http.StatusOK, map[string]string{"access_token": e.issue(e.accessToks, "at.", AccessTokenTTL)})
	}
}

func (e *Emulator) challenge() string {
	return `Bearer realm="https://` + e.Host() + `/oauth2/token",service="` + e.Host() + `"`
}

func (e *Emulator) servePing(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	e.mu.Lock()
	deny := e.denyIP
	e.mu.Unlock()
	switch {
	case deny:
		writeV2Err(w, http.StatusForbidden, "DENIED", FirewallMessage)
	case !e.known(e.accessToks, tok):
		w.Header().Set("Www-Authenticate", e.challenge())
		writeV2Err(w, http.StatusUnauthorized, "UNAUTHORIZED", UnauthorizedMessage)
	default:
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

// adminLogin reports whether user and pass are the enabled admin user's.
func (e *Emulator) adminLogin(admin [2]string, user, pass string) bool {
	return admin[0] != "" && user == admin[0] && pass == admin[1]
}
