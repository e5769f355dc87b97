package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// canary is the secret every test credential holds; no output may show it.
const canary = "CANARYq9Zt4Wm"

const patJSON = `{"username":"deploy-bot","pat":"` + canary + `"}`

// harness runs the CLI in-process over a temporary store and keysets.
type harness struct {
	t   testing.TB
	env map[string]string
}

func newHarness(t testing.TB) *harness {
	dir := t.TempDir()
	root := make([]byte, 32)
	rand.Read(root)
	return &harness{t: t, env: map[string]string{
		"CREDVAULT_STORE":    "sqlite://" + filepath.Join(dir, "vault.db"),
		"CREDVAULT_KEYSETS":  filepath.Join(dir, "keys"),
		"CREDVAULT_ROOT_KEY": base64.StdEncoding.EncodeToString(root),
	}}
}

// run runs args with stdin and returns the exit code and both outputs,
// failing the test if either output holds the canary.
func (h *harness) run(stdin string, args ...string) (int, string, string) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	code := run(h.t.Context(), args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return h.env[k] })
	if strings.Contains(out.String()+errOut.String(), canary) {
		h.t.Fatalf("%v: output holds the secret:\n%s\n%s", args, out.String(), errOut.String())
	}
	return code, out.String(), errOut.String()
}

// must runs args and requires exit code want.
func (h *harness) must(want int, stdin string, args ...string) string {
	h.t.Helper()
	code, out, errOut := h.run(stdin, args...)
	if code != want {
		h.t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, want, out, errOut)
	}
	return out
}

func TestCLIEndToEnd(t *testing.T) {
	h := newHarness(t)
	first := strings.TrimSpace(h.must(exitOK, "", "keys", "create", "acme"))
	h.must(exitConflict, "", "keys", "create", "acme")
	h.must(exitOK, patJSON, "put", "acme", "ghcr-main", "-provider", "GHCR", "-url", "https://ghcr.io")

	out := h.must(exitOK, "", "get", "-redacted", "acme", "ghcr-main")
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil || d["registry"] != "ghcr-main" || d["keyId"] != first {
		t.Fatalf("get: %v %v", d, err)
	}
	if out := h.must(exitOK, "", "keys", "list", "acme"); !strings.Contains(out, first) || !strings.Contains(out, "1\n") {
		t.Fatalf("keys list:\n%s", out)
	}

	second := strings.TrimSpace(h.must(exitOK, "", "keys", "rotate", "acme"))
	h.must(exitConflict, "", "keys", "retire", "acme", first) // still wraps the record
	h.must(exitOK, "", "rotate", "-org", "acme", "-dry-run")
	h.must(exitConflict, "", "keys", "retire", "acme", first) // a dry run wrote nothing
	if out := h.must(exitOK, "", "rotate", "-org", "acme", "-workers", "2", "-rate", "100"); !strings.Contains(out, "1 rotated") {
		t.Fatalf("rotate: %s", out)
	}
	h.must(exitOK, "", "rotate", "-org", "acme", "-kind", "dek")
	h.must(exitConflict, "", "keys", "retire", "acme", second) // the primary
	h.must(exitOK, "", "keys", "retire", "acme", first)
	h.must(exitOK, "", "keys", "retire", "acme", first, "-destroy") // flags after arguments too
	out = h.must(exitOK, "", "keys", "list", "acme")
	if !strings.Contains(out, "destroyed") || !strings.Contains(out, second) {
		t.Fatalf("keys list after retire:\n%s", out)
	}
	// The record still opens to its value after all that.
	h.must(exitOK, "", "get", "-redacted", "acme", "ghcr-main")
}

