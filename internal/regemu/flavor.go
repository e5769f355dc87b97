package regemu

import (
	"encoding/json"
	"net/http"
	"strings"
)

// A Flavor is the provider an emulator imitates.
type Flavor string

// The flavors.
const (
	Distribution Flavor = "distribution" // token auth at <url>/auth/token, service "registry"
	BasicAuth    Flavor = "basic"        // distribution with htpasswd: Basic realm="Registry Realm"
	DockerHub    Flavor = "dockerhub"
	GHCR         Flavor = "ghcr"
	Quay         Flavor = "quay"
	GitLab       Flavor = "gitlab"
	Harbor       Flavor = "harbor"
	JFrog        Flavor = "jfrog"
	Nexus        Flavor = "nexus"
	Harness      Flavor = "harness"
	Buildkite    Flavor = "buildkite"
)

// Flavors lists every flavor.
func Flavors() []Flavor {
	return []Flavor{Distribution, BasicAuth, DockerHub, GHCR, Quay, GitLab, Harbor, JFrog, Nexus, Harness, Buildkite}
}

// JFrogRepo is the repository key the JFrog emulator serves.
const JFrogRepo = "docker-local"

// flavorSpec is one flavor's wire behaviour.
type flavorSpec struct {
	v2Path       string
	tokenPath    string // "" for Basic flavors
	service      string // "" when the challenge names none
	fixedRealm   string // a public realm URL the challenge names
	separateAuth bool   // the token server has its own origin
	basic        string // the Basic challenge, for Basic flavors
	tokenFields  []string
	badCreds     func() (int, any)
}

var distErr = func(code, msg string) any {
	return map[string]any{"errors": []map[string]any{{"code": code, "message": msg, "detail": nil}}}
}

func unauthorized() (int, any) {
	return http.StatusUnauthorized, distErr("UNAUTHORIZED", "authentication required")
}

var specs = map[Flavor]flavorSpec{
	Distribution: {v2Path: "/v2/", tokenPath: "/auth/token", service: "registry", tokenFields: []string{"token", "access_token"}, badCreds: unauthorized},
	BasicAuth:    {v2Path: "/v2/", basic: `Basic realm="Registry Realm"`},
	DockerHub: {v2Path: "/v2/", tokenPath: "/token", service: "registry.docker.io", fixedRealm: "https://auth.docker.io/token",
		separateAuth: true, tokenFields: []string{"token", "access_token"},
		badCreds: func() (int, any) {
			return http.StatusUnauthorized, map[string]string{"details": "incorrect username or password"}
		}},
	GHCR: {v2Path: "/v2/", tokenPath: "/token", service: "ghcr.io", fixedRealm: "https://ghcr.io/token", tokenFields: []string{"token"},
		badCreds: func() (int, any) { return http.StatusUnauthorized, distErr("UNAUTHORIZED", "authentication required") }},
	Quay: {v2Path: "/v2/", tokenPath: "/v2/auth", service: "quay.io", fixedRealm: "https://quay.io/v2/auth", tokenFields: []string{"token"},
		badCreds: func() (int, any) {
			return http.StatusUnauthorized, map[string]string{"error": "Invalid Username or Password"}
		}},
	GitLab: {v2Path: "/v2/", tokenPath: "/jwt/auth", service: "container_registry", separateAuth: true, tokenFields: []string{"token"},
		badCreds: func() (int, any) {
			return http.StatusUnauthorized, map[string]string{"message": "HTTP Basic: Access denied"}
		}},
	Harbor: {v2Path: "/v2/", tokenPath: "/service/token", service: "harbor-registry", tokenFields: []string{"token"},
		badCreds: func() (int, any) {
			return http.StatusUnauthorized, distErr("UNAUTHORIZED", "unauthorized: authentication required")
		}},
	JFrog: {v2Path: "/artifactory/api/docker/" + JFrogRepo + "/v2/", tokenPath: "/artifactory/api/docker/" + JFrogRepo + "/v2/token",
		service: "", tokenFields: []string{"token"},
		badCreds: func() (int, any) { return http.StatusUnauthorized, distErr("UNAUTHORIZED", "Bad credentials") }},
	Nexus:     {v2Path: "/v2/", basic: `BASIC realm="Sonatype Nexus Repository Manager"`},
	Harness:   {v2Path: "/v2/", tokenPath: "/v2/token", service: "pkg.harness.io", tokenFields: []string{"access_token"}, badCreds: unauthorized},
	Buildkite: {v2Path: "/v2/", basic: `Basic realm="Buildkite Packages"`},
}

// challenge is the WWW-Authenticate value /v2/ answers with.
func (r *Registry) challenge() string {
	s := r.spec
	if s.basic != "" {
		return s.basic
	}
	realm := s.fixedRealm
	switch {
	case r.cfg.Realm != "":
		realm = r.cfg.Realm
	case realm == "":
		realm = r.AuthURL + s.tokenPath
	}
	if r.cfg.Flavor == JFrog {
		return `Bearer realm="` + realm + `",service="` + strings.TrimPrefix(strings.TrimPrefix(r.URL, "https://"), "http://") + `"`
	}
	return `Bearer realm="` + realm + `",service="` + s.service + `"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
