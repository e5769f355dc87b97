package kmsemu_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/credvault/credvault/internal/kmsemu"
)

const fakeAuth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00ff"

// rawCall sends one hand-built request to the handler and decodes the JSON
// response.
func rawCall(t *testing.T, h http.Handler, mutate func(*http.Request), body string) (int, http.Header, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "TrentService.Encrypt")
	r.Header.Set("Authorization", fakeAuth)
	if mutate != nil {
		mutate(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not JSON: %q", w.Body.String())
	}
	return w.Code, w.Header(), out
}

func TestRawProtocolErrors(t *testing.T) {
	t.Parallel()
	e := kmsemu.New()
	arn := e.AddKey(false)
	okBody := `{"KeyId":"` + arn + `","Plaintext":"AQID"}`
	setHeader := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	tests := []struct {
		name   string
		mutate func(*http.Request)
		body   string
		status int
		typ    string
	}{
		{"no authorization", func(r *http.Request) { r.Header.Del("Authorization") }, okBody, 403, "MissingAuthenticationTokenException"},
		{"not sigv4", setHeader("Authorization", "Bearer abc"), okBody, 400, "IncompleteSignatureException"},
		{"wrong service scope", setHeader("Authorization", strings.Replace(fakeAuth, "/kms/", "/s3/", 1)), okBody, 400, "InvalidSignatureException"},
		{"wrong region scope", setHeader("Authorization", strings.Replace(fakeAuth, "/us-east-1/", "/eu-west-1/", 1)), okBody, 400, "InvalidSignatureException"},
		{"empty region scope", setHeader("Authorization", strings.Replace(fakeAuth, "/us-east-1/", "//", 1)), okBody, 400, "IncompleteSignatureException"},
		{"no signature", setHeader("Authorization", "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws4_request"), okBody, 400, "IncompleteSignatureException"},
		{"wrong content type", setHeader("Content-Type", "application/json"), okBody, 400, "SerializationException"},
		{"unknown target", setHeader("X-Amz-Target", "TrentService.Nope"), okBody, 400, "UnknownOperationException"},
		{"other service target", setHeader("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"), okBody, 400, "UnknownOperationException"},
		{"GET", func(r *http.Request) { r.Method = http.MethodGet }, okBody, 400, "UnknownOperationException"},
		{"malformed JSON", nil, `{"KeyId":`, 400, "SerializationException"},
		{"wrong field type", nil, `{"KeyId":5}`, 400, "SerializationException"},
		{"bad base64", nil, `{"KeyId":"` + arn + `","Plaintext":"!!"}`, 400, "SerializationException"},
		{"oversize body", nil, `{"KeyId":"` + strings.Repeat("a", kmsemu.MaxRequestBody) + `"}`, 400, "ValidationException"},
		{"missing key", nil, `{"Plaintext":"AQID"}`, 400, "ValidationException"},
		{"unknown key", nil, `{"KeyId":"alias/none","Plaintext":"AQID"}`, 400, "NotFoundException"},
		{"foreign account arn", nil, `{"KeyId":"arn:aws:kms:us-east-1:999999999999:key/x","Plaintext":"AQID"}`, 400, "NotFoundException"},
		{"empty plaintext", nil, `{"KeyId":"` + arn + `"}`, 400, "ValidationException"},
		{"asymmetric algorithm", nil, `{"KeyId":"` + arn + `","Plaintext":"AQID","EncryptionAlgorithm":"RSAES_OAEP_SHA_256"}`, 400, "InvalidKeyUsageException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, hdr, out := rawCall(t, e, tt.mutate, tt.body)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, tt.typ, out["__type"])
			_, hasMsg := out["message"].(string)
			assert.True(t, hasMsg, "error body has a string message: %v", out)
			assert.Equal(t, "application/x-amz-json-1.1", hdr.Get("Content-Type"))
		})
	}
}

