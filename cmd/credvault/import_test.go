package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault"
)

// importGood is three registries in the HarborGuard POST shape.
const importGood = `{"name":"acme-ghcr","provider":"GHCR","url":"https://ghcr.io","credentials":{"username":"deploy-bot","pat":"` + canary + `"},"scanMethod":"cloud","schedule":"daily","includeTags":"v*"}

{"name":"hub","provider":"DOCKER_HUB","credentials":{"username":"u","password":"` + canary + `"}}
{"name":"internal","provider":"DOCKER_REGISTRY","url":"https://registry.internal.example","insecure":true,"credentials":{"username":"u","password":"` + canary + `"}}
`

func TestImport(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	if out := h.must(exitOK, importGood, "import", "-org", "acme", "-dry-run"); !strings.Contains(out, "3 registries valid") {
		t.Fatalf("dry run: %s", out)
	}
	h.must(exitNotFound, "", "get", "-redacted", "acme", "hub") // the dry run wrote nothing
	file := filepath.Join(t.TempDir(), "registries.ndjson")
	if err := os.WriteFile(file, []byte(importGood), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.must(exitOK, "", "import", "-org", "acme", "-file", file); !strings.Contains(out, "3 registries written, 0 not written") {
		t.Fatalf("import: %s", out)
	}
	out := h.must(exitOK, "", "get", "-redacted", "acme", "internal")
	if !strings.Contains(out, `"insecure": true`) || !strings.Contains(out, "registry.internal.example") {
		t.Errorf("imported record: %s", out)
	}
	if out := h.must(exitOK, "", "verify", "-org", "acme"); !strings.Contains(out, "3 opened") {
		t.Errorf("verify: %s", out)
	}
	// Importing again: every name is taken, and nothing is replaced.
	code, _, errOut := h.run(importGood, "import", "-org", "acme")
	if code != exitInvalid || strings.Count(errOut, "is stored already") != 3 {
		t.Errorf("import of stored names: exit %d\n%s", code, errOut)
	}
}

// TestImportBadLinesWriteNothing: one bad line anywhere and nothing is
// written; each bad line is reported by number and field, never with
// its secret.
func TestImportBadLinesWriteNothing(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	input := importGood +
		`{"name":"typo","provider":"GHCR","credentails":{"username":"u","pat":"` + canary + `"}}` + "\n" +
		`{"name":"wrong-kind","provider":"GHCR","credentials":{"username":"u","password":"` + canary + `","extra":"x"}}` + "\n" +
		`{"name":"acme-ghcr","provider":"GHCR","credentials":{"username":"u","pat":"` + canary + `"}}` + "\n" +
		`{"name":"noprov","provider":"NOPE","credentials":{"username":"u","pat":"` + canary + `"}}` + "\n" +
		`{"name":"broken","provider":"GHCR","credentials":{"username":"u","pat":"` + canary + "\n" +
		`{"name":7}` + "\n"
	code, out, errOut := h.run(input, "import", "-org", "acme")
	if code != exitInvalid {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{`line 5: unknown field "credentails"`, `line 6: credentials: unknown field: credentials.extra`, `line 7: field "name": "acme-ghcr" repeats line 1`,
		"line 8: providers: unknown provider", "line 9: incomplete JSON", `line 10: field "name": want a JSON string`, "nothing written"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	h.must(exitNotFound, "", "get", "-redacted", "acme", "hub")
	h.must(exitInvalid, "", "import", "-org", "acme") // empty input
	h.must(exitUsage, "", "import")
}

// FuzzImportLine: a line never panics the parser, and no error repeats
// the credential it holds.
func FuzzImportLine(f *testing.F) {
	for _, line := range strings.Split(importGood, "\n") {
		f.Add(line)
	}
	f.Add(`{"name":"x","provider":"GHCR","credentials":"` + canary + `"}`)
	f.Add(`{"name":"x","provider":"` + canary + `","credentials":{}}`)
	f.Add(`{"name":["` + canary + `"]}`)
	f.Fuzz(func(t *testing.T, line string) {
		_, _, err := parseImportLine([]byte(line))
		if err != nil && strings.Contains(err.Error(), canary) && !strings.Contains(line, `"`+canary+`":`) {
			t.Fatalf("%q: error holds the secret: %v", line, err)
		}
	})
}

// failSecond is a store whose PutBatch loses the second record to a
// concurrent creation and reports no outcome for the third.
type failSecond struct{}

func (failSecond) PutBatch(_ context.Context, recs []vault.Record, _ []int64) ([]int64, []error) {
	return make([]int64, 2), []error{nil, vault.ErrConflict}
}

// TestImportWriteFailureSaysWhatWasWritten: a write failing midway lists
// the registries written and those not, and exits 6.
func TestImportWriteFailureSaysWhatWasWritten(t *testing.T) {
	var out, errOut bytes.Buffer
	c := &cli{stdout: &out, stderr: &errOut}
	recs := []importRecord{{1, vault.Record{Key: vault.Key{Org: "acme", Registry: "a"}}},
		{2, vault.Record{Key: vault.Key{Org: "acme", Registry: "b"}}}, {3, vault.Record{Key: vault.Key{Org: "acme", Registry: "c"}}}}
	err := c.writeImport(t.Context(), failSecond{}, recs)
	if exitCode(err) != exitPartial || !strings.Contains(out.String(), "1 registries written, 2 not written") ||
		!strings.Contains(errOut.String(), "written: a\n") || !strings.Contains(errOut.String(), "not written: b, c") {
		t.Errorf("exit %d\n%s\n%s", exitCode(err), out.String(), errOut.String())
	}
}

// TestImportInterruptedSaysWhatWasWritten: interrupted between writes,
// import writes no more, lists what it wrote and what not, and exits 130.
func TestImportInterruptedSaysWhatWasWritten(t *testing.T) {
	var out, errOut bytes.Buffer
	c := &cli{stdout: &out, stderr: &errOut}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	recs := []importRecord{{1, vault.Record{Key: vault.Key{Org: "acme", Registry: "a"}}}}
	err := c.writeImport(ctx, failSecond{}, recs)
	if exitCode(err) != exitInterrupted || !strings.Contains(errOut.String(), "not written: a") {
		t.Errorf("exit %d\n%s\n%s", exitCode(err), out.String(), errOut.String())
	}
}
