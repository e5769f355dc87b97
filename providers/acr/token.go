package acr

import (
	"encoding/json"
	"errors"
	"strings"
)

// errNoToken: a token response without the expected field.
var errNoToken = errors.New("no token in the response")

// tokenField reads field from a JSON token response.
func tokenField(body []byte, field string) (string, error) {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return "", errNoToken
	}
	v, _ := m[field].(string)
	if v == "" || strings.ContainsAny(v, "\r\n") {
		return "", errNoToken
	}
	return v, nil
}