func TestCLIRefusals(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  int
	}{
		{"no command", "", nil, exitUsage},
		{"unknown command", "", []string{"frobnicate"}, exitUsage},
		{"unknown keys command", "", []string{"keys", "explode", "acme"}, exitUsage},
		{"keys create without org", "", []string{"keys", "create"}, exitUsage},
		{"keys list of unknown org", "", []string{"keys", "list", "nobody"}, exitNotFound},
		{"keys rotate of unknown org", "", []string{"keys", "rotate", "nobody"}, exitNotFound},
		{"retire unknown version", "", []string{"keys", "retire", "acme", "local://acme#v=1"}, exitNotFound},
		{"get without -redacted", "", []string{"get", "acme", "ghcr"}, exitUsage},
		{"get missing record", "", []string{"get", "-redacted", "acme", "nothing"}, exitNotFound},
		{"put without provider", patJSON, []string{"put", "acme", "r"}, exitUsage},
		{"put unknown provider", patJSON, []string{"put", "acme", "r", "-provider", "NOPE"}, exitInvalid},
		{"put malformed JSON", `{"username":"u","pat":"` + canary, []string{"put", "acme", "r", "-provider", "GHCR"}, exitInvalid},
		{"put unknown field", `{"username":"u","pat":"x","extra":"` + canary + `"}`, []string{"put", "acme", "r", "-provider", "GHCR"}, exitInvalid},
		{"put empty stdin", "", []string{"put", "acme", "r", "-provider", "GHCR"}, exitInvalid},
		{"put oversize", strings.Repeat(" ", maxCredentialInput+1), []string{"put", "acme", "r", "-provider", "GHCR"}, exitInvalid},
		{"put plain http URL", patJSON, []string{"put", "acme", "r", "-provider", "DOCKER_REGISTRY", "-url", "http://10.0.0.1"}, exitInvalid},
		{"put missing credentials file", "", []string{"put", "acme", "r", "-provider", "GHCR", "-credentials-file", "/nonexistent/x"}, exitFailed},
		{"rotate without org", "", []string{"rotate"}, exitUsage},
		{"rotate bad kind", "", []string{"rotate", "-org", "acme", "-kind", "both"}, exitUsage},
		{"rotate unknown org", "", []string{"rotate", "-org", "nobody"}, exitNotFound},
		{"bad global flag", "", []string{"-nope", "help"}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			h.must(tc.want, tc.stdin, tc.args...)
		})
	}
}

// TestCLINoSecretFlags checks that no flag can carry a secret: put refuses
// every secret-looking flag as undefined without echoing its value.
func TestCLINoSecretFlags(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	for _, name := range []string{"password", "pat", "secret", "token", "credential", "credentials", "identity-token", "client-secret", "secret-access-key"} {
		t.Run(name, func(t *testing.T) {
			h.t = t
			h.must(exitUsage, "", "put", "acme", "r", "-provider", "GHCR", "-"+name+"="+canary)
		})
	}
}

func TestCLINoRootKey(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "CREDVAULT_ROOT_KEY")
	h.must(exitUsage, "", "keys", "create", "acme")
	h.env["CREDVAULT_ROOT_KEY"] = "not base64!"
	h.must(exitInvalid, "", "keys", "create", "acme")
	h.env["CREDVAULT_ROOT_KEY"] = base64.StdEncoding.EncodeToString([]byte("short"))
	h.must(exitInvalid, "", "keys", "create", "acme")
}

