package regemu

import (
	"net/http"
	"strings"
)

// HarnessSpace is the space (account/org) the Harness emulator serves;
// BuildkiteOrg and BuildkiteRegistry name the Buildkite registry.
const (
	HarnessSpace      = "acct123/org456"
	BuildkiteOrg      = "acme"
	BuildkiteRegistry = "images"
)

// serveAPI answers the flavor's REST endpoints besides /v2/; it reports
// whether it handled the request.
func (r *Registry) serveAPI(w http.ResponseWriter, req *http.Request) bool {
	h, ok := apiRoutes[r.cfg.Flavor][req.URL.Path]
	if !ok {
		return false
	}
	h(r, w, req)
	return true
}

type apiHandler func(*Registry, http.ResponseWriter, *http.Request)

var apiRoutes = map[Flavor]map[string]apiHandler{
	Harbor: {
		"/api/v2.0/ping":          func(_ *Registry, w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("Pong")) },
		"/api/v2.0/users/current": (*Registry).harborCurrentUser,
		"/api/version": func(_ *Registry, w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]string{"version": "v2.0"})
		},
	},
	JFrog: {
		"/access/api/v1/tokens/me":     (*Registry).jfrogTokenMe,
		"/artifactory/api/system/ping": func(_ *Registry, w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK")) },
	},
	Nexus: {
		"/service/rest/v1/status": func(_ *Registry, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) },
	},
	Harness: {
		"/gateway/har/api/v1/spaces/" + HarnessSpace + "/+/registries": (*Registry).harnessRegistries,
	},
	Buildkite: {
		"/v2/packages/organizations/" + BuildkiteOrg + "/registries/" + BuildkiteRegistry: (*Registry).buildkiteRegistry,
	},
}

// harborCurrentUser answers 412 to robot accounts, as Harbor does.
func (r *Registry) harborCurrentUser(w http.ResponseWriter, req *http.Request) {
	u, _, ok := req.BasicAuth()
	switch {
	case ok && strings.HasPrefix(u, "robot$"):
		writeJSON(w, http.StatusPreconditionFailed, distErr("PRECONDITION", "this API is not supported for robot accounts"))
	case r.validBasic(req):
		writeJSON(w, http.StatusOK, map[string]any{"username": u, "user_id": 3})
	default:
		writeJSON(w, http.StatusUnauthorized, distErr("UNAUTHORIZED", "unauthorized"))
	}
}

// jfrogTokenMe identifies a Bearer identity token.
func (r *Registry) jfrogTokenMe(w http.ResponseWriter, req *http.Request) {
	if req.Header.Get("Authorization") != "Bearer "+r.cfg.Password {
		writeJSON(w, http.StatusUnauthorized, distErr("UNAUTHORIZED", "Bad credentials"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token_id": "8f2b1c3e", "subject": "jfac@01emulator/users/" + r.cfg.Username,
		"scope": "applied-permissions/user", "expiry": 1893456000})
}

// harnessRegistries lists the space's registries for a valid x-api-key.
func (r *Registry) harnessRegistries(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Header.Get("X-Api-Key") != r.cfg.Password:
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": "401", "message": "Invalid API key", "details": map[string]any{}})
	case Mode(r.mode.Load()) == Deny:
		writeJSON(w, http.StatusForbidden, map[string]any{"code": "403", "message": "Missing permission core_artifactregistry_view", "details": map[string]any{}})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"status": "SUCCESS", "data": map[string]any{
			"registries": []any{}, "itemCount": 0, "pageCount": 0, "pageIndex": 0, "pageSize": 1}})
	}
}

// buildkiteRegistry returns one registry for a valid Bearer API token.
func (r *Registry) buildkiteRegistry(w http.ResponseWriter, req *http.Request) {
	switch {
	case req.Header.Get("Authorization") != "Bearer "+r.cfg.Password:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Authentication required. Please supply a valid API Access Token"})
	case Mode(r.mode.Load()) == Deny:
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Your access token is missing the read_registries scope"})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"id": "0191df84-85e4-77aa-83ba-6579084728eb", "slug": BuildkiteRegistry,
			"url":       "https://api.buildkite.com/v2/packages/organizations/" + BuildkiteOrg + "/registries/" + BuildkiteRegistry,
			"ecosystem": "container"})
	}
}
