package kmsemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Default identity of an emulator.
const (
	DefaultRegion  = "us-east-1"
	DefaultAccount = "111122223333"
)

// MaxRequestBody caps a request body. The largest legitimate KMS request
// here (a 6144-byte ciphertext blob, base64-encoded, plus contexts) is far
// below it.
const MaxRequestBody = 64 << 10

const (
	contentType  = "application/x-amz-json-1.1"
	targetPrefix = "TrentService."
)

// Operations the emulator implements.
var operations = []string{
	"CreateKey", "DescribeKey", "Encrypt", "Decrypt", "ReEncrypt",
	"GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "CreateAlias",
	"UpdateAlias", "ListAliases", "EnableKey", "DisableKey", "RotateKeyOnDemand",
}

// An Emulator is an in-memory AWS KMS speaking the JSON 1.1 protocol. It is
// an http.Handler; Start also serves it on a loopback httptest.Server.
// Methods are safe for concurrent use.
type Emulator struct {
	// URL is the base URL of the server started by Start ("" for New).
	URL string

	region  string
	account string

	mu      sync.RWMutex
	keys    map[string]*key
	aliases map[string]*alias

	faults faults
	done   chan struct{} // closed when the test server shuts down
	once   sync.Once
	calls  map[string]*atomic.Int64
	total  atomic.Int64
}

// An Option configures an Emulator.
type Option func(*Emulator)

// WithRegion sets the region used in ARNs (default DefaultRegion).
func WithRegion(region string) Option { return func(e *Emulator) { e.region = region } }

// WithAccount sets the account ID used in ARNs (default DefaultAccount).
func WithAccount(account string) Option { return func(e *Emulator) { e.account = account } }

// New returns an emulator that is not yet serving; use it as an
// http.Handler.
func New(opts ...Option) *Emulator {
	e := &Emulator{
		region:  DefaultRegion,
		account: DefaultAccount,
		keys:    map[string]*key{},
		aliases: map[string]*alias{},
		calls:   map[string]*atomic.Int64{},
		done:    make(chan struct{}),
	}
	for _, op := range operations {
		e.calls[op] = new(atomic.Int64)
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Start returns an emulator served on a loopback httptest.Server that is
// closed when the test ends.
func Start(t testing.TB, opts ...Option) *Emulator {
	t.Helper()
	e := New(opts...)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close) // runs first: releases handlers sleeping on latency
	e.URL = srv.URL
	return e
}

// Close releases every request waiting on injected latency. Later
// requests are not delayed.
func (e *Emulator) Close() { e.once.Do(func() { close(e.done) }) }

// Region reports the emulator's region.
func (e *Emulator) Region() string { return e.region }

// Config returns an aws.Config for the real SDK pointed at the emulator,
// with static fake credentials and the SDK's default retryer and HTTP
// client.
func (e *Emulator) Config() aws.Config {
	return aws.Config{
		Region:       e.region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "fake-secret", ""),
		BaseEndpoint: aws.String(e.URL),
	}
}

// ServeHTTP implements http.Handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, aerr := e.checkRequest(r)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	e.count(op)
	// Read the body before any injected delay: net/http only notices a
	// client hanging up (cancelling r.Context) once the body is consumed.
	body, aerr := readBody(w, r)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	if !e.applyFaults(w, r) {
		return
	}
	out, aerr := e.dispatch(op, body)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// checkRequest validates method, path, content type, target and signature
// shape, and returns the operation name.
func (e *Emulator) checkRequest(r *http.Request) (string, *apiError) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		return "", newErr(ExUnknownOperation, "only POST / is supported")
	}
	if aerr := e.checkAuthorization(r.Header.Get("Authorization")); aerr != nil {
		return "", aerr
	}
	if ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(ct) != contentType {
		return "", newErr(ExSerialization, "Content-Type must be %s", contentType)
	}
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !ok || e.calls[op] == nil {
		return "", newErr(ExUnknownOperation, "unknown operation")
	}
	return op, nil
}

// checkAuthorization requires a SigV4 header whose credential scope is
// <akid>/<date>/<region>/kms/aws4_request, with region the emulator's own:
// real KMS rejects a request signed for another service or region before
// looking at the key. The signature itself is not verified.
func (e *Emulator) checkAuthorization(h string) *apiError {
	if h == "" {
		return newErr(ExMissingAuth, "Missing Authentication Token")
	}
	scope, ok := parseScope(h)
	if !ok {
		return newErr(ExIncompleteSig, "Authorization header is not a SigV4 signature")
	}
	switch {
	case scope.service != "kms":
		return newErr(ExInvalidSignature, "Credential should be scoped to correct service: 'kms'.")
	case scope.region != e.region:
		return newErr(ExInvalidSignature, "Credential should be scoped to a valid region.")
	}
	return nil
}

// A credentialScope holds the parts of a SigV4 credential scope the
// emulator checks.
type credentialScope struct{ region, service string }

// parseScope parses "AWS4-HMAC-SHA256 Credential=<akid>/<date>/<region>/<service>/aws4_request,
// SignedHeaders=…, Signature=…" and reports whether every part is present.
func parseScope(h string) (credentialScope, bool) {
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return credentialScope{}, false
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	p := strings.Split(fields["Credential"], "/")
	if len(p) != 5 || p[4] != "aws4_request" || slices.Contains(p[:4], "") ||
		fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return credentialScope{}, false
	}
	return credentialScope{region: p[2], service: p[3]}, true
}

// readBody reads the request body under MaxRequestBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, newErr(ExValidation, "request body exceeds %d bytes", MaxRequestBody)
	}
	if err != nil {
		return nil, newErr(ExSerialization, "cannot read request body")
	}
	return body, nil
}

// decode unmarshals a JSON request body into v.
func decode(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return newErr(ExSerialization, "malformed request body")
	}
	return nil
}

func (e *Emulator) count(op string) {
	e.total.Add(1)
	e.calls[op].Add(1)
}

// Calls reports how many requests for op reached the emulator (including
// ones that then failed or were faulted).
func (e *Emulator) Calls(op string) int64 {
	if c := e.calls[op]; c != nil {
		return c.Load()
	}
	return 0
}

// TotalCalls reports the number of well-formed requests received.
func (e *Emulator) TotalCalls() int64 { return e.total.Load() }

// ResetCalls zeroes every call counter.
func (e *Emulator) ResetCalls() {
	for _, c := range e.calls {
		c.Store(0)
	}
	e.total.Store(0)
}

func writeErr(w http.ResponseWriter, aerr *apiError) {
	writeJSON(w, aerr.status, map[string]string{"__type": aerr.typ, "message": aerr.msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"__type":"KMSInternalException","message":"encode"}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-RequestId", newKeyID(false))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// epoch renders a time as KMS does: fractional Unix seconds.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }
