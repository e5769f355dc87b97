package ecr

import (
	"encoding/base64"
	"errors"
	"strings"
)

// errBadToken: an authorizationToken that is not base64 of "AWS:<password>".
var errBadToken = errors.New("authorization token is not base64 of AWS:<password>")

// maxTokenLen caps an encoded authorization token (real ones are a few KiB).
const maxTokenLen = 64 << 10

// decodeToken decodes ECR's authorizationToken strictly: standard base64
// of "AWS:<password>" with a non-empty password. The error never quotes
// the token.
func decodeToken(tok string) (string, error) {
	if len(tok) > maxTokenLen {
		return "", errBadToken
	}
	raw, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return "", errBadToken
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user != "AWS" || pass == "" || strings.ContainsAny(pass, "\r\n") {
		return "", errBadToken
	}
	return pass, nil
}
