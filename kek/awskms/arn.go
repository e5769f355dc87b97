package awskms

import "strings"

// isKeyARN reports whether s is a KMS key ARN:
// arn:<partition>:kms:<region>:<account>:key/<key-id>.
func isKeyARN(s string) bool {
	if len(s) > 2048 {
		return false
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "kms" {
		return false
	}
	if !isToken(parts[3]) || len(parts[4]) != 12 || !isDigits(parts[4]) {
		return false
	}
	id, ok := strings.CutPrefix(parts[5], "key/")
	return ok && isToken(id)
}

// isToken reports whether s is non-empty and made of [A-Za-z0-9-].
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
