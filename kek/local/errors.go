package local

import (
	"errors"
	"fmt"
	"io/fs"
)

// Errors reported by this package in addition to the kek sentinels
// (kek.ErrKeyNotFound, kek.ErrKeyDisabled, kek.ErrKeyDestroyed,
// kek.ErrKeyInUse, kek.ErrUnwrap, kek.ErrInvalidInput, and kek.ErrInvalidName
// for an org name kek.ValidateOrg refuses). None of them carries key
// material.
var (
	// ErrInvalidRootKey: a root key could not be loaded or derived (wrong
	// length, bad encoding, unset variable, short salt, empty passphrase),
	// or a zero RootKey was used.
	ErrInvalidRootKey = errors.New("local: invalid root key")
	// ErrInsecureFile: a root key file is readable or writable by group or
	// others. The concrete error is a *FileModeError.
	ErrInsecureFile = errors.New("local: root key file permissions too open")
	// ErrBadRootKey: a keyset did not decrypt under the root key. Either the
	// root key is wrong or the file was altered: its destroyed list edited,
	// or its org field rewritten to pass another org's file off as this
	// one's (the org is bound as associated data).
	ErrBadRootKey = errors.New("local: keyset does not decrypt under the root key")
	// ErrBadKeyset: a keyset file is malformed, oversize, not a regular
	// file, names another org, or holds keys this package does not use
	// (anything but AES-256-GCM with the TINK prefix).
	ErrBadKeyset = errors.New("local: malformed keyset file")
	// ErrExists: Create found a keyset for the org already.
	ErrExists = errors.New("local: org keyset already exists")
	// ErrPrimaryKey: the primary key version cannot be disabled or destroyed;
	// rotate first.
	ErrPrimaryKey = errors.New("local: operation not allowed on the primary key version")
)

// A FileModeError reports a root key file whose permission bits grant access
// to group or others. It matches ErrInsecureFile under errors.Is.
type FileModeError struct {
	// Path is the file that was refused.
	Path string
	// Mode is the file's mode as reported by the file system.
	Mode fs.FileMode
}

// Error implements error. It names the path and mode, never the content.
func (e *FileModeError) Error() string {
	return fmt.Sprintf("local: root key file %s has mode %v; want no group/other access (0600 or 0400)", e.Path, e.Mode.Perm())
}

// Unwrap returns ErrInsecureFile.
func (e *FileModeError) Unwrap() error { return ErrInsecureFile }
