package gcpemu

import (
	"net/http"
	"strings"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// DeniedMessage is GAR's denial for a principal without read access.
const DeniedMessage = `Permission "artifactregistry.repositories.downloadArtifacts" denied on resource ` +
	`"projects/example-project/locations/europe-west1/repositories/app" (or it may not exist)`

// InsufficientScopeMessage is Google's answer to an access token whose
// scopes do not cover the API.
const InsufficientScopeMessage = "Request had insufficient authentication scopes."

type v2Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeV2Err(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string][]v2Error{"errors": {{Code: code, Message: msg}}})
}

func (e *Emulator) serveRegistry(w http.ResponseWriter, r *http.Request) {
	e.Delay(r)
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	switch r.URL.Path {
	case "/v2/token":
		e.realmHits.Add(1)
		e.serveRealm(w, r)
	case "/v2/":
		e.registryHits.Add(1)
		e.servePing(w, r)
	default:
		e.registryHits.Add(1)
		writeV2Err(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
	}
}

// serveRealm exchanges Basic oauth2accesstoken:<access token> for a
// registry token.
func (e *Emulator) serveRealm(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	e.mu.Lock()
	email, known := e.accessTokens[pass]
	known = known && e.live(pass)
	scoped := e.garTokens[pass]
	e.mu.Unlock()
	if !ok || user != "oauth2accesstoken" || !known {
		writeV2Err(w, http.StatusUnauthorized, "UNAUTHORIZED", "failed authentication")
		return
	}
	if !scoped { // an access token without cloud-platform(.read-only)
		writeV2Err(w, http.StatusForbidden, "DENIED", InsufficientScopeMessage)
		return
	}
	tok := "gar." + emufault.RandomHex(24)
	e.mu.Lock()
	e.regTokens[tok] = email
	e.expiry[tok] = time.Now().Add(RegistryTokenTTL)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"token": tok, "expires_in": int(RegistryTokenTTL.Seconds())})
}

func (e *Emulator) servePing(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	e.mu.Lock()
	email, known := e.regTokens[tok]
	known = known && e.live(tok)
	denied := e.denied[email]
	e.mu.Unlock()
	switch {
	case !ok || !known:
		w.Header().Set("Www-Authenticate", `Bearer realm="https://`+e.Host()+`/v2/token"`)
		writeV2Err(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
	case denied:
		writeV2Err(w, http.StatusForbidden, "DENIED", DeniedMessage)
	default:
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}
