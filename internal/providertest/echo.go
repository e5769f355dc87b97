package providertest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// EchoForm is where a hostile server puts the secrets it echoes.
type EchoForm int

// The echo forms.
const (
	// EchoBody answers with an error body quoting them in the fields the
	// request's protocol reads: a registry's errors[0].code and message,
	// OAuth's error and error_description, AWS's __type and message
	// (STS's XML Code and Message).
	EchoBody EchoForm = iota
	// EchoChallenge answers 401 with a WWW-Authenticate challenge quoting
	// them in its realm's path and its parameters.
	EchoChallenge
	// EchoLocation answers 307 with a Location holding them in its path.
	EchoLocation
)

// EchoForms lists every form.
var EchoForms = []EchoForm{EchoBody, EchoChallenge, EchoLocation}

func (f EchoForm) String() string {
	return [...]string{"body", "challenge", "location"}[f]
}

// An Echo is a hostile front for emulators: each front forwards to one
// emulator server, except that the At-th request the fronts receive
// (counting from 1 over all of them) is answered by the Echo itself,
// echoing every secret seen so far (sent by the client, issued by the
// emulator, or listed in Known), each encoded by Encode and framed by
// "~", in the chosen Form. Responses it forwards have every upstream URL
// replaced by its front's, so a flow stays behind the fronts.
type Echo struct {
	At     int
	Form   EchoForm
	Encode func(string) string
	Known  []string

	t        testing.TB
	mu       sync.Mutex
	n        int
	seen     []string
	fronts   map[string]string // upstream origin -> front origin
	upstream *http.Transport
}

// NewEcho returns an Echo whose fronts close when the test ends.
func NewEcho(t testing.TB, at int, form EchoForm, encode func(string) string, known ...string) *Echo {
	return &Echo{At: at, Form: form, Encode: encode, Known: known, t: t, fronts: map[string]string{},
		upstream: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // loopback emulators only
}

// Front returns the origin of a front for the upstream origin, starting
// it on first use; "" gives a front with no upstream, which answers any
// request but the At-th with 502.
func (e *Echo) Front(upstream string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, ok := e.fronts[upstream]; ok && upstream != "" {
		return f
	}
	var target *url.URL
	if upstream != "" {
		target, _ = url.Parse(upstream)
	}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, target) }))
	e.t.Cleanup(srv.Close)
	if upstream != "" {
		e.fronts[upstream] = srv.URL
	}
	return srv.URL
}

// Endpoints returns m (providers.Options.Endpoints) with every value
// replaced by its front, plus each of origins mapped to its front.
func (e *Echo) Endpoints(m map[string]string, origins ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = e.Front(v)
	}
	for _, o := range origins {
		out[o] = e.Front(o)
	}
	return out
}

// Requests counts the requests the fronts received.
func (e *Echo) Requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

// Secrets returns every secret the Echo saw or was told.
func (e *Echo) Secrets() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append(append([]string(nil), e.Known...), e.seen...)
}

func (e *Echo) serve(w http.ResponseWriter, r *http.Request, target *url.URL) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	e.mu.Lock()
	e.n++
	hostile := e.n == e.At
	e.note(requestSecrets(r, body)...)
	e.mu.Unlock()
	switch {
	case hostile:
		e.echo(w, r, body)
	case target == nil:
		http.Error(w, "no upstream", http.StatusBadGateway)
	default:
		e.forward(w, r, target)
	}
}

// note records secrets not seen before; e.mu is held.
func (e *Echo) note(vs ...string) {
	for _, v := range vs {
		if v != "" && !contains(e.seen, v) {
			e.seen = append(e.seen, v)
		}
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func (e *Echo) forward(w http.ResponseWriter, r *http.Request, target *url.URL) {
	p := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // SigV4 signed the front's host
		},
		Transport:      e.upstream,
		ModifyResponse: e.rewrite,
	}
	p.ServeHTTP(w, r)
}

// rewrite points upstream URLs in a forwarded response at the fronts and
// records the secrets an emulator issued.
func (e *Echo) rewrite(resp *http.Response) error {
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	resp.Body.Close()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := string(body)
	for up, front := range e.fronts {
		s = strings.ReplaceAll(s, up, front)
		for _, h := range []string{"Www-Authenticate", "Location"} {
			if v := resp.Header.Get(h); v != "" {
				resp.Header.Set(h, strings.ReplaceAll(v, up, front))
			}
		}
	}
	e.note(issuedSecrets(body)...)
	resp.Body = io.NopCloser(strings.NewReader(s))
	resp.ContentLength = int64(len(s))
	resp.Header.Set("Content-Length", strconv.Itoa(len(s)))
	return nil
}

