package local

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credvault/credvault/kek"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// A UsageCounter reports how many records of an org each KEK key ID wraps.
// vault.Store satisfies it. Disable and Destroy consult it so a version is
// never retired while a record needs it.
type UsageCounter interface {
	KeyUsage(ctx context.Context, org string) (map[string]int64, error)
}

// A Manager keeps one encrypted Tink keyset per org in a directory and hands
// out a kek.KEK per org. It is safe for concurrent use. Make one with Open;
// the zero Manager is not usable.
//
// A Manager caches each keyset after first use. Other Managers, in this
// process or others (the credvault CLI beside a service), may share the
// directory: changes are locked and made to the file as it is on disk, and
// a running Manager picks up the changes of others as the package doc
// (# Several writers) describes.
type Manager struct {
	dir     string
	root    tink.AEAD
	recheck time.Duration // RecheckInterval; tests change it before first use

	mu   sync.Mutex // serializes first loads and creates
	orgs sync.Map   // org name -> *orgState; entries are added, never replaced
}

// orgState is the live state of one org: mutations take mu and the org's
// file lock, Wrap and Unwrap only load snap (see current).
type orgState struct {
	m    *Manager
	org  string
	mu   sync.Mutex
	snap atomic.Pointer[snapshot]
	// stale is set when the recheck interval has passed (see current).
	stale atomic.Bool
	kek   *orgKEK
}

// Open returns a Manager for the keysets in dir, creating dir with mode 0700
// if it does not exist. Keysets are read lazily; a wrong root key shows up
// as ErrBadRootKey on first use of an org.
func Open(dir string, root RootKey) (*Manager, error) {
	if !root.valid() {
		return nil, fmt.Errorf("%w: zero RootKey", ErrInvalidRootKey)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("local: opening keyset directory: %w", err)
	}
	a, err := subtle.NewAESGCM(root.b[:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRootKey, err)
	}
	m := &Manager{dir: dir, root: a, recheck: RecheckInterval}
	m.removeStaleTemps()
	return m, nil
}

// removeStaleTemps removes, as far as it can, the temporary keyset files
// a crashed writer left in the directory: those of every org whose lock
// is free now (a busy org's writer removes them itself: see
// writeFileAtomic), and those of earlier releases, which were written
// without a per-org name. It never fails Open: a directory this process
// cannot write (a read-only mount that only serves keysets) keeps them
// until a writer of the org runs.
func (m *Manager) removeStaleTemps() {
	entries, err := os.ReadDir(m.dir)
	if err != nil {
		return
	}
	done := map[string]bool{}
	for _, e := range entries {
		org, ok := tempOrg(e.Name())
		if !ok || done[org] {
			continue
		}
		done[org] = true
		if org == "" {
			_ = removeTemps(m.dir, "")
			continue
		}
		m.withFreeLock(org, func() { _ = removeTemps(m.dir, org) })
	}
}

// withFreeLock runs fn holding org's lock if it can take the lock now;
// otherwise (busy, or a directory it cannot write) it does nothing.
func (m *Manager) withFreeLock(org string, fn func()) {
	now, cancel := context.WithCancel(context.Background())
	cancel() // lockOrg tries once before it waits for the context
	unlock, err := m.lockOrg(now, org)
	if err != nil {
		return
	}
	defer unlock()
	fn()
}

// Create makes a keyset for org holding one fresh AES-256-GCM primary key.
// It fails with ErrExists if the org has one already and with a
// *kek.NameError (kek.ErrInvalidName) for a name kek.ValidateOrg refuses.
func (m *Manager) Create(ctx context.Context, org string) error {
	if err := checkCall(ctx, org); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.orgs.Load(org); ok {
		return ErrExists
	}
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return fmt.Errorf("local: generating keyset: %w", err)
	}
	s, err := newSnapshot(org, h, nil)
	if err != nil {
		return err
	}
	unlock, err := m.lockOrg(ctx, org)
	if err != nil {
		return err
	}
	defer unlock()
	if err := m.saveLocked(s, false); err != nil {
		return err
	}
	m.orgs.Store(org, m.newOrgState(org, s))
	return nil
}

// KEK returns the KEK of org. It reports kek.ErrKeyNotFound when the org
// has no keyset. The KEK follows later rotations: after Rotate its
// CurrentKeyID is the new primary. Manager thereby satisfies a resolver
// interface { KEK(ctx, org) (kek.KEK, error) }.
func (m *Manager) KEK(ctx context.Context, org string) (kek.KEK, error) {
	st, err := m.state(ctx, org)
	if err != nil {
		return nil, err
	}
	return st.kek, nil
}

