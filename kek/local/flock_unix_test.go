//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

// The systems of flock_unix.go but illumos, which lacks syscall.Mkfifo.

package local

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestRootKeyFromFileFIFO: a FIFO is refused at once, not waited on.
func TestRootKeyFromFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := RootKeyFromFile(path); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrInvalidRootKey) {
			t.Fatalf("RootKeyFromFile(FIFO): %v, want ErrInvalidRootKey", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RootKeyFromFile(FIFO) still blocked after 5s")
	}
}

// Environment of TestHelperRotator, run as a child process.
const (
	rotatorDir  = "CREDVAULT_TEST_ROTATOR_DIR"
	rotatorRoot = "CREDVAULT_TEST_ROTATOR_ROOT_FILE"
	rotatorN    = "CREDVAULT_TEST_ROTATOR_N"
)

// TestCrossProcessWritersKeepEveryVersion: two child processes (as the CLI
// would be) and this one rotate one org concurrently; every version any of
// them made survives.
func TestCrossProcessWritersKeepEveryVersion(t *testing.T) {
	const n = 10
	e := newEnv(t)
	first, _ := e.create(t, "acme").CurrentKeyID(ctx)
	rootFile := filepath.Join(t.TempDir(), "root.key")
	if err := WriteRootKeyFile(rootFile, e.root); err != nil {
		t.Fatal(err)
	}
	made := make([][]string, 3)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() { made[i] = runRotator(t, e.dir, rootFile, n) })
	}
	wg.Go(func() {
		for range n {
			id, err := e.m.Rotate(ctx, "acme")
			if err != nil {
				t.Error(err)
				return
			}
			made[2] = append(made[2], id)
		}
	})
	wg.Wait()
	want := []string{first}
	for _, ids := range made {
		want = append(want, ids...)
	}
	if len(want) != 3*n+1 {
		t.Fatalf("made %d versions, want %d", len(want), 3*n+1)
	}
	checkVersions(t, e.reopen(t), want)
}

// runRotator runs TestHelperRotator in a child process and returns the key
// IDs it printed.
func runRotator(t *testing.T, dir, rootFile string, n int) []string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRotator$", "-test.count=1")
	cmd.Env = append(os.Environ(), rotatorDir+"="+dir, rotatorRoot+"="+rootFile, rotatorN+"="+strconv.Itoa(n))
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("rotator process: %v\n%s", err, out)
		return nil
	}
	var ids []string
	for line := range strings.Lines(string(out)) {
		if id, ok := strings.CutPrefix(strings.TrimSpace(line), "ROTATED "); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestHelperRotator is not a test: run by runRotator as a child process, it
// rotates org acme and prints each new key ID.
func TestHelperRotator(t *testing.T) {
	dir := os.Getenv(rotatorDir)
	if dir == "" {
		t.Skip("child process helper")
	}
	root, err := RootKeyFromFile(os.Getenv(rotatorRoot))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(os.Getenv(rotatorN))
	m := mustOpen(t, dir, root)
	for range n {
		id, err := m.Rotate(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("ROTATED " + id)
	}
}
