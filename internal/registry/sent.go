package registry

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// secretHeaders are the request headers whose values are secret whole:
// an API key, an AWS session token.
var secretHeaders = []string{"X-Api-Key", "X-Amz-Security-Token"}

// secretFormFields are the form fields that carry a secret or a value
// derived from one: a client secret, a signed JWT assertion (GAR's, which
// names the key's private_key_id), tokens being exchanged.
var secretFormFields = []string{"client_secret", "client_assertion", "assertion", "access_token",
	"refresh_token", "password", "token", "id_token", "code", "ExternalId"}

// maxFormScan caps the form body read for secrets (an assertion is a few
// KiB); a larger body is sent unread.
const maxFormScan = 64 << 10

// registerSent registers with sc every secret r carries: the Authorization
// header (a Basic header both as the exact base64 sent and as its
// password; a Bearer token), secretHeaders, and secretFormFields of a
// form body. It returns r, or a copy whose body can still be read when it
// had to read the original.
func registerSent(r *http.Request, sc *scrubber) (*http.Request, error) {
	for _, h := range r.Header.Values("Authorization") {
		sc.add(authSecrets(h)...)
	}
	for _, name := range secretHeaders {
		sc.add(r.Header.Values(name)...)
	}
	if r.Body == nil || r.Body == http.NoBody || !isForm(r.Header.Get("Content-Type")) {
		return r, nil
	}
	body, c, err := peekBody(r)
	if err != nil {
		r.Body.Close() // a RoundTripper closes the body, even on error
		return nil, err
	}
	r = c
	if form, err := url.ParseQuery(string(body)); err == nil {
		for _, f := range secretFormFields {
			sc.add(form[f]...)
		}
	}
	return r, nil
}

// authSecrets are the secret parts of an Authorization value: the
// credentials of a Basic or Bearer one. Other schemes (AWS SigV4) carry
// a signature only good for the request it signs.
func authSecrets(h string) []string {
	scheme, cred, ok := strings.Cut(h, " ")
	switch {
	case !ok:
		return nil
	case strings.EqualFold(scheme, "Bearer"):
		return []string{cred}
	case strings.EqualFold(scheme, "Basic"):
		out := []string{cred}
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if _, pass, ok := strings.Cut(string(raw), ":"); ok {
				out = append(out, pass)
			}
		}
		return out
	}
	return nil
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// peekBody returns up to maxFormScan bytes of r's body and a shallow copy
// of r to send instead, whose body replays what was read. (GetBody is
// not used for the read: an SDK's may hand back the same stream.)
func peekBody(r *http.Request) ([]byte, *http.Request, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxFormScan))
	if err != nil {
		return nil, nil, err
	}
	c := r.Clone(r.Context())
	c.Body = readCloser{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	return b, c, nil
}

// readCloser reads from one reader and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}
