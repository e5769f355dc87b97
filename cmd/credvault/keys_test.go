package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeysInitRoot: init-root creates an owner-only root key file that
// the CLI then opens keysets with, and never overwrites one.
func TestKeysInitRoot(t *testing.T) {
	h := newHarness(t)
	delete(h.env, "CREDVAULT_ROOT_KEY")
	path := filepath.Join(t.TempDir(), "root.key")
	out := h.must(exitOK, "", "keys", "init-root", path)
	if !strings.Contains(out, "created root key file "+path) {
		t.Errorf("init-root: %s", out)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("root key file: %v, %v; want mode 0600", fi.Mode().Perm(), err)
	}
	before, _ := os.ReadFile(path)
	h.env["CREDVAULT_ROOT_KEY_FILE"] = path
	h.must(exitConflict, "", "keys", "init-root") // the file CREDVAULT_ROOT_KEY_FILE names exists
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("init-root overwrote an existing root key file")
	}
	h.must(exitOK, "", "keys", "create", "acme")
	h.must(exitOK, "", "keys", "list", "acme")
	delete(h.env, "CREDVAULT_ROOT_KEY_FILE")
	h.must(exitUsage, "", "keys", "init-root")
}
