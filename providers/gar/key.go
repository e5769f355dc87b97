package gar

import (
	"encoding/json"
	"errors"
	"net/url"
)

// defaultTokenURI is what x/oauth2 uses when a key names no token_uri.
const defaultTokenURI = "https://oauth2.googleapis.com/token"

// maxKeyLen caps a key file (real ones are about 2.3 KiB).
const maxKeyLen = 64 << 10

// keyInfo is what the check reads of a service-account key file: its
// type, client_email and token_uri, and the key and its ID, which are
// only registered for scrubbing.
type keyInfo struct {
	Type         string `json:"type"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
}

// errKey: the key file is not a service-account key with an https
// token_uri. It never quotes the key.
var errKey = errors.New("not a service-account key file with an https token_uri")

// parseKey reads the key file's type, client_email and token_uri (the
// default when absent), which must be an absolute https URL without
// userinfo, query or fragment.
func parseKey(raw []byte) (keyInfo, *url.URL, error) {
	var k keyInfo
	if len(raw) > maxKeyLen || json.Unmarshal(raw, &k) != nil || k.Type != "service_account" || k.ClientEmail == "" {
		return keyInfo{}, nil, errKey
	}
	if k.TokenURI == "" {
		k.TokenURI = defaultTokenURI
	}
	u, err := url.Parse(k.TokenURI)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return keyInfo{}, nil, errKey
	}
	return k, u, nil
}
