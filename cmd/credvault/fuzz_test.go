package main

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRun feeds arbitrary command lines (split on spaces) and stdin to the
// CLI over a temporary store: it must never panic, must exit with one of
// the documented codes, and must never print the credential it was given.
func FuzzRun(f *testing.F) {
	for _, seed := range []struct{ args, stdin string }{
		{"help", ""},
		{"keys create acme", ""},
		{"keys list acme", ""},
		{"keys retire acme local://acme#v=1 -destroy", ""},
		{"rotate -org acme -kind dek -workers 0", ""},
		{"get acme ghcr", ""},
		{"put acme ghcr -provider GHCR", patJSON},
		{"put acme ghcr -provider GHCR -url https://ghcr.io -insecure", patJSON},
		{"keys", ""},
		{"put -password " + canary, ""},
	} {
		f.Add(seed.args, seed.stdin)
	}
	h := newHarness(f)
	h.env["CREDVAULT_STORE"] = "sqlite::memory:"
	getenv := func(k string) string { return h.env[k] }
	f.Fuzz(func(t *testing.T, args, stdin string) {
		fields := strings.Fields(args)
		for _, a := range fields {
			if a = strings.TrimLeft(a, "-"); strings.HasPrefix(a, "store") || strings.HasPrefix(a, "keysets") {
				t.Skip("would write outside the test's directories")
			}
		}
		var out bytes.Buffer
		code := run(fields, strings.NewReader(stdin), &out, &out, getenv)
		if code < exitOK || code > exitPartial {
			t.Fatalf("%q: undocumented exit code %d", args, code)
		}
		if strings.Contains(stdin, canary) && !strings.Contains(args, canary) && strings.Contains(out.String(), canary) {
			t.Fatalf("%q: output holds the secret from stdin", args)
		}
	})
}