// secretForm are the form fields whose values are secret.
var secretForm = []string{"client_secret", "client_assertion", "assertion", "access_token", "refresh_token", "ExternalId", "password"}

// requestSecrets are the secrets r carries: its Authorization
// credentials (a Basic one's header value and password), API key and
// session token headers, and secret form fields.
func requestSecrets(r *http.Request, body []byte) []string {
	var out []string
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		out = append(out, strings.TrimPrefix(h, "Bearer "))
	}
	if _, pass, ok := r.BasicAuth(); ok {
		out = append(out, strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "), pass)
	}
	out = append(out, r.Header.Get("X-Api-Key"), r.Header.Get("X-Amz-Security-Token"))
	if form, err := url.ParseQuery(string(body)); err == nil && strings.Contains(r.Header.Get("Content-Type"), "form") {
		for _, f := range secretForm {
			out = append(out, form[f]...)
		}
	}
	return out
}

var stsSecret = regexp.MustCompile(`<(?:SecretAccessKey|SessionToken)>([^<]+)<`)

// issuedSecrets are the tokens an emulator's answer carries: token
// fields of a JSON body, ECR's authorizationToken (and the password in
// it), STS's temporary secret key and session token.
func issuedSecrets(body []byte) []string {
	var out []string
	for _, m := range stsSecret.FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return out
	}
	for _, f := range []string{"token", "access_token", "refresh_token"} {
		if v, ok := m[f].(string); ok {
			out = append(out, v)
		}
	}
	var data []any
	switch d := m["authorizationData"].(type) {
	case []any:
		data = d
	case map[string]any:
		data = []any{d}
	}
	for _, d := range data {
		if tok, ok := d.(map[string]any)["authorizationToken"].(string); ok {
			out = append(out, tok)
			if raw, err := base64.StdEncoding.DecodeString(tok); err == nil {
				out = append(out, strings.TrimPrefix(string(raw), "AWS:"))
			}
		}
	}
	return out
}

// payload is every secret seen, encoded and framed; e.mu is not held.
func (e *Echo) payload() string {
	var parts []string
	for _, s := range e.Secrets() {
		parts = append(parts, "~"+e.Encode(s)+"~")
	}
	return "credential refused: " + strings.Join(parts, " ")
}

func (e *Echo) echo(w http.ResponseWriter, r *http.Request, body []byte) {
	p := e.payload()
	switch e.Form {
	case EchoChallenge:
		q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p)
		w.Header().Set("Www-Authenticate", `Bearer realm="https://`+r.Host+`/echo/`+q+`",service="`+q+
			`",error="invalid_token",error_description="`+q+`"`)
		writeEcho(w, http.StatusUnauthorized, "application/json", `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
	case EchoLocation:
		w.Header()["Location"] = []string{"https://" + r.Host + "/echo/" + strings.ReplaceAll(p, " ", "/")}
		w.WriteHeader(http.StatusTemporaryRedirect)
	default:
		e.echoBody(w, r, body, p)
	}
}

// echoBody writes p in the error shape the request's protocol reads.
func (e *Echo) echoBody(w http.ResponseWriter, r *http.Request, body []byte, p string) {
	form, _ := url.ParseQuery(string(body))
	switch {
	case form.Get("Action") != "": // STS Query
		var b bytes.Buffer
		b.WriteString("<ErrorResponse><Error><Type>Sender</Type><Code>")
		_ = xml.EscapeText(&b, []byte(p))
		b.WriteString("</Code><Message>")
		_ = xml.EscapeText(&b, []byte(p))
		b.WriteString("</Message></Error></ErrorResponse>")
		writeEcho(w, http.StatusForbidden, "text/xml", b.String())
	case r.Header.Get("X-Amz-Target") != "": // AWS JSON
		w.Header().Set("X-Amzn-Errortype", strings.ReplaceAll(p, "~", ""))
		writeEcho(w, http.StatusBadRequest, "application/x-amz-json-1.1", mustJSON(map[string]string{"__type": p, "message": p}))
	case form.Get("grant_type") != "": // OAuth
		writeEcho(w, http.StatusUnauthorized, "application/json", mustJSON(map[string]string{"error": p, "error_description": p}))
	default:
		writeEcho(w, http.StatusUnauthorized, "application/json",
			mustJSON(map[string]any{"errors": []map[string]string{{"code": p, "message": p}}}))
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func writeEcho(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// Arm resets the count and what was seen, for another run through the
// same fronts: hostile at request at in form, encoding with encode, with
// known echoed besides what the run shows.
func (e *Echo) Arm(at int, form EchoForm, encode func(string) string, known ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.At, e.Form, e.Encode, e.Known, e.n, e.seen = at, form, encode, known, 0, nil
}
