package ecremu

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/credvault/credvault/internal/emufault"
)

type v2Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSONv2(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func writeV2Err(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string][]v2Error{"errors": {{Code: code, Message: msg}}})
}

func (e *Emulator) serveRegistry(w http.ResponseWriter, r *http.Request) {
	e.registryHits.Add(1)
	e.Delay(r)
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	if !strings.HasPrefix(r.URL.Path, "/v2/") {
		writeV2Err(w, http.StatusNotFound, "NOT_FOUND", "404 page not found")
		return
	}
	if !e.authorizeRegistry(w, r) {
		return
	}
	switch {
	case r.URL.Path == "/v2/":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte("{}"))
	case strings.Contains(r.URL.Path, "/blobs/"):
		// ECR serves layers from presigned S3 URLs.
		http.Redirect(w, r, e.S3.URL+"/prod-"+e.region+"-starport-layer-bucket/blob?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature="+emufault.RandomHex(32), http.StatusTemporaryRedirect)
	default:
		writeV2Err(w, http.StatusNotFound, "NAME_UNKNOWN", "The repository with name 'unknown' does not exist in the registry")
	}
}

// authorizeRegistry accepts Basic AWS:<token> for a token the API issued
// and that has not expired, answering the failure itself.
func (e *Emulator) authorizeRegistry(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	e.mu.Lock()
	expires, known := e.tokens[pass]
	e.mu.Unlock()
	switch {
	case !ok || user != "AWS" || !known:
		w.Header().Set("Www-Authenticate", `Basic realm="https://`+e.RegistryHost()+`/",service="ecr.amazonaws.com"`)
		writeV2Err(w, http.StatusUnauthorized, "DENIED", "Not Authorized")
		return false
	case time.Now().After(expires):
		writeV2Err(w, http.StatusForbidden, "DENIED", ExpiredTokenMessage)
		return false
	}
	return true
}

func (e *Emulator) serveS3(w http.ResponseWriter, r *http.Request) {
	e.s3Hits.Add(1)
	if r.Header.Get("Authorization") != "" {
		e.s3WithAuth.Add(1)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error><Code>InvalidArgument</Code><Message>" +
			OnlyOneAuthMessage + "</Message><ArgumentName>Authorization</ArgumentName></Error>"))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write([]byte("layer-bytes"))
}
