package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

func TestProgressBar(t *testing.T) {
	tests := []struct {
		done, total int64
		want        string
	}{
		{0, 10, "[..........]"}, {5, 10, "[#####.....]"}, {10, 10, "[##########]"}, {3, 0, "[##########]"}, {12, 10, "[##########]"},
	}
	for _, tc := range tests {
		if got := bar(tc.done, tc.total, 10); got != tc.want {
			t.Errorf("bar(%d, %d) = %s, want %s", tc.done, tc.total, got, tc.want)
		}
	}
	var buf bytes.Buffer
	if isTerminal(&buf) {
		t.Error("a buffer is not a terminal")
	}
}

// TestProgressLineFitsWidth: the bar and counts stay within the
// terminal's width, however narrow, and keep the counts while they fit.
func TestProgressLineFitsWidth(t *testing.T) {
	p := vault.Progress{Done: 123456, Skipped: 7, Failed: 3, Total: 200000, Rate: 15234}
	for width := 1; width <= 200; width++ {
		line := progressLine(p, width)
		if len(line) >= width && width > 1 || width == 1 && line != "" {
			t.Fatalf("width %d: %d columns: %q", width, len(line), line)
		}
		if width >= 40 && !strings.Contains(line, "123466/200000") {
			t.Errorf("width %d: counts lost: %q", width, line)
		}
	}
	if line := progressLine(p, 200); !strings.Contains(line, "["+strings.Repeat("#", 24)) {
		t.Errorf("a wide terminal draws a %d-column bar: %q", maxBar, line)
	}
}

// TestTerminalWidthFromColumns: COLUMNS, when a positive number, is the
// width; otherwise the terminal's, or the default for a non-terminal.
func TestTerminalWidthFromColumns(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cols, want := range map[string]int{"132": 132, " 50 ": 50, "": defaultWidth, "0": defaultWidth, "wide": defaultWidth} {
		if got := terminalWidth(f, func(string) string { return cols }); got != want {
			t.Errorf("COLUMNS=%q: width %d, want %d", cols, got, want)
		}
	}
}

