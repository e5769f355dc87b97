package awskms

import (
	"strings"
	"testing"
)

func TestIsKeyARN(t *testing.T) {
	t.Parallel()
	tests := map[string]bool{
		"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab":            true,
		"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab": true,
		"arn:aws:kms:us-east-1:111122223333:alias/acme":                                          false,
		"alias/acme":                                 false,
		"1234abcd-12ab-34cd-56ef-1234567890ab":       false,
		"arn:aws:kms:us-east-1:11112222333:key/abc":  false,
		"arn:aws:s3:us-east-1:111122223333:key/abc":  false,
		"arn:aws:kms:us-east-1:111122223333:key/":    false,
		"arn:aws:kms:us-east-1:111122223333:key/a/b": false,
		"arn:aws:kms::111122223333:key/abc":          false,
		"":                                           false,
	}
	for s, want := range tests {
		if got := isKeyARN(s); got != want {
			t.Errorf("isKeyARN(%q) = %v, want %v", s, got, want)
		}
	}
}

// FuzzIsKeyARN: never panics, and accepted strings have the ARN shape.
func FuzzIsKeyARN(f *testing.F) {
	f.Add("arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab")
	f.Add("arn:aws:kms:us-east-1:111122223333:alias/x")
	f.Add("arn::::::")
	f.Fuzz(func(t *testing.T, s string) {
		if isKeyARN(s) && (!strings.HasPrefix(s, "arn:aws") || !strings.Contains(s, ":kms:") || !strings.Contains(s, ":key/")) {
			t.Fatalf("accepted %q", s)
		}
	})
}
