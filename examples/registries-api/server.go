package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/credvault/credvault/apikey"
	"github.com/credvault/credvault/credentials"
)

// maxBody caps a request body: a credentials object is at most
// credentials.MaxInputSize, and the API's own fields are small.
const maxBody = credentials.MaxInputSize + 8<<10

// routes returns the API's handler: seed 004's paths, each with its
// minimum role.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, min apikey.Role, h func(http.ResponseWriter, *http.Request, caller)) {
		mux.Handle(pattern, a.auth(min, h))
	}
	route("GET /api/registries", apikey.RoleViewer, a.list)
	route("POST /api/registries", apikey.RoleAdmin, a.create)
	route("GET /api/registries/{registryId}", apikey.RoleViewer, a.get)
	route("PUT /api/registries/{registryId}", apikey.RoleAdmin, a.update)
	route("DELETE /api/registries/{registryId}", apikey.RoleAdmin, a.remove)
	route("POST /api/registries/test-connection", apikey.RoleDeveloper, a.testConnection)
	route("POST /api/registries/{registryId}/sync", apikey.RoleAdmin, a.sync)
	route("GET /api/registries/{registryId}/sensor-status", apikey.RoleViewer, a.sensorStatus)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "path", "no such route")
	})
	return mux
}

// caller is who presented a verified key.
type caller struct {
	org  string
	role apikey.Role
}

// auth verifies the request's API key (X-API-Key, or Authorization:
// Bearer) and its role before h runs: 401 for a missing, malformed,
// unknown, wrong or revoked key, 403 for a role below min.
func (a *app) auth(min apikey.Role, h func(http.ResponseWriter, *http.Request, caller)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		field, presented := presentedKey(r)
		if presented == "" {
			writeError(w, http.StatusUnauthorized, field, "an organization API key (hg_ak_…) is required")
			return
		}
		rec, err := a.verifier.Verify(r.Context(), presented)
		switch {
		case errors.Is(err, apikey.ErrUnauthorized):
			writeError(w, http.StatusUnauthorized, field, "API key refused")
			return
		case err != nil:
			serverError(w, r.Context(), "verify API key", err)
			return
		case !rec.Role.Allows(min):
			writeError(w, http.StatusForbidden, "role", "this route needs the "+string(min)+" role; the key has "+string(rec.Role))
			return
		}
		h(w, r, caller{org: rec.Org, role: rec.Role})
	})
}

// presentedKey returns the key a request carries and the header it came in.
func presentedKey(r *http.Request) (field, key string) {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return "X-API-Key", k
	}
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return "Authorization", strings.TrimSpace(bearer)
	}
	return "X-API-Key", ""
}

// apiError is the body of every error response. Message never holds a
// value from the request, so never a secret.
type apiError struct {
	Error struct {
		Field   string `json:"field,omitempty"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, field, message string) {
	var e apiError
	e.Error.Field, e.Error.Message = field, message
	writeJSON(w, status, e)
}

// serverError logs err (store and KEK errors carry no secret) and
// answers 500 without details.
func serverError(w http.ResponseWriter, ctx context.Context, op string, err error) {
	slog.ErrorContext(ctx, "registries-api: "+op, "err", err)
	writeError(w, http.StatusInternalServerError, "", "internal error")
}

// writeFieldError answers 400 for a *credentials.FieldError (naming the
// field, never its value) and 500 for anything else.
func writeFieldError(w http.ResponseWriter, ctx context.Context, err error) {
	if fe, ok := errors.AsType[*credentials.FieldError](err); ok {
		writeError(w, http.StatusBadRequest, fe.Field, fe.Error())
		return
	}
	serverError(w, ctx, "request", err)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// data wraps a response body as the seed does: {"data": ...}.
type data struct {
	Data any `json:"data"`
}

// decodeBody reads exactly one JSON object into dst, refusing unknown
// fields, bodies over maxBody (413) and trailing data. On failure it has
// answered the request and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errTrailing
	}
	if err == nil {
		return true
	}
	status, field, msg := http.StatusBadRequest, "body", "malformed JSON body"
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		status, msg = http.StatusRequestEntityTooLarge, "body is larger than the limit"
	case errors.As(err, &typeErr) && typeErr.Field != "":
		// An embedded struct's fields come with its Go name in front.
		field, msg = strings.TrimPrefix(typeErr.Field, "EntryJSON."), "wrong JSON type for this field"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, msg = unknownField(err), "unknown field"
	case errors.Is(err, errTrailing):
		msg = "one JSON object expected"
	}
	writeError(w, status, field, msg)
	return false
}

var errTrailing = errors.New("trailing data after the JSON object")

// unknownField returns the field name an unknown-field decode error
// quotes (a JSON key, not a value), cut to 64 bytes.
func unknownField(err error) string {
	name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
	if len(name) > 64 {
		name = strings.ToValidUTF8(name[:64], "")
	}
	return name
}
