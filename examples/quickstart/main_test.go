package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestQuickstart runs the demo twice in one directory: the second run
// reuses the root key, keysets and database of the first.
func TestQuickstart(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		if err := run(context.Background(), dir); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"root.key", "credvault.db", "keysets/acme.keyset.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("quickstart left no %s: %v", f, err)
		}
	}
}
