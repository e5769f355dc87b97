package kek

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	const key = "c2VjcmV0LWtleS1ieXRlcy0zMi1ieXRlcy1sb25nISE="
	tests := []struct {
		name, raw, leak string
		withheld        bool
	}{
		{"base64key host", "base64key://" + key, key, true},
		{"query value", "x://h/p?token=s3cr3tvalue", "bad token s3cr3tvalue", true},
		{"raw query", "x://h/p?a=bc", "url x://h/p?a=bc", true},
		{"path only", "x://h/keys/acme?a=b", "key /keys/acme not found", false},
		{"short value", "x://h/p?r=eu", "region eu", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			got := scrub(fmt.Errorf("%s: %w", tt.leak, ErrKeyNotFound), u)
			if !errors.Is(got, ErrKeyNotFound) {
				t.Fatalf("scrubbed error %v lost its sentinel", got)
			}
			if w := strings.Contains(got.Error(), "withheld"); w != tt.withheld {
				t.Fatalf("withheld = %v, want %v (%v)", w, tt.withheld, got)
			}
		})
	}
}
