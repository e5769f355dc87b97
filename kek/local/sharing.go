package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RecheckInterval bounds how long a Manager keeps using a cached keyset
// after another Manager (usually another process) changed its file: the
// first Wrap, Unwrap or CurrentKeyID after the interval checks the file.
// See the package doc, # Several writers.
const RecheckInterval = time.Second

// lockPath returns <dir>/.<org>.keyset.lock. Org names cannot start with a
// dot, so it never collides with a keyset file.
func lockPath(dir, org string) string { return filepath.Join(dir, "."+org+".keyset.lock") }

// lockOrg takes the cross-process lock of org's keyset and returns the
// function that releases it.
func (m *Manager) lockOrg(ctx context.Context, org string) (func(), error) {
	f, err := os.OpenFile(lockPath(m.dir, org), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("local: locking keyset: %w", err)
	}
	if err := lockFile(ctx, f); err != nil {
		f.Close()
		return nil, fmt.Errorf("local: locking keyset: %w", err)
	}
	return func() { _ = f.Close() }, nil // closing releases the lock
}

// current returns the snapshot Wrap and Unwrap use. Once the recheck
// interval has passed (a timer sets stale), one caller checks the file
// first (refresh) and starts the next interval; the others go on with the
// snapshot they have. The hot path costs one atomic load.
func (st *orgState) current() *snapshot {
	if !st.stale.Load() || !st.stale.CompareAndSwap(true, false) {
		return st.snap.Load()
	}
	s := st.refresh()
	st.arm()
	return s
}

// arm starts a recheck interval: stale is set when it ends, so an org that
// is not used keeps no timer. A zero interval (tests) checks every call.
func (st *orgState) arm() {
	if st.m.recheck <= 0 {
		st.stale.Store(true)
		return
	}
	time.AfterFunc(st.m.recheck, func() { st.stale.Store(true) })
}

// refresh reloads org's keyset if its file is no longer the one the
// snapshot was read from (another writer renamed a new file into place)
// and returns the snapshot now in use. It costs one stat when nothing
// changed. On any error it keeps the snapshot it has: a reader never
// fails for a file it could not reread.
func (st *orgState) refresh() *snapshot {
	old := st.snap.Load()
	fi, err := os.Stat(keysetPath(st.m.dir, st.org))
	if err != nil || sameFile(old.file, fi) {
		return old
	}
	s, err := st.m.load(st.org)
	if err != nil {
		return old
	}
	if st.snap.CompareAndSwap(old, s) {
		return s
	}
	return st.snap.Load() // a change of this Manager won; it read the file under the lock
}

// sameFile reports whether a and b describe one file version: same file
// (device and inode), size and modification time. Every write renames a
// new file into place, so each changes the inode, unless the file system
// reuses a freed inode number; size or modification time then still
// differ in all but contrived cases.
func sameFile(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) &&
		a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
