package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestOffline runs the example against the in-process emulator and checks
// each step it promises to show.
func TestOffline(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), options{}, &out); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	arn := regexp.MustCompile(`wrapped by key ARN: (arn:aws:kms:[^ \n]+)`)
	arns := arn.FindAllStringSubmatch(s, -1)
	for _, want := range []string{
		"OFFLINE MODE",
		"credvault:org        = acme",
		"credvault:registry   = ghcr-main",
		"credvault:aad",
		"100 more opens: 0 KMS Decrypt calls (DEK cache hits 100, misses 1)",
		"rewrapped 1 record(s) with 1 ReEncrypt and 0 Decrypt calls",
		"opened after rewrap: ok",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if len(arns) != 2 || arns[0][1] == arns[1][1] {
		t.Errorf("want two different key ARNs, got %v", arns)
	}
	if strings.Contains(s, "ghp_EXAMPLE") {
		t.Error("output reveals the secret")
	}
	if t.Failed() {
		t.Log(s)
	}
}
