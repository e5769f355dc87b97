package local

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"

	"golang.org/x/crypto/argon2"
)

// RootKeySize is the size of a root key in bytes (AES-256).
const RootKeySize = 32

// maxRootKeyFileSize caps what RootKeyFromFile reads: 32 raw bytes or their
// base64 text with some whitespace fit easily.
const maxRootKeyFileSize = 1024

// Argon2id parameters used by RootKeyFromPassphrase. They follow the second
// recommended option of RFC 9106 section 4 (t=3, 64 MiB), with two lanes to
// suit small hosts. Changing them changes every derived key, so they are
// fixed for the v1 keyset format.
const (
	// Argon2Time is the number of Argon2id passes.
	Argon2Time = 3
	// Argon2MemoryKiB is the Argon2id memory cost in KiB (64 MiB).
	Argon2MemoryKiB = 64 * 1024
	// Argon2Threads is the Argon2id parallelism.
	Argon2Threads = 2
	// MinSaltSize is the shortest salt RootKeyFromPassphrase accepts.
	MinSaltSize = 16
)

const redactedRootKey = "local.RootKey(REDACTED)"

// A RootKey is the 256-bit key that encrypts every org keyset at rest.
//
// Its bytes are unexported and never printed: String, GoString, Format (all
// verbs), MarshalText and LogValue all give a fixed redaction. The zero
// RootKey is invalid. Copying a RootKey copies the key; Go cannot guarantee
// that copies are wiped from memory.
type RootKey struct {
	b *[RootKeySize]byte
}

// GenerateRootKey returns a fresh random root key.
func GenerateRootKey() (RootKey, error) {
	var b [RootKeySize]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		return RootKey{}, fmt.Errorf("%w: reading randomness: %w", ErrInvalidRootKey, err)
	}
	return RootKey{b: &b}, nil
}

// RootKeyFromBytes copies a 32-byte root key. Prefer the file, environment
// or passphrase loaders; this one exists for keys fetched from elsewhere
// (a secret manager).
func RootKeyFromBytes(b []byte) (RootKey, error) {
	if len(b) != RootKeySize {
		return RootKey{}, fmt.Errorf("%w: got %d bytes, want %d", ErrInvalidRootKey, len(b), RootKeySize)
	}
	var k [RootKeySize]byte
	copy(k[:], b)
	return RootKey{b: &k}, nil
}

// RootKeyFromFile reads a root key from path: either exactly 32 raw bytes or
// the standard base64 encoding of 32 bytes (surrounding whitespace allowed).
// A 32-byte file made only of printable ASCII is taken as text, not as a raw
// key, so a typed password is refused rather than used as a weak key.
//
// The file must be a regular file; a FIFO or device is refused at once,
// never waited on. On Unix-like systems it must grant no access to group
// or others (0600 or 0400); otherwise the error is a *FileModeError
// matching ErrInsecureFile. Other problems match ErrInvalidRootKey.
func RootKeyFromFile(path string) (RootKey, error) {
	f, fi, err := openRegular(path)
	if errors.Is(err, errNotRegular) {
		return RootKey{}, fmt.Errorf("%w: %s is not a regular file", ErrInvalidRootKey, path)
	}
	if err != nil {
		return RootKey{}, fmt.Errorf("%w: %w", ErrInvalidRootKey, err)
	}
	defer f.Close()
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return RootKey{}, &FileModeError{Path: path, Mode: fi.Mode()}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxRootKeyFileSize+1))
	if err != nil {
		return RootKey{}, fmt.Errorf("%w: reading %s: %w", ErrInvalidRootKey, path, err)
	}
	defer clear(data)
	if len(data) > maxRootKeyFileSize {
		return RootKey{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrInvalidRootKey, path, maxRootKeyFileSize)
	}
	if len(data) == RootKeySize && !printable(data) {
		return RootKeyFromBytes(data)
	}
	return rootKeyFromBase64(data)
}

// printable reports whether b is all printable ASCII or whitespace. A random
// 32-byte key is so with probability below 2^-45, while a 32-character
// password or base64 text always is: such a file is read as base64 (and
// then refused for its length), never as a weak raw key.
func printable(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

// RootKeyFromEnv reads the standard base64 encoding of a 32-byte root key
// from the environment variable name.
func RootKeyFromEnv(name string) (RootKey, error) {
	v, ok := os.LookupEnv(name)
	if !ok {
		return RootKey{}, fmt.Errorf("%w: environment variable %s is not set", ErrInvalidRootKey, name)
	}
	return rootKeyFromBase64([]byte(v))
}

func rootKeyFromBase64(text []byte) (RootKey, error) {
	text = bytes.TrimSpace(text)
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(text)))
	defer clear(buf)
	n, err := base64.StdEncoding.Decode(buf, text)
	if err != nil {
		// The base64 error reports an offset only, never the content.
		return RootKey{}, fmt.Errorf("%w: not 32 raw bytes nor valid base64", ErrInvalidRootKey)
	}
	return RootKeyFromBytes(buf[:n])
}

// RootKeyFromPassphrase derives a root key from a passphrase with Argon2id
// (Argon2Time passes, Argon2MemoryKiB of memory, Argon2Threads lanes). The
// salt must be at least MinSaltSize random bytes, stored next to the
// keysets and reused for every derivation: the same passphrase and salt give
// the same key, another salt gives another key.
func RootKeyFromPassphrase(passphrase, salt []byte) (RootKey, error) {
	if len(passphrase) == 0 {
		return RootKey{}, fmt.Errorf("%w: empty passphrase", ErrInvalidRootKey)
	}
	if len(salt) < MinSaltSize {
		return RootKey{}, fmt.Errorf("%w: salt is %d bytes, want at least %d", ErrInvalidRootKey, len(salt), MinSaltSize)
	}
	k := argon2.IDKey(passphrase, salt, Argon2Time, Argon2MemoryKiB, Argon2Threads, RootKeySize)
	defer clear(k)
	return RootKeyFromBytes(k)
}

// WriteRootKeyFile writes k, base64-encoded, to a new file at path with mode
// 0600. It refuses to overwrite an existing file. This exports key material:
// keep calls to it few and visible.
func WriteRootKeyFile(path string, k RootKey) error {
	if !k.valid() {
		return fmt.Errorf("%w: zero RootKey", ErrInvalidRootKey)
	}
	text := make([]byte, base64.StdEncoding.EncodedLen(RootKeySize), base64.StdEncoding.EncodedLen(RootKeySize)+1)
	defer clear(text)
	base64.StdEncoding.Encode(text, k.b[:])
	text = append(text, '\n')
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("local: writing root key file: %w", err)
	}
	if _, err := f.Write(text); err != nil {
		f.Close()
		return fmt.Errorf("local: writing root key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("local: writing root key file: %w", err)
	}
	return f.Close()
}

func (k RootKey) valid() bool { return k.b != nil }

// String returns a fixed redaction.
func (k RootKey) String() string { return redactedRootKey }

// GoString returns a fixed redaction.
func (k RootKey) GoString() string { return redactedRootKey }

// Format prints a fixed redaction for every verb.
func (k RootKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redactedRootKey) }

// MarshalText returns a fixed redaction, so encoders never see the key.
func (k RootKey) MarshalText() ([]byte, error) { return []byte(redactedRootKey), nil }

// LogValue returns a fixed redaction for log/slog.
func (k RootKey) LogValue() slog.Value { return slog.StringValue(redactedRootKey) }