// Rotate adds a fresh AES-256-GCM key to org's keyset, makes it the primary
// and returns its key ID. Older versions stay enabled so existing records
// keep opening; rewrap them, then Disable or Destroy the old versions.
func (m *Manager) Rotate(ctx context.Context, org string) (string, error) {
	var newID uint32
	err := m.mutate(ctx, org, func(km *keyset.Manager, s *snapshot) ([]uint32, error) {
		id, err := addFreshKey(km, s)
		if err != nil {
			return nil, err
		}
		newID = id
		return s.destroyed, km.SetPrimary(id)
	})
	if err != nil {
		return "", err
	}
	return formatKeyID(org, newID), nil
}

// addFreshKey adds a key whose ID was never used in this keyset, destroyed
// versions included, so a destroyed version's records can never meet a new
// key under the same ID.
func addFreshKey(km *keyset.Manager, s *snapshot) (uint32, error) {
	for {
		id, err := km.Add(aead.AES256GCMKeyTemplate())
		if err != nil {
			return 0, fmt.Errorf("local: adding key: %w", err)
		}
		if _, used := slices.BinarySearch(s.destroyed, id); !used {
			return id, nil
		}
		if err := km.Delete(id); err != nil {
			return 0, fmt.Errorf("local: adding key: %w", err)
		}
	}
}

// Versions lists org's key versions in creation order, destroyed ones last,
// as the keyset file holds them now (changes by other writers included).
func (m *Manager) Versions(ctx context.Context, org string) ([]Version, error) {
	st, err := m.state(ctx, org)
	if err != nil {
		return nil, err
	}
	return st.refresh().list(), nil
}

// A DisableOption changes how Disable checks usage.
type DisableOption func(*disableConfig)

type disableConfig struct{ force bool }

// EvenIfInUse lets Disable proceed while records still use the version, for
// an emergency stop of a suspect key: those records fail with
// kek.ErrKeyDisabled until the version is enabled again.
func EvenIfInUse() DisableOption { return func(c *disableConfig) { c.force = true } }

// Disable stops a version from unwrapping (kek.ErrKeyDisabled) while keeping
// its key material, so Enable can undo it. It refuses the primary
// (ErrPrimaryKey) and, unless EvenIfInUse is given, a version that usage
// reports records for (kek.ErrKeyInUse). Disabling a disabled version is a
// no-op.
func (m *Manager) Disable(ctx context.Context, org, keyID string, usage UsageCounter, opts ...DisableOption) error {
	var cfg disableConfig
	for _, o := range opts {
		o(&cfg)
	}
	return m.mutate(ctx, org, func(km *keyset.Manager, s *snapshot) ([]uint32, error) {
		id, v, err := retirable(s, keyID)
		switch {
		case err != nil:
			return nil, err
		case v.status == StatusDisabled:
			return nil, errNoChange
		case v.status == StatusDestroyed:
			return nil, fmt.Errorf("%w: %s", kek.ErrKeyDestroyed, keyID)
		}
		if !cfg.force {
			if err := checkUnused(ctx, usage, keyID); err != nil {
				return nil, err
			}
		}
		return s.destroyed, km.Disable(id)
	})
}

// Enable lets a disabled version unwrap again. Enabling an enabled version
// is a no-op; a destroyed one reports kek.ErrKeyDestroyed.
func (m *Manager) Enable(ctx context.Context, org, keyID string) error {
	return m.mutate(ctx, org, func(km *keyset.Manager, s *snapshot) ([]uint32, error) {
		id, v, err := s.lookup(keyID)
		switch {
		case err != nil:
			return nil, fmt.Errorf("%w: %s", err, clipKeyID(keyID))
		case v.status == StatusDestroyed:
			return nil, fmt.Errorf("%w: %s", kek.ErrKeyDestroyed, keyID)
		case v.status == StatusEnabled:
			return nil, errNoChange
		}
		return s.destroyed, km.Enable(id)
	})
}

// Destroy deletes a version's key material from the keyset for good: DEKs
// it wrapped can never be unwrapped again (kek.ErrKeyDestroyed). It refuses
// the primary (ErrPrimaryKey) and any version usage reports records for
// (kek.ErrKeyInUse). Destroying a destroyed version is a no-op.
//
// Records wrapped by a version just before a rotation may reach the store
// after Destroy counted usage; wait out in-flight writes after a rotation
// (or Disable first and watch for kek.ErrKeyDisabled) before destroying.
// A Manager in another process (a service) may keep wrapping under the
// old primary for up to RecheckInterval after a rotation made here, so
// wait at least that long too.
func (m *Manager) Destroy(ctx context.Context, org, keyID string, usage UsageCounter) error {
	return m.mutate(ctx, org, func(km *keyset.Manager, s *snapshot) ([]uint32, error) {
		id, v, err := retirable(s, keyID)
		switch {
		case err != nil:
			return nil, err
		case v.status == StatusDestroyed:
			return nil, errNoChange
		}
		if err := checkUnused(ctx, usage, keyID); err != nil {
			return nil, err
		}
		if err := km.Delete(id); err != nil {
			return nil, fmt.Errorf("local: deleting key: %w", err)
		}
		return withDestroyed(s.destroyed, id), nil
	})
}

