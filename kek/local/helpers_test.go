package local

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/credvault/credvault/kek"
)

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
