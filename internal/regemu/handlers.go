package regemu

import (
	"net/http"
	"strings"
)

// fault answers the request itself when a fault mode is on.
func (r *Registry) fault(w http.ResponseWriter) bool {
	switch Mode(r.mode.Load()) {
	case RateLimit:
		w.Header().Set("Retry-After", "60")
		if r.cfg.Flavor == DockerHub {
			writeJSON(w, http.StatusTooManyRequests, distErr("TOOMANYREQUESTS",
				"You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit"))
			return true
		}
		writeJSON(w, http.StatusTooManyRequests, distErr("TOOMANYREQUESTS", "rate limit exceeded"))
		return true
	case ServerError:
		writeJSON(w, http.StatusServiceUnavailable, distErr("UNAVAILABLE", "service unavailable"))
		return true
	}
	return false
}

func (r *Registry) serveRegistry(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	if r.fault(w) {
		return
	}
	p := req.URL.Path
	switch {
	case p == r.spec.v2Path:
		r.serveV2(w, req)
	case !r.spec.separateAuth && r.spec.tokenPath != "" && p == r.spec.tokenPath:
		r.serveToken(w, req)
	case r.serveAPI(w, req):
	default:
		writeJSON(w, http.StatusNotFound, distErr("NOT_FOUND", "not found"))
	}
}

func (r *Registry) serveAuth(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	if r.fault(w) {
		return
	}
	if req.URL.Path != r.spec.tokenPath {
		writeJSON(w, http.StatusNotFound, distErr("NOT_FOUND", "not found"))
		return
	}
	r.serveToken(w, req)
}

// serveV2 is the registry's API root.
func (r *Registry) serveV2(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	if !r.authorized(req) {
		w.Header().Set("Www-Authenticate", r.challenge())
		writeJSON(w, http.StatusUnauthorized, distErr("UNAUTHORIZED", "authentication required"))
		return
	}
	switch {
	case Mode(r.mode.Load()) == Deny:
		writeJSON(w, http.StatusForbidden, distErr("DENIED", "requested access to the resource is denied"))
	case r.cfg.RedirectTo != "":
		http.Redirect(w, req, r.cfg.RedirectTo, http.StatusTemporaryRedirect)
	default:
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

// authorized accepts an issued Bearer token, or the valid login as Basic
// on Basic flavors.
func (r *Registry) authorized(req *http.Request) bool {
	h := req.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.tokens[tok]
	}
	return r.spec.basic != "" && r.validBasic(req)
}

func (r *Registry) validBasic(req *http.Request) bool {
	u, p, ok := req.BasicAuth()
	return ok && u == r.cfg.Username && p == r.cfg.Password
}

// serveToken is the token server: Basic login in, token out.
func (r *Registry) serveToken(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.lastQuery = req.URL.Query()
	r.mu.Unlock()
	if req.URL.Query().Get("service") != r.service {
		writeJSON(w, http.StatusBadRequest, distErr("UNSUPPORTED", "unknown service"))
		return
	}
	if u, p, ok := req.BasicAuth(); ok && r.cfg.Flavor == DockerHub && r.cfg.RequirePAT &&
		u == r.cfg.Username && !strings.HasPrefix(p, "dckr_pat_") {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"details": "unauthorized: please use personal access token to login"})
		return
	}
	if !r.validBasic(req) {
		code, body := r.spec.badCreds()
		writeJSON(w, code, body)
		return
	}
	if r.cfg.Flavor == Harbor && Mode(r.mode.Load()) == Deny {
		writeJSON(w, http.StatusForbidden, distErr("FORBIDDEN", "forbidden"))
		return
	}
	r.issue(w)
}

func (r *Registry) issue(w http.ResponseWriter) {
	tok := newToken()
	r.mu.Lock()
	r.tokens[tok] = true
	r.mu.Unlock()
	out := map[string]any{"expires_in": 300, "issued_at": "2026-01-01T00:00:00Z"}
	for _, f := range r.spec.tokenFields {
		out[f] = tok
	}
	writeJSON(w, http.StatusOK, out)
}