// retirable finds the version keyID names and refuses the primary.
func retirable(s *snapshot, keyID string) (uint32, version, error) {
	id, v, err := s.lookup(keyID)
	if err != nil {
		return 0, version{}, fmt.Errorf("%w: %s", err, clipKeyID(keyID))
	}
	if v.primary {
		return 0, version{}, fmt.Errorf("%w: %s", ErrPrimaryKey, keyID)
	}
	return id, v, nil
}

func checkUnused(ctx context.Context, usage UsageCounter, keyID string) error {
	if usage == nil {
		return fmt.Errorf("%w: a UsageCounter is required", kek.ErrInvalidInput)
	}
	// Count across every org: a resolver may map a vault org to a keyset of
	// another name (acme -> acme-prod), so the records wrapped by this
	// keyset's versions need not sit under its own org name. Key IDs name
	// the keyset org, so the count is still exact.
	counts, err := usage.KeyUsage(ctx, "")
	if err != nil {
		return fmt.Errorf("local: counting key usage: %w", err)
	}
	if n := counts[keyID]; n > 0 {
		return fmt.Errorf("%w: %s wraps %d records", kek.ErrKeyInUse, keyID, n)
	}
	return nil
}

// errNoChange tells mutate that the keyset already is as asked.
var errNoChange = errors.New("local: no change")

// mutate applies change to org's keyset as the file holds it now, not as
// cached, while holding org's lock in this process (st.mu) and across
// processes (lockOrg); it then writes the result and publishes the new
// snapshot. change returns the destroyed list of the new keyset, or
// errNoChange to leave it as is.
func (m *Manager) mutate(ctx context.Context, org string, change func(*keyset.Manager, *snapshot) ([]uint32, error)) error {
	st, err := m.state(ctx, org)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	unlock, err := m.lockOrg(ctx, org)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := m.load(org)
	if err != nil {
		return err
	}
	st.snap.Store(cur) // the newest state, whatever change decides
	km := keyset.NewManagerFromHandle(cur.handle)
	destroyed, err := change(km, cur)
	if errors.Is(err, errNoChange) {
		return nil
	}
	if err != nil {
		return err
	}
	return m.publish(st, km, org, destroyed)
}

func (m *Manager) publish(st *orgState, km *keyset.Manager, org string, destroyed []uint32) error {
	h, err := km.Handle()
	if err != nil {
		return fmt.Errorf("local: building keyset: %w", err)
	}
	s, err := newSnapshot(org, h, destroyed)
	if err != nil {
		return err
	}
	if err := m.saveLocked(s, true); err != nil {
		return err
	}
	st.snap.Store(s)
	return nil
}

// saveLocked writes s to its file and records the written file in
// s.file, before s is published. The caller holds the org's lock, so it
// first removes the temporary files a crashed writer of the org left:
// they may hold versions that Destroy removed since.
func (m *Manager) saveLocked(s *snapshot, replace bool) error {
	if err := removeTemps(m.dir, s.org); err != nil {
		return err
	}
	data, err := encodeKeyset(s, m.root)
	if err != nil {
		return err
	}
	s.file, err = writeFileAtomic(m.dir, s.org, data, replace)
	return err
}

// state returns the cached state of org, loading its file on first use.
func (m *Manager) state(ctx context.Context, org string) (*orgState, error) {
	if err := checkCall(ctx, org); err != nil {
		return nil, err
	}
	if st, ok := m.orgs.Load(org); ok { // the hot path: no lock
		return st.(*orgState), nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if st, ok := m.orgs.Load(org); ok {
		return st.(*orgState), nil
	}
	s, err := m.load(org)
	if err != nil {
		return nil, err
	}
	st := m.newOrgState(org, s)
	m.orgs.Store(org, st)
	return st, nil
}

// load reads and decrypts org's keyset file as it is now.
func (m *Manager) load(org string) (*snapshot, error) {
	data, fi, err := readKeysetFile(keysetPath(m.dir, org))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: no keyset for org %s", kek.ErrKeyNotFound, org)
	case errors.Is(err, errNotRegular):
		return nil, fmt.Errorf("%w: keyset of org %s is not a regular file", ErrBadKeyset, org)
	case err != nil:
		return nil, fmt.Errorf("local: reading keyset: %w", err)
	}
	s, err := decodeKeyset(data, org, m.root)
	if err != nil {
		return nil, err
	}
	s.file = fi
	return s, nil
}

func (m *Manager) newOrgState(org string, s *snapshot) *orgState {
	st := &orgState{m: m, org: org}
	st.snap.Store(s)
	st.arm()
	st.kek = &orgKEK{st: st}
	return st
}

func checkCall(ctx context.Context, org string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return kek.ValidateOrg(org)
}
