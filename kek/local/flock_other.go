//go:build !(darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd)

package local

import (
	"context"
	"os"
)

// crossProcessLock reports whether lockFile excludes other processes: not
// on this system, which lacks flock(2). Changes are then serialized only
// within one Manager (see the package doc, # Several writers).
const crossProcessLock = false

// nonBlock is 0: this system has no FIFOs that block an open.
const nonBlock = 0

// lockFile does nothing on this system.
func lockFile(context.Context, *os.File) error { return nil }
