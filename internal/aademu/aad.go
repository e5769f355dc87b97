package aademu

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

// maxForm caps a form body.
const maxForm = 64 << 10

// serveAAD routes /<tenant>/v2.0/.well-known/openid-configuration and
// /<tenant>/oauth2/v2.0/token.
func (e *Emulator) serveAAD(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	formErr := r.ParseForm() // before any delay, so a hang-up is noticed
	e.Delay(r)
	tenant, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case rest == "v2.0/.well-known/openid-configuration" && r.Method == http.MethodGet:
		e.discoveryHits.Add(1)
		e.serveDiscovery(w, tenant)
	case rest == "oauth2/v2.0/token" && r.Method == http.MethodPost:
		e.aadTokenHits.Add(1)
		if formErr != nil {
			aadErr(w, http.StatusBadRequest, "invalid_request", 900144, "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
			return
		}
		e.serveAADToken(w, r, tenant)
	default:
		http.NotFound(w, r)
	}
}

func (e *Emulator) serveDiscovery(w http.ResponseWriter, tenant string) {
	if tenant != e.tenant {
		aadErr(w, http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf("AADSTS90002: Tenant '%s' not found. "+
			"Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
		return
	}
	base := e.AAD.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"issuer":                                base + "/v2.0",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"tenant_region_scope":                   "WW",
	})
}

func (e *Emulator) serveAADToken(w http.ResponseWriter, r *http.Request, tenant string) {
	f := r.PostForm
	e.mu.Lock()
	secret, ok := e.apps[f.Get("client_id")]
	e.mu.Unlock()
	switch {
	case tenant != e.tenant:
		aadErr(w, http.StatusBadRequest, "invalid_tenant", 90002, "AADSTS90002: Tenant '"+tenant+"' not found.")
	case f.Get("grant_type") != "client_credentials":
		aadErr(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "AADSTS70003: The app requested an unsupported grant type.")
	case !ok:
		aadErr(w, http.StatusBadRequest, "unauthorized_client", 700016, "AADSTS700016: Application with identifier '"+
			f.Get("client_id")+"' was not found in the directory '"+tenant+"'.")
	case f.Get("client_secret") != secret:
		aadErr(w, http.StatusUnauthorized, "invalid_client", 7000215, "AADSTS7000215: Invalid client secret provided. "+
			"Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
	case !slices.Contains(strings.Fields(f.Get("scope")), ACRScope): // MSAL adds openid, profile, offline_access
		aadErr(w, http.StatusBadRequest, "invalid_scope", 1002012, "AADSTS1002012: The provided value for scope is not valid.")
	default:
		tok := e.issue(e.aadTokens, "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.", AADTokenTTL)
		writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
	}
}

func aadErr(w http.ResponseWriter, status int, code string, aadsts int, desc string) {
	writeJSON(w, status, map[string]any{
		"error": code, "error_description": desc + "\r\nTrace ID: " + emufault.RandomHex(16) + "\r\nTimestamp: " + time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"error_codes": []int{aadsts}, "timestamp": time.Now().UTC().Format(time.DateTime), "trace_id": emufault.RandomHex(16), "correlation_id": emufault.RandomHex(16),
	})
}
