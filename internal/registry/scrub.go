package registry

import (
	"encoding/base64"
	"reflect"
	"strings"

	"github.com/credvault/credvault/credentials"
)

// minScrubLen is the shortest secret value scrub replaces in place:
// shorter ones would mangle ordinary words, so text holding one is
// withheld whole instead.
const minScrubLen = 4

// withheld replaces provider text that holds a secret too short to
// redact in place.
const withheld = "[text withheld: it contains a value of a secret field]"

// secretValues returns every secret string c holds, plus the Basic
// authorization encodings of its login (what a leaked header would show).
// It is the one place in this package that reveals secrets for a purpose
// other than sending them.
func secretValues(c credentials.Credential) []string {
	user, secrets := loginParts(c)
	out := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		if v := s.Reveal(); v != "" {
			out = append(out, v, base64.StdEncoding.EncodeToString([]byte(user+":"+v)))
		}
	}
	return out
}

// loginParts returns c's login name (if any) and its secret fields,
// for values and pointers alike.
func loginParts(c credentials.Credential) (string, []credentials.Secret) {
	switch v := deref(c).(type) {
	case credentials.UsernamePassword:
		return v.Username, []credentials.Secret{v.Password}
	case credentials.UsernamePat:
		return v.Username, []credentials.Secret{v.Pat}
	case credentials.HarborRobot:
		return v.RobotName, []credentials.Secret{v.Secret}
	case credentials.JfrogIdentityToken:
		return v.Username, []credentials.Secret{v.IdentityToken}
	case credentials.AwsEcr:
		return v.AccessKeyID, []credentials.Secret{v.SecretAccessKey, v.SessionToken}
	case credentials.AzureAcr:
		return v.ClientID, []credentials.Secret{v.ClientSecret}
	case credentials.GoogleGar:
		return "_json_key", []credentials.Secret{v.ServiceAccountKey}
	}
	return "", nil
}

// deref turns a pointer to one of the credential structs into its value;
// nil pointers come back as nil.
func deref(c credentials.Credential) credentials.Credential {
	if IsNil(c) {
		return nil
	}
	switch v := c.(type) {
	case *credentials.UsernamePassword:
		return *v
	case *credentials.UsernamePat:
		return *v
	case *credentials.HarborRobot:
		return *v
	case *credentials.JfrogIdentityToken:
		return *v
	case *credentials.AwsEcr:
		return *v
	case *credentials.AzureAcr:
		return *v
	case *credentials.GoogleGar:
		return *v
	}
	return c
}

// scrub replaces every secret value of c found in s with
// credentials.Redacted, including the start of a secret left at the end of
// a message clip.Clip cut short. Text holding a secret shorter than
// minScrubLen is withheld whole.
func scrub(s string, c credentials.Credential) string {
	if s == "" || c == nil {
		return s
	}
	secrets := secretValues(c)
	for _, v := range secrets {
		if len(v) < minScrubLen && strings.Contains(s, v) {
			return withheld
		}
		s = strings.ReplaceAll(s, v, credentials.Redacted)
	}
	return scrubClippedTail(s, secrets)
}

// IsNil reports whether c is nil or a typed nil pointer (calling a value
// method through a nil pointer would panic).
func IsNil(c credentials.Credential) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
