package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/kek"
)

var ctx = context.Background()

func TestWrongRootKeyFails(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	other, err := GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	_, err = mustOpen(t, e.dir, other).KEK(ctx, "acme")
	if !errors.Is(err, ErrBadRootKey) {
		t.Fatalf("KEK under another root key: got %v, want ErrBadRootKey", err)
	}
}

func TestKeysetMovedToAnotherOrgFails(t *testing.T) {
	tests := []struct {
		name       string
		rewriteOrg bool
		want       error
	}{
		{"renamed", false, ErrBadKeyset},
		{"renamed and org field rewritten", true, ErrBadRootKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.create(t, "orga")
			data := e.readFile(t, "orga")
			if tc.rewriteOrg {
				data = bytes.Replace(data, []byte(`"org": "orga"`), []byte(`"org": "orgb"`), 1)
			}
			if err := os.WriteFile(keysetPath(e.dir, "orgb"), data, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := e.reopen(t).KEK(ctx, "orgb"); !errors.Is(err, tc.want) {
				t.Fatalf("KEK(orgb) from orga's file: got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestEditedDestroyedListFails(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	old := currentKeyID(t, e.m, "acme")
	e.rotate(t, "acme")
	if err := e.m.Destroy(ctx, "acme", old, usageMap{}); err != nil {
		t.Fatal(err)
	}
	var f keysetFile
	if err := json.Unmarshal(e.readFile(t, "acme"), &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Destroyed) != 1 {
		t.Fatalf("destroyed list %v, want one version", f.Destroyed)
	}
	f.Destroyed = nil
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keysetPath(e.dir, "acme"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.reopen(t).KEK(ctx, "acme"); !errors.Is(err, ErrBadRootKey) {
		t.Fatalf("KEK after editing the destroyed list: got %v, want ErrBadRootKey", err)
	}
}

func TestKeysetFileMode(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	e.rotate(t, "acme")
	fi, err := os.Stat(keysetPath(e.dir, "acme"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("keyset file mode %v, want 0600", fi.Mode().Perm())
	}
	entries, err := os.ReadDir(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	// No temporary file is left; Rotate made the org's lock file.
	if len(entries) != 2 || entries[0].Name() != ".acme.keyset.lock" || entries[1].Name() != "acme.keyset.json" {
		t.Fatalf("directory holds %v, want only .acme.keyset.lock and acme.keyset.json", entries)
	}
	if fi, err := os.Stat(lockPath(e.dir, "acme")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file: %v, %v; want mode 0600", fi, err)
	}
}

func TestKeysetFileHoldsNoKeyMaterial(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	data := e.readFile(t, "acme")
	if !bytes.Contains(data, []byte(`"encryptedKeyset"`)) {
		t.Fatal("keyset file has no encryptedKeyset")
	}
	// A cleartext Tink keyset would hold keyData with a value and a key
	// material type.
	for _, leak := range []string{`"keyData"`, `"keyMaterialType"`, `"value"`, "SYMMETRIC"} {
		if bytes.Contains(data, []byte(leak)) {
			t.Errorf("keyset file contains %q: cleartext key material?", leak)
		}
	}
}

func TestCreateExisting(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	if err := e.m.Create(ctx, "acme"); !errors.Is(err, ErrExists) {
		t.Errorf("Create twice: got %v, want ErrExists", err)
	}
	if err := e.reopen(t).Create(ctx, "acme"); !errors.Is(err, ErrExists) {
		t.Errorf("Create over an existing file: got %v, want ErrExists", err)
	}
}

func TestInvalidOrg(t *testing.T) {
	e := newEnv(t)
	bad := []string{"", ".hidden", "..", "../etc", "a/b", `a\b`, "-lead", "_lead", "a b", "a\x00b", "é", strings.Repeat("a", 129)}
	for _, org := range bad {
		if err := e.m.Create(ctx, org); !errors.Is(err, kek.ErrInvalidName) {
			t.Errorf("Create(%q): got %v, want kek.ErrInvalidName", org, err)
		}
		if _, err := e.m.KEK(ctx, org); !errors.Is(err, kek.ErrInvalidName) {
			t.Errorf("KEK(%q): got %v, want kek.ErrInvalidName", org, err)
		}
	}
	for _, org := range []string{"a", "A.b-c_d", strings.Repeat("z", 128), "0rg"} {
		if err := e.m.Create(ctx, org); err != nil {
			t.Errorf("Create(%q): %v", org, err)
		}
	}
}

func TestUnknownOrg(t *testing.T) {
	e := newEnv(t)
	if _, err := e.m.KEK(ctx, "nobody"); !errors.Is(err, kek.ErrKeyNotFound) {
		t.Errorf("KEK of an org without keyset: got %v, want kek.ErrKeyNotFound", err)
	}
	if _, err := e.m.Rotate(ctx, "nobody"); !errors.Is(err, kek.ErrKeyNotFound) {
		t.Errorf("Rotate of an org without keyset: got %v, want kek.ErrKeyNotFound", err)
	}
}

func TestCancelledContextManager(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := e.m.Create(c, "other"); !errors.Is(err, context.Canceled) {
		t.Errorf("Create: got %v, want context.Canceled", err)
	}
	if _, err := e.m.Rotate(c, "acme"); !errors.Is(err, context.Canceled) {
		t.Errorf("Rotate: got %v, want context.Canceled", err)
	}
}

func currentKeyID(t *testing.T, m *Manager, org string) string {
	t.Helper()
	k, err := m.KEK(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	id, err := k.CurrentKeyID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestKEKFollowsRotation(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, "acme")
	newID := e.rotate(t, "acme")
	got, err := k.CurrentKeyID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != newID {
		t.Fatalf("KEK handed out before Rotate reports %q, want %q", got, newID)
	}
	_, keyID, err := k.Wrap(ctx, make([]byte, 32), kek.AAD{})
	if err != nil || keyID != newID {
		t.Fatalf("Wrap after Rotate: key ID %q, err %v; want %q", keyID, err, newID)
	}
}

var keyIDPattern = regexp.MustCompile(`^local://acme#v=(0|[1-9][0-9]{0,9})$`)

func TestVersionsAndKeyIDs(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	first := currentKeyID(t, e.m, "acme")
	second := e.rotate(t, "acme")
	vs, err := e.m.Versions(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("got %d versions, want 2", len(vs))
	}
	want := []struct {
		keyID   string
		primary bool
	}{{first, false}, {second, true}}
	for i, v := range vs {
		if v.KeyID != want[i].keyID || v.Primary != want[i].primary || v.Status != StatusEnabled {
			t.Errorf("version %d = %+v, want key ID %q primary %v enabled", i, v, want[i].keyID, want[i].primary)
		}
		if !keyIDPattern.MatchString(v.KeyID) || v.KeyID != formatKeyID("acme", v.TinkID) {
			t.Errorf("version %d key ID %q does not match its Tink ID %d", i, v.KeyID, v.TinkID)
		}
	}
}

func TestDisableEnable(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, "acme")
	dek := []byte("0123456789abcdef0123456789abcdef")
	wrapped, oldID, err := k.Wrap(ctx, dek, kek.AAD{Data: []byte("aad")})
	if err != nil {
		t.Fatal(err)
	}
	newID := e.rotate(t, "acme")
	steps := []struct {
		name string
		run  func() error
		want error
	}{
		{"disable primary", func() error { return e.m.Disable(ctx, "acme", newID, usageMap{}) }, ErrPrimaryKey},
		{"disable in use", func() error { return e.m.Disable(ctx, "acme", oldID, usageMap{oldID: 1}) }, kek.ErrKeyInUse},
		{"disable without counter", func() error { return e.m.Disable(ctx, "acme", oldID, nil) }, kek.ErrInvalidInput},
		{"disable counter fails", func() error { return e.m.Disable(ctx, "acme", oldID, failingUsage{}) }, errUsage},
		{"disable unknown", func() error { return e.m.Disable(ctx, "acme", "local://acme#v=1", usageMap{}) }, kek.ErrKeyNotFound},
		{"disable foreign", func() error { return e.m.Disable(ctx, "acme", "local://other#v=1", usageMap{}) }, kek.ErrKeyNotFound},
		{"disable in use, forced", func() error { return e.m.Disable(ctx, "acme", oldID, usageMap{oldID: 1}, EvenIfInUse()) }, nil},
		{"unwrap disabled", func() error { _, err := k.Unwrap(ctx, oldID, wrapped, kek.AAD{Data: []byte("aad")}); return err }, kek.ErrKeyDisabled},
		{"disable again", func() error { return e.m.Disable(ctx, "acme", oldID, usageMap{}) }, nil},
		{"enable", func() error { return e.m.Enable(ctx, "acme", oldID) }, nil},
		{"enable again", func() error { return e.m.Enable(ctx, "acme", oldID) }, nil},
		{"unwrap enabled", func() error { _, err := k.Unwrap(ctx, oldID, wrapped, kek.AAD{Data: []byte("aad")}); return err }, nil},
		{"enable unknown", func() error { return e.m.Enable(ctx, "acme", "local://acme#v=1") }, kek.ErrKeyNotFound},
	}
	for _, s := range steps {
		if err := s.run(); !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Fatalf("%s: got %v, want %v", s.name, err, s.want)
		}
	}
}

func TestDisabledSurvivesReopen(t *testing.T) {
	e := newEnv(t)
	e.create(t, "acme")
	oldID := currentKeyID(t, e.m, "acme")
	e.rotate(t, "acme")
	if err := e.m.Disable(ctx, "acme", oldID, usageMap{}); err != nil {
		t.Fatal(err)
	}
	vs, err := e.reopen(t).Versions(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if vs[0].KeyID != oldID || vs[0].Status != StatusDisabled {
		t.Fatalf("after reopen version 0 = %+v, want %s disabled", vs[0], oldID)
	}
}

func TestDestroy(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, "acme")
	dek, aad := []byte("0123456789abcdef0123456789abcdef"), []byte("aad")
	wrapped, oldID, err := k.Wrap(ctx, dek, kek.AAD{Data: aad})
	if err != nil {
		t.Fatal(err)
	}
	newID := e.rotate(t, "acme")
	steps := []struct {
		name string
		run  func() error
		want error
	}{
		{"destroy primary", func() error { return e.m.Destroy(ctx, "acme", newID, usageMap{}) }, ErrPrimaryKey},
		{"destroy in use", func() error { return e.m.Destroy(ctx, "acme", oldID, usageMap{oldID: 3, newID: 1}) }, kek.ErrKeyInUse},
		{"destroy without counter", func() error { return e.m.Destroy(ctx, "acme", oldID, nil) }, kek.ErrInvalidInput},
		{"unwrap still works", func() error { _, err := k.Unwrap(ctx, oldID, wrapped, kek.AAD{Data: aad}); return err }, nil},
		{"destroy unused", func() error { return e.m.Destroy(ctx, "acme", oldID, usageMap{oldID: 0, newID: 5}) }, nil},
		{"unwrap destroyed", func() error { _, err := k.Unwrap(ctx, oldID, wrapped, kek.AAD{Data: aad}); return err }, kek.ErrKeyDestroyed},
		{"destroy again", func() error { return e.m.Destroy(ctx, "acme", oldID, usageMap{}) }, nil},
		{"enable destroyed", func() error { return e.m.Enable(ctx, "acme", oldID) }, kek.ErrKeyDestroyed},
		{"disable destroyed", func() error { return e.m.Disable(ctx, "acme", oldID, usageMap{}) }, kek.ErrKeyDestroyed},
	}
	for _, s := range steps {
		if err := s.run(); !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Fatalf("%s: got %v, want %v", s.name, err, s.want)
		}
	}
	k2, err := e.reopen(t).KEK(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k2.Unwrap(ctx, oldID, wrapped, kek.AAD{Data: aad}); !errors.Is(err, kek.ErrKeyDestroyed) {
		t.Fatalf("unwrap destroyed after reopen: got %v, want kek.ErrKeyDestroyed", err)
	}
	vs, err := e.m.Versions(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[1].KeyID != oldID || vs[1].Status != StatusDestroyed {
		t.Fatalf("versions after destroy = %+v, want %s destroyed last", vs, oldID)
	}
}

func TestUnwrapChecksPrefixAgainstKeyID(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, "acme")
	aad := []byte("aad")
	oldWrapped, oldID, err := k.Wrap(ctx, make([]byte, 32), kek.AAD{Data: aad})
	if err != nil {
		t.Fatal(err)
	}
	e.rotate(t, "acme")
	newWrapped, newID, err := k.Wrap(ctx, make([]byte, 32), kek.AAD{Data: aad})
	if err != nil {
		t.Fatal(err)
	}
	// Give the new ciphertext the old version's prefix: the prefix now
	// matches oldID, but the old key cannot authenticate it.
	forged := append(bytes.Clone(oldWrapped[:tinkPrefixSize]), newWrapped[tinkPrefixSize:]...)
	cases := map[string]struct {
		keyID   string
		wrapped []byte
	}{
		"new ciphertext, old key ID":     {oldID, newWrapped},
		"old ciphertext, new key ID":     {newID, oldWrapped},
		"new ciphertext with old prefix": {oldID, forged},
		"CRUNCHY prefix byte":            {newID, append([]byte{0}, newWrapped[1:]...)},
		"only the prefix":                {newID, newWrapped[:tinkPrefixSize]},
	}
	for name, c := range cases {
		if _, err := k.Unwrap(ctx, c.keyID, c.wrapped, kek.AAD{Data: aad}); !errors.Is(err, kek.ErrUnwrap) {
			t.Errorf("%s: got %v, want kek.ErrUnwrap", name, err)
		}
	}
}

func TestParseVersion(t *testing.T) {
	prefix := keyIDPrefix("acme")
	tests := []struct {
		keyID string
		want  uint32
		ok    bool
	}{
		{"local://acme#v=0", 0, true},
		{"local://acme#v=7", 7, true},
		{"local://acme#v=4294967295", 4294967295, true},
		{"local://acme#v=4294967296", 0, false},
		{"local://acme#v=99999999999", 0, false},
		{"local://acme#v=007", 0, false},
		{"local://acme#v=+7", 0, false},
		{"local://acme#v=-7", 0, false},
		{"local://acme#v=7 ", 0, false},
		{"local://acme#v=", 0, false},
		{"local://acme#v=0x10", 0, false},
		{"local://acme2#v=7", 0, false},
		{"local://acm#v=7", 0, false},
		{"LOCAL://acme#v=7", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseVersion(prefix, tc.keyID)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseVersion(%q) = %d, %v; want %d, %v", tc.keyID, got, ok, tc.want, tc.ok)
		}
	}
}

func TestConcurrentRotateAndUse(t *testing.T) {
	e := newEnv(t)
	k := e.create(t, "acme")
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- wrapUnwrapLoop(k, w, 50)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if _, err := e.m.Rotate(ctx, "acme"); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	vs, err := e.m.Versions(ctx, "acme")
	if err != nil || len(vs) != 6 {
		t.Fatalf("after 5 rotations: %d versions, err %v; want 6", len(vs), err)
	}
}

func wrapUnwrapLoop(k kek.KEK, worker, n int) error {
	for i := range n {
		dek := []byte{byte(worker), byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
		wrapped, keyID, err := k.Wrap(ctx, dek, kek.AAD{Data: dek})
		if err != nil {
			return err
		}
		got, err := k.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: dek})
		if err != nil {
			return err
		}
		if !bytes.Equal(got, dek) {
			return errors.New("unwrap returned other bytes")
		}
	}
	return nil
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	root, err := GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "keys")
	mustOpen(t, dir, root)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("created directory mode %v, want 0700", fi.Mode().Perm())
	}
	if _, err := Open(dir, RootKey{}); !errors.Is(err, ErrInvalidRootKey) {
		t.Fatalf("Open with a zero RootKey: got %v, want ErrInvalidRootKey", err)
	}
}

// env is one Manager with its directory and root key.
type env struct {
	dir  string
	root RootKey
	m    *Manager
}

func newEnv(t testing.TB) *env {
	t.Helper()
	root, err := GenerateRootKey()
	if err != nil {
		t.Fatalf("GenerateRootKey: %v", err)
	}
	e := &env{dir: t.TempDir(), root: root}
	e.m = mustOpen(t, e.dir, root)
	return e
}

func mustOpen(t testing.TB, dir string, root RootKey) *Manager {
	t.Helper()
	m, err := Open(dir, root)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return m
}

// setRecheck sets how often m's KEKs check their keyset file. It applies
// to orgs m has not used yet.
func setRecheck(m *Manager, d time.Duration) { m.recheck = d }

// reopen returns a new Manager over the same directory and root key.
func (e *env) reopen(t testing.TB) *Manager { return mustOpen(t, e.dir, e.root) }

// create makes org and returns its KEK.
func (e *env) create(t testing.TB, org string) kek.KEK {
	t.Helper()
	ctx := context.Background()
	if err := e.m.Create(ctx, org); err != nil {
		t.Fatalf("Create(%q): %v", org, err)
	}
	k, err := e.m.KEK(ctx, org)
	if err != nil {
		t.Fatalf("KEK(%q): %v", org, err)
	}
	return k
}

func (e *env) rotate(t testing.TB, org string) string {
	t.Helper()
	id, err := e.m.Rotate(context.Background(), org)
	if err != nil {
		t.Fatalf("Rotate(%q): %v", org, err)
	}
	return id
}

func (e *env) readFile(t testing.TB, org string) []byte {
	t.Helper()
	data, err := os.ReadFile(keysetPath(e.dir, org))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// usageMap is a UsageCounter over a fixed map.
type usageMap map[string]int64

func (u usageMap) KeyUsage(context.Context, string) (map[string]int64, error) { return u, nil }

// failingUsage is a UsageCounter that always fails.
type failingUsage struct{}

var errUsage = errors.New("store down")

func (failingUsage) KeyUsage(context.Context, string) (map[string]int64, error) { return nil, errUsage }

// kekRegistry remembers which env and org made a KEK, for Reopen.
type kekRegistry struct {
	mu   sync.Mutex
	envs map[kek.KEK]*env
}

func (r *kekRegistry) put(k kek.KEK, e *env) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.envs == nil {
		r.envs = make(map[kek.KEK]*env)
	}
	r.envs[k] = e
}

func (r *kekRegistry) get(k kek.KEK) *env {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.envs[k]
}

// orgUsage is a UsageCounter that filters by org as a real store does.
type orgUsage map[string]map[string]int64

func (u orgUsage) KeyUsage(_ context.Context, org string) (map[string]int64, error) {
	if org != "" {
		return u[org], nil
	}
	all := map[string]int64{}
	for _, m := range u {
		for id, n := range m {
			all[id] += n
		}
	}
	return all, nil
}

// TestDestroyCountsRecordsOfEveryOrg: a resolver may map vault org "acme"
// to keyset "acme-prod"; the records then sit under "acme" and must still
// keep acme-prod's versions from being destroyed.
func TestDestroyCountsRecordsOfEveryOrg(t *testing.T) {
	ctx := context.Background()
	root, _ := GenerateRootKey()
	m, err := Open(t.TempDir(), root)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(ctx, "acme-prod"); err != nil {
		t.Fatal(err)
	}
	k, _ := m.KEK(ctx, "acme-prod")
	old, _ := k.CurrentKeyID(ctx)
	if _, err := m.Rotate(ctx, "acme-prod"); err != nil {
		t.Fatal(err)
	}
	usage := orgUsage{"acme": {old: 1}} // the vault org differs from the keyset's
	if err := m.Destroy(ctx, "acme-prod", old, usage); !errors.Is(err, kek.ErrKeyInUse) {
		t.Fatalf("Destroy of a version a record still uses: %v", err)
	}
	if err := m.Disable(ctx, "acme-prod", old, usage); !errors.Is(err, kek.ErrKeyInUse) {
		t.Fatalf("Disable of a version a record still uses: %v", err)
	}
}
