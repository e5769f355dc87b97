package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/kek"
)

// serviceAndCLI returns an env whose Manager plays a running service
// checking its keyset file every recheck, with org acme created and its
// KEK, and a second Manager on the same directory playing the CLI.
func serviceAndCLI(t *testing.T, recheck time.Duration) (*env, kek.KEK, *Manager) {
	t.Helper()
	e := newEnv(t)
	setRecheck(e.m, recheck)
	return e, e.create(t, "acme"), e.reopen(t)
}

func mustKEK(t *testing.T, m *Manager, org string) kek.KEK {
	t.Helper()
	k, err := m.KEK(ctx, org)
	if err != nil {
		t.Fatalf("KEK(%q): %v", org, err)
	}
	return k
}

func mustUnwrap(t *testing.T, k kek.KEK, keyID string, wrapped, want []byte) {
	t.Helper()
	got, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: want})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Unwrap(%s): %x, %v; want %x", keyID, got, err, want)
	}
}

func keyIDs(t *testing.T, m *Manager, org string) []string {
	t.Helper()
	vs, err := m.Versions(ctx, org)
	if err != nil {
		t.Fatalf("Versions(%q): %v", org, err)
	}
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.KeyID
	}
	return ids
}

// TestSecondWriterKeepsVersions is the service-and-CLI scenario: the CLI
// rotates and a DEK is wrapped under its new version, then the service,
// whose cache predates that rotation, rotates too. The CLI's version must
// survive in the file and open everywhere.
func TestSecondWriterKeepsVersions(t *testing.T) {
	e, svcKEK, cli := serviceAndCLI(t, RecheckInterval)
	first, _ := svcKEK.CurrentKeyID(ctx)
	cliID, err := cli.Rotate(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	dek := []byte("0123456789abcdef0123456789abcdef")
	wrapped, keyID, err := mustKEK(t, cli, "acme").Wrap(ctx, dek, kek.AAD{Data: dek})
	if err != nil || keyID != cliID {
		t.Fatalf("CLI Wrap: key %s, %v; want %s", keyID, err, cliID)
	}
	svcID := e.rotate(t, "acme")
	want := []string{first, cliID, svcID}
	for name, m := range map[string]*Manager{"fresh": e.reopen(t), "service": e.m, "cli": cli} {
		if got := keyIDs(t, m, "acme"); !slices.Equal(got, want) {
			t.Errorf("%s: versions %v, want %v", name, got, want)
		}
		mustUnwrap(t, mustKEK(t, m, "acme"), keyID, wrapped, dek)
	}
	if got, _ := svcKEK.CurrentKeyID(ctx); got != svcID {
		t.Errorf("service primary %s, want its own rotation %s", got, svcID)
	}
}

// TestUnwrapRereadsFileForUnknownVersion: a record wrapped under a primary
// the CLI just added opens in the service at once, long before its
// recheck interval would reread the file.
func TestUnwrapRereadsFileForUnknownVersion(t *testing.T) {
	_, svcKEK, cli := serviceAndCLI(t, time.Hour)
	if _, err := cli.Rotate(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	dek := []byte("0123456789abcdef")
	wrapped, keyID, err := mustKEK(t, cli, "acme").Wrap(ctx, dek, kek.AAD{Data: dek})
	if err != nil {
		t.Fatal(err)
	}
	mustUnwrap(t, svcKEK, keyID, wrapped, dek)
	for _, id := range []string{"local://acme#v=1", "local://other#v=1"} {
		if _, err := svcKEK.Unwrap(ctx, id, wrapped, kek.AAD{Data: dek}); !errors.Is(err, kek.ErrKeyNotFound) {
			t.Errorf("Unwrap(%s): %v, want kek.ErrKeyNotFound", id, err)
		}
	}
}

// TestRunningManagerFollowsOtherWriter: once its recheck interval has
// passed, the service wraps under the primary the CLI made and refuses a
// version the CLI disabled; within the interval it keeps its snapshot.
func TestRunningManagerFollowsOtherWriter(t *testing.T) {
	for _, tc := range []struct {
		recheck time.Duration
		follows bool
	}{{0, true}, {time.Hour, false}} {
		t.Run(fmt.Sprint(tc.recheck), func(t *testing.T) {
			_, svcKEK, cli := serviceAndCLI(t, tc.recheck)
			dek := []byte("0123456789abcdef")
			wrapped, first, _ := svcKEK.Wrap(ctx, dek, kek.AAD{Data: dek})
			cliID, err := cli.Rotate(ctx, "acme")
			if err != nil {
				t.Fatal(err)
			}
			if err := cli.Disable(ctx, "acme", first, usageMap{}); err != nil {
				t.Fatal(err)
			}
			want, wantErr := first, error(nil)
			if tc.follows {
				want, wantErr = cliID, kek.ErrKeyDisabled
			}
			if _, got, err := svcKEK.Wrap(ctx, dek, kek.AAD{Data: dek}); err != nil || got != want {
				t.Errorf("service Wrap: key %s, %v; want %s", got, err, want)
			}
			if _, err := svcKEK.Unwrap(ctx, first, wrapped, kek.AAD{Data: dek}); !errors.Is(err, wantErr) {
				t.Errorf("service Unwrap under the disabled version: %v, want %v", err, wantErr)
			}
		})
	}
}

// TestRefreshKeepsCacheOnBadFile: a keyset file that no longer decrypts
// leaves a running Manager on its cached keyset, while a change refuses it.
func TestRefreshKeepsCacheOnBadFile(t *testing.T) {
	e, svcKEK, _ := serviceAndCLI(t, 0)
	first, _ := svcKEK.CurrentKeyID(ctx)
	other := newEnv(t)
	other.create(t, "acme")
	if err := os.WriteFile(keysetPath(e.dir, "acme"), other.readFile(t, "acme"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := wrapUnwrapLoop(svcKEK, 0, 3); err != nil {
		t.Fatalf("KEK after its file went bad: %v", err)
	}
	if got, _ := svcKEK.CurrentKeyID(ctx); got != first {
		t.Fatalf("primary %s, want the cached %s", got, first)
	}
	if _, err := e.m.Rotate(ctx, "acme"); !errors.Is(err, ErrBadRootKey) {
		t.Fatalf("Rotate over a file under another root key: %v, want ErrBadRootKey", err)
	}
}

// TestConcurrentWritersKeepEveryVersion: two Managers on one directory
// rotate the same org concurrently; every version either made survives.
func TestConcurrentWritersKeepEveryVersion(t *testing.T) {
	const n = 15
	e := newEnv(t)
	k := e.create(t, "acme")
	first, _ := k.CurrentKeyID(ctx)
	managers := []*Manager{e.m, e.reopen(t)}
	made := make([][]string, len(managers))
	var wg sync.WaitGroup
	for i, m := range managers {
		wg.Go(func() {
			for range n {
				id, err := m.Rotate(ctx, "acme")
				if err != nil {
					t.Error(err)
					return
				}
				made[i] = append(made[i], id)
			}
		})
	}
	wg.Go(func() { // the hot path meanwhile
		if err := wrapUnwrapLoop(k, 0, 200); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	want := append([]string{first}, slices.Concat(made...)...)
	checkVersions(t, e.reopen(t), want)
}

// checkVersions fails unless m lists exactly the key IDs want, in any order.
func checkVersions(t *testing.T, m *Manager, want []string) {
	t.Helper()
	got := keyIDs(t, m, "acme")
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Fatalf("versions on disk: %d %v\nwant %d %v", len(got), got, len(want), want)
	}
}

// TestErrorsClipKeyID: a caller's oversized or control-laden key ID is
// clipped in errors, which still match their sentinel.
func TestErrorsClipKeyID(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	bad := "local://acme#v=" + strings.Repeat("9", 10_000) + "\x1b[2J\n"
	ops := map[string]func() error{
		"Enable":  func() error { return e.m.Enable(ctx, "acme", bad) },
		"Disable": func() error { return e.m.Disable(ctx, "acme", bad, usageMap{}) },
		"Destroy": func() error { return e.m.Destroy(ctx, "acme", bad, usageMap{}) },
	}
	for name, op := range ops {
		err := op()
		if !errors.Is(err, kek.ErrKeyNotFound) {
			t.Errorf("%s: %v, want kek.ErrKeyNotFound", name, err)
		}
		if msg := err.Error(); len(msg) > 400 || strings.ContainsAny(msg, "\x1b\n") {
			t.Errorf("%s: error of %d bytes, control characters %v", name, len(msg), strings.ContainsAny(msg, "\x1b\n"))
		}
	}
}

// TestMutationWaitHonoursContext: a change waiting for another writer's
// lock gives up when its context ends.
func TestMutationWaitHonoursContext(t *testing.T) {
	if !crossProcessLock {
		t.Skip("no flock on this system")
	}
	e := newEnv(t)
	e.create(t, "acme")
	unlock, err := e.reopen(t).lockOrg(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.m.Rotate(short, "acme"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Rotate while locked: %v, want context.DeadlineExceeded", err)
	}
	unlock()
	e.rotate(t, "acme")
}
