package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"reflect"
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

// decodeBody reads exactly one JSON object into dst, refusing bodies over
// maxBody (413), unknown fields, trailing data, and what encoding/json
// would let through but a JavaScript client would read differently: a
// key that matches a field only case-insensitively, or the same key twice.
// On failure it has answered the request and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) bool {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err = dec.Decode(dst); err == nil && dec.Decode(&struct{}{}) != io.EOF {
			err = errTrailing
		}
	}
	if err == nil {
		err = exactKeys(json.NewDecoder(bytes.NewReader(raw)), reflect.TypeOf(dst), "")
	}
	if err == nil {
		return true
	}
	status, field, msg := http.StatusBadRequest, "body", "malformed JSON body"
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var keyErr *keyError
	switch {
	case errors.As(err, &tooBig):
		status, msg = http.StatusRequestEntityTooLarge, "body is larger than the limit"
	case errors.As(err, &typeErr) && typeErr.Field != "":
		// An embedded struct's fields come with its Go name in front.
		field, msg = strings.TrimPrefix(typeErr.Field, "EntryJSON."), "wrong JSON type for this field"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, msg = unknownField(err), "unknown field"
	case errors.As(err, &keyErr):
		field, msg = keyErr.field, keyErr.reason
	case errors.Is(err, errTrailing):
		msg = "one JSON object expected"
	}
	writeError(w, status, field, msg)
	return false
}

// keyError is a key exactKeys refuses.
type keyError struct{ field, reason string }

func (e *keyError) Error() string { return e.field + ": " + e.reason }

// exactKeys walks one JSON value (already decoded once, so well formed)
// against t, the type it was decoded into: every object key of a struct
// must be one of its JSON names exactly, once. Values of other types
// (json.RawMessage credentials, which credentials.Parse checks itself,
// strings, numbers) are walked without checks.
func exactKeys(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('['):
		for dec.More() {
			if err := exactKeys(dec, elem(t), path); err != nil {
				return err
			}
		}
	case json.Delim('{'):
		names, seen := jsonFields(t), map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := k.(string)
			next, ok := names[key]
			switch {
			case names != nil && !ok:
				return &keyError{cut(path + key), "unknown field (names are case-sensitive)"}
			case names != nil && seen[key]:
				return &keyError{path + key, "appears twice"}
			}
			seen[key] = true
			if err := exactKeys(dec, next, path+key+"."); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// jsonFields returns the JSON names of t's fields (embedded structs'
// included) and their types, or nil when t is not a struct.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]reflect.Type{}
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || f.Anonymous && name == "" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// elem returns the element type of a slice type, nil otherwise.
func elem(t reflect.Type) reflect.Type {
	if t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		return t.Elem()
	}
	return nil
}

// cut bounds a field name taken from the request to 64 bytes.
func cut(name string) string {
	if len(name) > 64 {
		name = strings.ToValidUTF8(name[:64], "")
	}
	return name
}

var errTrailing = errors.New("trailing data after the JSON object")

// unknownField returns the field name an unknown-field decode error
// quotes (a JSON key, not a value), cut to 64 bytes.
func unknownField(err error) string {
	return cut(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
}