func TestRawProtocolSuccessShape(t *testing.T) {
	t.Parallel()
	e := kmsemu.New()
	arn := e.AddKey(false)
	status, hdr, out := rawCall(t, e, nil, `{"KeyId":"`+arn+`","Plaintext":"AQID","EncryptionContext":{"b":"2","a":"1"}}`)
	assert.Equal(t, 200, status)
	assert.Equal(t, "application/x-amz-json-1.1", hdr.Get("Content-Type"))
	assert.True(t, hdr.Get("X-Amzn-RequestId") != "", "request id header")
	assert.Equal(t, arn, out["KeyId"])
	assert.Equal(t, "SYMMETRIC_DEFAULT", out["EncryptionAlgorithm"])
	blobB64, _ := out["CiphertextBlob"].(string)
	blob, err := base64.StdEncoding.DecodeString(blobB64)
	require.NoError(t, err, "CiphertextBlob is standard base64")

	// Context order does not matter (canonicalised), content does.
	decrypt := func(ctx string) map[string]any {
		_, _, out := rawCall(t, e, func(r *http.Request) { r.Header.Set("X-Amz-Target", "TrentService.Decrypt") },
			`{"CiphertextBlob":"`+base64.StdEncoding.EncodeToString(blob)+`","EncryptionContext":`+ctx+`}`)
		return out
	}
	out = decrypt(`{"a":"1","b":"2"}`)
	assert.Equal(t, "AQID", out["Plaintext"])
	assert.Equal(t, arn, out["KeyId"])
	assert.Equal(t, "InvalidCiphertextException", decrypt(`{"a":"1","b":"3"}`)["__type"])
	assert.Equal(t, "InvalidCiphertextException", decrypt(`{"a":"1"}`)["__type"])
	assert.Equal(t, "InvalidCiphertextException", decrypt(`{"a":"1","b":"2","c":"3"}`)["__type"])
	assert.Equal(t, "InvalidCiphertextException", decrypt(`{"ab":"12"}`)["__type"])
}

func TestServerErrorStatus(t *testing.T) {
	t.Parallel()
	e := kmsemu.New()
	arn := e.AddKey(false)
	body := `{"KeyId":"` + arn + `","Plaintext":"AQID"}`
	e.FailNext(1)
	status, _, out := rawCall(t, e, nil, body)
	assert.Equal(t, 500, status)
	assert.Equal(t, "KMSInternalException", out["__type"])
	e.FailNextWith(1, kmsemu.ExDependencyTimeout)
	status, _, out = rawCall(t, e, nil, body)
	assert.Equal(t, 503, status)
	assert.Equal(t, "DependencyTimeoutException", out["__type"])
	e.ThrottleNext(1)
	status, _, out = rawCall(t, e, nil, body)
	assert.Equal(t, 400, status)
	assert.Equal(t, "ThrottlingException", out["__type"])
	status, _, _ = rawCall(t, e, nil, body)
	assert.Equal(t, 200, status)
	assert.Equal(t, int64(4), e.Calls("Encrypt"))
}

// FuzzHandler feeds arbitrary bodies to every operation: the emulator must
// answer JSON, never panic, and never answer 200 to a non-object body.
func FuzzHandler(f *testing.F) {
	e := kmsemu.New()
	arn := e.AddKey(false)
	f.Add("Encrypt", `{"KeyId":"`+arn+`","Plaintext":"AQID"}`)
	f.Add("Decrypt", `{"CiphertextBlob":"AQID"}`)
	f.Add("ReEncrypt", `{"CiphertextBlob":"AQID","DestinationKeyId":"`+arn+`"}`)
	f.Add("GenerateDataKey", `{"KeyId":"`+arn+`","NumberOfBytes":-1}`)
	f.Add("CreateAlias", `{"AliasName":"alias/x","TargetKeyId":"alias/y"}`)
	f.Add("ListAliases", `[]`)
	f.Fuzz(func(t *testing.T, op, body string) {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "TrentService."+op)
		r.Header.Set("Authorization", fakeAuth)
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		raw, _ := io.ReadAll(w.Body)
		if !json.Valid(raw) {
			t.Fatalf("invalid JSON response %q", raw)
		}
		if w.Code == 200 && !bytes.HasPrefix(bytes.TrimSpace([]byte(body)), []byte("{")) && strings.TrimSpace(body) != "" {
			t.Fatalf("200 for non-object body %q", body)
		}
	})
}
