//go:build darwin || dragonfly || freebsd || illumos || linux || netbsd || openbsd

package local

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// crossProcessLock reports whether lockFile excludes other processes.
const crossProcessLock = true

// nonBlock keeps opening a FIFO or device from blocking (see openRegular).
const nonBlock = syscall.O_NONBLOCK

// lockFile takes an exclusive flock(2) on f, released when f is closed.
// It polls rather than blocks so that ctx can end the wait.
func lockFile(ctx context.Context, f *os.File) error {
	delay := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}