// seed stores n records for org through the library, as a service would.
func (h *harness) seed(org string, n int) {
	h.t.Helper()
	c := &cli{getenv: func(k string) string { return h.env[k] }, storeDSN: h.env["CREDVAULT_STORE"], keysetDir: h.env["CREDVAULT_KEYSETS"]}
	ctx := context.Background()
	v, st, _, err := c.openVault(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	defer st.Close()
	recs := make([]vault.Record, n)
	for i := range recs {
		cred := credentials.UsernamePassword{Username: "u", Password: credentials.NewSecret(canary)}
		e := vault.Entry{Provider: "DOCKER_REGISTRY", URL: "https://registry.example.com", Credential: cred}
		if recs[i], err = v.Seal(ctx, vault.Key{Org: org, Registry: fmt.Sprintf("reg-%05d", i)}, e); err != nil {
			h.t.Fatal(err)
		}
	}
	if _, errs := st.PutBatch(ctx, recs, make([]int64, n)); errors.Join(errs...) != nil {
		h.t.Fatal(errors.Join(errs...))
	}
}

// interrupt runs the CLI with args as a process of its own, waits for
// its first progress line (a checkpoint is saved before each), sends it
// sig and returns its exit code and outputs.
func (h *harness) interrupt(sig os.Signal, args ...string) (int, string, string) {
	h.t.Helper()
	cmd := h.command(args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		h.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	var errOut strings.Builder
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		errOut.WriteString(lines.Text() + "\n")
		if strings.HasPrefix(lines.Text(), "progress: ") {
			break
		}
	}
	if err := cmd.Process.Signal(sig); err != nil {
		h.t.Fatal(err)
	}
	for lines.Scan() {
		errOut.WriteString(lines.Text() + "\n")
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		h.t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// TestRotateInterruptedAndResumed: SIGINT stops a DEK rotation cleanly
// with a summary, how to resume and exit 130; so does SIGTERM a run with
// -restart, which starts over; run again, it says it resumes and from
// where, and its summary counts the whole job. Every record opens at the
// end.
func TestRotateInterruptedAndResumed(t *testing.T) {
	const n = 2000
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	h.seed("acme", n)
	job := []string{"rotate", "-org", "acme", "-kind", "dek", "-rate", "200", "-page-size", "100", "-workers", "2"} // 10 s, when a page is 0.5 s

	code, out, errOut := h.interrupt(syscall.SIGINT, job...)
	if code != exitInterrupted || !strings.Contains(out, "dek: ") || !strings.Contains(errOut, "interrupted") ||
		!strings.Contains(errOut, "run the same command again to resume") {
		t.Fatalf("interrupted: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}

	code, out, errOut = h.interrupt(syscall.SIGTERM, append(job, "-restart")...)
	if code != exitInterrupted || !strings.Contains(errOut, "starting over: forgot the checkpoint after acme/reg-") {
		t.Fatalf("restarted: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Contains(out, "this run") {
		t.Errorf("a restarted job counted earlier runs: %s", out)
	}

	code, out, errOut = h.run("", job[:len(job)-6]...) // no rate limit
	if code != exitOK || !strings.Contains(errOut, "dek/acme: resuming after acme/reg-") {
		t.Fatalf("resumed: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var done, skipped, failed, total, thisRun int
	if _, err := fmt.Sscanf(out, "dek: %d rotated, %d skipped, %d failed of %d (%d in this run)",
		&done, &skipped, &failed, &total, &thisRun); err != nil || done+skipped != n || total != n || thisRun >= n || thisRun <= 0 {
		t.Fatalf("resumed summary %q (%v): want the whole job's %d records, and this run's part", out, err, n)
	}
	if out := h.must(exitOK, "", "verify", "-org", "acme"); !strings.Contains(out, fmt.Sprintf("%d opened", n)) {
		t.Errorf("verify: %s", out)
	}
}

// TestRotateDryRunSaysWouldRotate: a dry run's summary says what would
// rotate, never that anything rotated.
func TestRotateDryRunSaysWouldRotate(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	h.seed("acme", 3)
	h.must(exitOK, "", "keys", "rotate", "acme")
	for _, kind := range []string{"rewrap", "dek"} {
		out := h.must(exitOK, "", "rotate", "-org", "acme", "-kind", kind, "-dry-run")
		if !strings.Contains(out, "3 would rotate") || strings.Contains(out, "rotated") || !strings.Contains(out, "nothing written") {
			t.Errorf("%s dry run: %s", kind, out)
		}
	}
	h.must(exitUsage, "", "rotate", "-org", "acme", "-kind", "dek", "-dry-run", "-restart")
	h.must(exitUsage, "", "rotate", "-org", "acme", "-restart")
}

// TestMissingKeysetSaysKeysCreate: every command that needs an org's
// keyset, finding none, names the command that creates it.
func TestMissingKeysetSaysKeysCreate(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{
		{"rotate", "-org", "nobody"}, {"keys", "rotate", "nobody"}, {"keys", "list", "nobody"},
		{"put", "nobody", "r", "-provider", "GHCR"},
	} {
		code, _, errOut := h.run(patJSON, args...)
		if code != exitNotFound || !strings.Contains(errOut, "credvault keys create nobody") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}

// TestRotateRewrapSaysWhatIsLeft: a rewrap says how many records are
// still under older keys and how many are done, so a rerun after an
// interruption says where it stands.
func TestRotateRewrapSaysWhatIsLeft(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	h.seed("acme", 4)
	id := strings.TrimSpace(h.must(exitOK, "", "keys", "rotate", "acme"))
	code, out, errOut := h.run("", "rotate", "-org", "acme")
	if code != exitOK || !strings.Contains(errOut, "rewrap/acme: 4 records under older keys to rewrap to "+id+"; 0 already under it") ||
		!strings.Contains(out, "rewrap: 4 rotated") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if _, _, errOut := h.run("", "rotate", "-org", "acme"); !strings.Contains(errOut, "0 records under older keys to rewrap to "+id+"; 4 already under it") {
		t.Errorf("second run: %s", errOut)
	}
}

// TestRotateLeaseHeldElsewhere: while another process holds the job's
// lease, rotate refuses at once with exit 4 and writes nothing.
func TestRotateLeaseHeldElsewhere(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	h.seed("acme", 2)
	st, err := sqlstore.Open(t.Context(), h.env["CREDVAULT_STORE"])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AcquireLease(t.Context(), "dek/acme", "replica-1", time.Hour); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-kind", "dek"}, {"-kind", "dek", "-restart"}} {
		code, out, errOut := h.run("", append([]string{"rotate", "-org", "acme"}, args...)...)
		if code != exitConflict || !strings.Contains(errOut, "another process") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, out, errOut)
		}
	}
	h.must(exitOK, "", "rotate", "-org", "acme", "-kind", "rewrap") // another job's lease
}