func TestCLIRootKeySources(t *testing.T) {
	dir := t.TempDir()
	pass, salt := filepath.Join(dir, "pass"), filepath.Join(dir, "salt")
	if err := os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(salt, []byte("0123456789abcdef0123"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	delete(h.env, "CREDVAULT_ROOT_KEY")
	h.env["CREDVAULT_ROOT_PASSPHRASE_FILE"] = pass
	h.must(exitUsage, "", "keys", "create", "acme") // no salt file
	h.env["CREDVAULT_ROOT_SALT_FILE"] = salt
	h.must(exitOK, "", "keys", "create", "acme")
	h.must(exitOK, "", "keys", "list", "acme") // the same passphrase opens it again
}

// TestCLIHelp: help, the one description of the command line, names
// every command, every flag each command defines and every exit code.
func TestCLIHelp(t *testing.T) {
	h := newHarness(t)
	help := h.must(exitOK, "", "help")
	if help != usageText {
		t.Fatal("help does not print usageText")
	}
	commands := [][]string{{}, {"keys", "create"}, {"keys", "rotate"}, {"keys", "list"}, {"keys", "retire"},
		{"keys", "init-root"}, {"rotate"}, {"verify"}, {"import"}, {"health"}, {"get"}, {"put"}, {"test-connection"},
		{"kubelet-credential-provider"}}
	for _, cmd := range commands {
		if len(cmd) > 0 && !strings.Contains(help, "\n  "+strings.Join(cmd, " ")+" ") {
			t.Errorf("help lacks the command %q", cmd)
		}
		// -h makes a command's flag set list its flags on stderr.
		_, _, defaults := h.run("", append(cmd, "-h")...)
		for _, m := range regexp.MustCompile(`(?m)^  (-[a-z-]+)`).FindAllStringSubmatch(defaults, -1) {
			if !regexp.MustCompile(m[1] + `\b[^-]`).MatchString(help) {
				t.Errorf("help lacks %q's flag %s", cmd, m[1])
			}
		}
	}
	_, codes, _ := strings.Cut(help, "\nexit codes:\n")
	var listed []int
	for _, m := range regexp.MustCompile(`(?m)^  (\d+)  `).FindAllStringSubmatch(codes, -1) {
		n, _ := strconv.Atoi(m[1])
		listed = append(listed, n)
	}
	if want := []int{exitOK, exitFailed, exitUsage, exitNotFound, exitConflict, exitInvalid, exitPartial, exitTest, exitInterrupted}; !slices.Equal(listed, want) {
		t.Errorf("help lists exit codes %v, want %v", listed, want)
	}
}

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
		{"verify -org acme", ""},
		{"import -org acme", `{"name":"r","provider":"GHCR","credentials":{"username":"u","pat":"` + canary + `"}}`},
		{"health -org acme -json", ""},
		{"rotate -org acme -kind dek -restart", ""},
	} {
		f.Add(seed.args, seed.stdin)
	}
	h := newHarness(f)
	h.env["CREDVAULT_STORE"] = "sqlite::memory:"
	getenv := func(k string) string { return h.env[k] }
	f.Fuzz(func(t *testing.T, args, stdin string) {
		fields := strings.Fields(args)
		for _, a := range fields {
			if a = strings.TrimLeft(a, "-"); strings.HasPrefix(a, "store") || strings.HasPrefix(a, "keysets") || a == "init-root" {
				t.Skip("would write outside the test's directories")
			}
		}
		var out bytes.Buffer
		code := run(t.Context(), fields, strings.NewReader(stdin), &out, &out, getenv)
		if code < exitOK || code > exitTest {
			t.Fatalf("%q: undocumented exit code %d", args, code)
		}
		if strings.Contains(stdin, canary) && !strings.Contains(args, canary) && strings.Contains(out.String(), canary) {
			t.Fatalf("%q: output holds the secret from stdin", args)
		}
	})
}

// TestCLIPostgresStore: the CLI registers PostgreSQL, so a postgres://
// store fails only because nothing listens there, not for want of a
// driver.
func TestCLIPostgresStore(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	h.env["CREDVAULT_STORE"] = "postgres://u:p@127.0.0.1:1/db?connect_timeout=5"
	code, _, errOut := h.run("", "keys", "list", "acme")
	if code != exitFailed || strings.Contains(errOut, "no driver") {
		t.Errorf("keys list on an unreachable PostgreSQL: exit %d, %s", code, errOut)
	}
}

// TestParseArgs: flags may follow positional arguments, and everything
// after "--" is positional, flag-like or not.
func TestParseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args, pos []string
		provider  string
	}{
		{[]string{"acme", "ghcr", "-provider", "GHCR"}, []string{"acme", "ghcr"}, "GHCR"},
		{[]string{"provider", "ghcr"}, []string{"provider", "ghcr"}, ""},
		{[]string{"-insecure", "acme", "provider"}, []string{"acme", "provider"}, ""},
		{[]string{"--", "-provider", "x"}, []string{"-provider", "x"}, ""},
		{[]string{"acme", "--", "ghcr", "-provider", "x"}, []string{"acme", "ghcr", "-provider", "x"}, ""},
		{[]string{"-url", "-provider", "acme", "ghcr"}, []string{"acme", "ghcr"}, ""},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		provider := fs.String("provider", "", "")
		fs.String("url", "", "")
		fs.Bool("insecure", false, "")
		pos, err := parseArgs(fs, tt.args)
		if err != nil || !slices.Equal(pos, tt.pos) || *provider != tt.provider {
			t.Errorf("parseArgs(%q) = %q, -provider %q, %v; want %q, %q", tt.args, pos, *provider, err, tt.pos, tt.provider)
		}
	}
}
