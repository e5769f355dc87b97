// Package credprovider is the wire format of kubelet credential provider
// plugins, credentialprovider.kubelet.k8s.io/v1: the CredentialProviderRequest
// the kubelet writes to a plugin's stdin and the CredentialProviderResponse
// the plugin prints.
//
// The published Go types (k8s.io/kubelet/pkg/apis/credentialprovider/v1)
// link k8s.io/apimachinery and some 130 packages for five JSON objects, so
// the main module defines them here; the integration module checks these
// against the published types in both directions.
package credprovider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/credvault/credvault/credentials"
)

// APIVersion and the kinds of the two objects.
const (
	APIVersion   = "credentialprovider.kubelet.k8s.io/v1"
	KindRequest  = "CredentialProviderRequest"
	KindResponse = "CredentialProviderResponse"
)

// The cache key types a response may give.
const (
	// CacheRegistry caches the response for every image of the registry.
	CacheRegistry = "Registry"
	// CacheImage caches the response for the one image asked for.
	CacheImage = "Image"
)

// MaxRequestSize caps the request read from stdin.
const MaxRequestSize = 64 << 10

// ErrRequest marks a request that was refused; the message names the
// field, never a value of the service account token.
var ErrRequest = errors.New("credprovider: invalid request")

// A Request is what the kubelet asks: credentials for Image. Its service
// account token, when the kubelet sends one, is not kept.
type Request struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Image      string `json:"image"`
}

// DecodeRequest reads one request from r, refusing oversize input,
// malformed JSON, another apiVersion or kind, and a missing or malformed
// image. Unknown fields are ignored, as a newer kubelet may add some.
func DecodeRequest(r io.Reader) (Request, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRequestSize+1))
	if err != nil {
		return Request{}, fmt.Errorf("%w: reading: %w", ErrRequest, err)
	}
	if len(data) > MaxRequestSize {
		return Request{}, fmt.Errorf("%w: larger than %d bytes", ErrRequest, MaxRequestSize)
	}
	var req Request
	if err := json.Unmarshal(data, &req); err != nil {
		return Request{}, fmt.Errorf("%w: not a JSON object with string fields apiVersion, kind, image", ErrRequest)
	}
	switch {
	case req.APIVersion != APIVersion:
		return Request{}, fmt.Errorf("%w: apiVersion: want %s", ErrRequest, APIVersion)
	case req.Kind != KindRequest:
		return Request{}, fmt.Errorf("%w: kind: want %s", ErrRequest, KindRequest)
	}
	if _, _, err := SplitImage(req.Image); err != nil {
		return Request{}, err
	}
	return req, nil
}

// SplitImage splits an image reference as a pod spec gives it into its
// registry host and repository path, with docker's defaults: "nginx" is
// docker.io/library/nginx, "acme/app" docker.io/acme/app; a first
// component is a host when it has a dot or a port or is localhost. Tag
// and digest are dropped.
func SplitImage(image string) (host, repo string, err error) {
	if image == "" || len(image) > 1024 || strings.ContainsAny(image, " \t\r\n\\") || strings.Contains(image, "://") {
		return "", "", fmt.Errorf("%w: image: not an image reference", ErrRequest)
	}
	name, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name = name[:i]
	}
	first, rest, found := strings.Cut(name, "/")
	switch {
	case found && (strings.ContainsAny(first, ".:") || first == "localhost"):
		host, repo = strings.ToLower(first), rest
	case found:
		host, repo = "docker.io", name
	default:
		host, repo = "docker.io", "library/"+name
	}
	if host == "" || repo == "" || strings.HasPrefix(repo, "/") || strings.HasSuffix(repo, "/") || strings.Contains(repo, "//") {
		return "", "", fmt.Errorf("%w: image: not an image reference", ErrRequest)
	}
	return host, repo, nil
}

// An Auth is the credential for one match key. Password stays a Secret
// until the response is encoded.
type Auth struct {
	Username string
	Password credentials.Secret
}

// A Response answers a request.
type Response struct {
	// CacheKeyType is CacheRegistry or CacheImage.
	CacheKeyType string
	// CacheDuration is how long the kubelet may cache the response: nil
	// omits it (the plugin configuration's defaultCacheDuration applies),
	// zero is "0s" (do not cache).
	CacheDuration *time.Duration
	// Auth maps the kubelet's match keys ("registry.example",
	// "ghcr.io/acme") to credentials.
	Auth map[string]Auth
}

type wireAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type wireResponse struct {
	APIVersion    string              `json:"apiVersion"`
	Kind          string              `json:"kind"`
	CacheKeyType  string              `json:"cacheKeyType"`
	CacheDuration string              `json:"cacheDuration,omitempty"`
	Auth          map[string]wireAuth `json:"auth,omitempty"`
}

// Encode writes the response as one JSON line. It is the one place the
// password is revealed; the buffer holding it is cleared after writing.
func (r Response) Encode(w io.Writer) error {
	wr := wireResponse{APIVersion: APIVersion, Kind: KindResponse, CacheKeyType: r.CacheKeyType}
	if r.CacheDuration != nil {
		wr.CacheDuration = r.CacheDuration.String()
	}
	if len(r.Auth) > 0 {
		wr.Auth = make(map[string]wireAuth, len(r.Auth))
		for k, a := range r.Auth {
			wr.Auth[k] = wireAuth{Username: a.Username, Password: a.Password.Reveal()}
		}
	}
	var buf bytes.Buffer
	defer func() { clear(buf.Bytes()) }()
	if err := json.NewEncoder(&buf).Encode(wr); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
