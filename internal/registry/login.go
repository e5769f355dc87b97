package registry

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/credvault/credvault/credentials"
)

// A BasicAuth is a registry login: a user name and its password or token.
// Its Password is a Secret, so a BasicAuth prints redacted.
type BasicAuth struct {
	Username string
	Password credentials.Secret
}

// LoginFor returns the registry login a credential presents as Basic
// authentication (UsernamePassword, UsernamePat, HarborRobot,
// JfrogIdentityToken), or nil for nil and for the cloud kinds, whose
// adapters mint their own.
func LoginFor(c credentials.Credential) *BasicAuth {
	switch v := deref(c).(type) {
	case credentials.UsernamePassword:
		return &BasicAuth{Username: v.Username, Password: v.Password}
	case credentials.UsernamePat:
		return &BasicAuth{Username: v.Username, Password: v.Pat}
	case credentials.HarborRobot:
		return &BasicAuth{Username: v.RobotName, Password: v.Secret}
	case credentials.JfrogIdentityToken:
		return &BasicAuth{Username: v.Username, Password: v.IdentityToken}
	}
	return nil
}

// Header is the Authorization header presenting l as Basic. It is the one
// place a registry password is revealed to be sent.
func (l *BasicAuth) Header() http.Header { return Basic(l.Username, l.Password.Reveal()) }

// Basic is the Authorization header for a Basic login with user and a
// password or token.
func Basic(user, password string) http.Header {
	req := http.Request{Header: http.Header{}}
	req.SetBasicAuth(user, password)
	return req.Header
}

// Bearer is the Authorization header presenting token as Bearer.
func Bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

// TokenField returns the first non-empty string among fields of a JSON
// token response ("token", then "access_token" for a registry token
// server), or false when none is set or the value could split a header.
func TokenField(body []byte, fields ...string) (string, bool) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return "", false
	}
	for _, f := range fields {
		if v, _ := m[f].(string); v != "" {
			return v, !strings.ContainsAny(v, "\r\n")
		}
	}
	return "", false
}
