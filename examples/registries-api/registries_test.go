package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/credvault/credvault/apikey"
	"github.com/credvault/credvault/vault"
)

const fuzzCanary = "FUZZcanarySECRET0000"

// FuzzCreateBody sends arbitrary bodies to POST /api/registries: the
// answer is 201 or a 4xx with a JSON error, never a 5xx; a refused body
// stores nothing; no answer quotes the secret unless the body used it as
// a field name.
func FuzzCreateBody(f *testing.F) {
	f.Add(`{"name":"a","provider":"GHCR","credentials":{"username":"u","pat":"` + fuzzCanary + `"}}`)
	f.Add(`{"name":"a","provider":"HARBOR","url":"https://h.example","scanMethod":"sensor","credentials":{"robotName":"robot$x","secret":"` + fuzzCanary + `"}}`)
	f.Add(`{"name":"a","provider":"AWS_ECR","credentials":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","secretAccessKey":"` + fuzzCanary + `","region":"eu-west-1"}}`)
	f.Add(`{"name":"a","provider":"NEXUS","credentials":{"username":"u","password":"` + fuzzCanary + `"},"schedule":"hourly"}`)
	a, err := openApp(f.Context(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.close() })
	key, err := a.issueKey(f.Context(), "acme", apikey.RoleAdmin, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	h := a.routes()
	f.Fuzz(func(t *testing.T, body string) {
		before := count(t, a)
		req := httptest.NewRequest("POST", "/api/registries", strings.NewReader(body))
		req.Header.Set("X-API-Key", key.Reveal())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		resp := rec.Body.String()
		if rec.Code == http.StatusCreated {
			if count(t, a) != before+1 {
				t.Fatal("201 without a stored registry")
			}
			return
		}
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, resp)
		}
		var e apiError
		if err := json.Unmarshal([]byte(resp), &e); err != nil || e.Error.Message == "" {
			t.Fatalf("error body is not a JSON error: %q", resp)
		}
		if strings.Contains(resp, fuzzCanary) && !keyHolds(body, fuzzCanary) {
			t.Fatalf("the answer quotes the secret: %s", resp)
		}
		if count(t, a) != before {
			t.Fatal("a refused body stored a registry")
		}
	})
}

// count returns how many registries the example's table and the vault hold.
func count(t *testing.T, a *app) int {
	t.Helper()
	ms, err := a.meta.list(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	p, err := a.vault.List(t.Context(), vault.Query{Org: "acme", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != len(p.Descriptions) {
		t.Fatalf("%d rows but %d sealed records", len(ms), len(p.Descriptions))
	}
	return len(ms)
}

// keyHolds reports whether body, as JSON, has an object key containing s.
func keyHolds(body, s string) bool {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		// Not JSON as a whole: the decoder may still have met s in a key
		// before the syntax error.
		return regexp.MustCompile(regexp.QuoteMeta(s) + `[^"]*"\s*:`).MatchString(body)
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if strings.Contains(k, s) || walk(x) {
					return true
				}
			}
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}
