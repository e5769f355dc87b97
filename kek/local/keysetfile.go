package local

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/credvault/credvault/kek"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// fileFormat names the keyset file format.
const fileFormat = "credvault-local-keyset/v1"

// maxKeysetFileSize caps a keyset file read from disk. An AES-256-GCM key
// takes about 200 bytes of JSON, so this allows thousands of versions.
const maxKeysetFileSize = 1 << 20

// maxDestroyed caps the list of destroyed versions in one file.
const maxDestroyed = 100_000

// keysetFile is the JSON document stored at <dir>/<org>.keyset.json.
type keysetFile struct {
	Format    string          `json:"format"`
	Org       string          `json:"org"`
	Destroyed []uint32        `json:"destroyed,omitempty"`
	Keyset    json.RawMessage `json:"keyset"`
}

// associatedData binds an encrypted keyset to its org and to its list of
// destroyed versions: "credvault/keyset/v1/<org>" NUL "destroyed=" and the
// decimal versions joined by commas. Org names hold no NUL, so the encoding
// is unambiguous.
func associatedData(org string, destroyed []uint32) []byte {
	ad := make([]byte, 0, 64+11*len(destroyed))
	ad = append(ad, "credvault/keyset/v1/"...)
	ad = append(ad, org...)
	ad = append(ad, "\x00destroyed="...)
	for i, id := range destroyed {
		if i > 0 {
			ad = append(ad, ',')
		}
		ad = strconv.AppendUint(ad, uint64(id), 10)
	}
	return ad
}

// encodeKeyset encrypts s under root and returns the file content.
func encodeKeyset(s *snapshot, root tink.AEAD) ([]byte, error) {
	var ks bytes.Buffer
	if err := s.handle.WriteWithAssociatedData(keyset.NewJSONWriter(&ks), root, associatedData(s.org, s.destroyed)); err != nil {
		return nil, fmt.Errorf("local: encrypting keyset: %w", err)
	}
	out, err := json.MarshalIndent(keysetFile{Format: fileFormat, Org: s.org, Destroyed: s.destroyed, Keyset: ks.Bytes()}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("local: encoding keyset file: %w", err)
	}
	return append(out, '\n'), nil
}

// decodeKeyset parses and decrypts the keyset file content of org. Errors
// match ErrBadKeyset (malformed) or ErrBadRootKey (does not decrypt).
func decodeKeyset(data []byte, org string, root tink.AEAD) (*snapshot, error) {
	f, err := parseKeysetFile(data, org)
	if err != nil {
		return nil, err
	}
	rec := &recordingAEAD{AEAD: root}
	h, err := keyset.ReadWithAssociatedData(keyset.NewJSONReader(bytes.NewReader(f.Keyset)), rec, associatedData(org, f.Destroyed))
	switch {
	case rec.failed:
		return nil, ErrBadRootKey
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrBadKeyset, err)
	}
	return newSnapshot(org, h, f.Destroyed)
}

func parseKeysetFile(data []byte, org string) (*keysetFile, error) {
	if len(data) > maxKeysetFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadKeyset, maxKeysetFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f keysetFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadKeyset, err)
	}
	switch {
	case dec.More():
		return nil, fmt.Errorf("%w: trailing data", ErrBadKeyset)
	case f.Format != fileFormat:
		return nil, fmt.Errorf("%w: unknown format", ErrBadKeyset)
	case f.Org != org:
		return nil, fmt.Errorf("%w: file belongs to another org", ErrBadKeyset)
	case len(f.Destroyed) > maxDestroyed:
		return nil, fmt.Errorf("%w: too many destroyed versions", ErrBadKeyset)
	case len(f.Keyset) == 0:
		return nil, fmt.Errorf("%w: no keyset", ErrBadKeyset)
	}
	return &f, nil
}

// recordingAEAD records whether decrypting the keyset failed, so a wrong
// root key is told apart from a malformed file.
type recordingAEAD struct {
	tink.AEAD
	failed bool
}

// Decrypt implements tink.AEAD.
func (r *recordingAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	pt, err := r.AEAD.Decrypt(ciphertext, associatedData)
	r.failed = err != nil
	return pt, err
}

// keysetPath returns <dir>/<org>.keyset.json; org must be valid.
func keysetPath(dir, org string) string { return filepath.Join(dir, org+".keyset.json") }

// errNotRegular reports a path that is not a regular file.
var errNotRegular = errors.New("not a regular file")

// openRegular opens path for reading if it is a regular file, and returns
// its status. A FIFO or device is refused without blocking: by the Stat
// before the open, and, should the path change in between, by O_NONBLOCK
// (where the system has FIFOs) and the Stat of what was opened.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err == nil && !fi.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		return nil, nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, nil, err
	}
	if fi, err = f.Stat(); err == nil && !fi.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// readKeysetFile reads the keyset file at path, capped one byte past
// maxKeysetFileSize so parseKeysetFile can tell it is too large.
func readKeysetFile(path string) ([]byte, os.FileInfo, error) {
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeysetFileSize+1))
	return data, fi, err
}

// writeFileAtomic writes data to org's keyset file in dir through a
// synced 0600 temporary file in the same directory (tempPattern) and
// returns the written file's status. With replace false it fails with
// ErrExists when the file exists (hard link, which never replaces);
// otherwise it renames. The caller holds org's lock. The temporary file
// is removed on every error; one a crash leaves behind is removed under
// the lock by the org's next writer, or by the next Open (removeTemps).
func writeFileAtomic(dir, org string, data []byte, replace bool) (os.FileInfo, error) {
	tmp, err := os.CreateTemp(dir, tempPattern(org))
	if err != nil {
		return nil, fmt.Errorf("local: writing keyset: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // no-op after a rename
	path := keysetPath(dir, org)
	fi, err := writeAndSync(tmp, data)
	if err != nil {
		return nil, err
	}
	if err := install(tmp.Name(), path, replace); err != nil {
		return nil, err
	}
	return fi, syncDir(dir)
}

// writeAndSync writes, syncs and closes f, returning its status (a rename
// or link keeps inode, size and modification time).
func writeAndSync(f *os.File, data []byte) (os.FileInfo, error) {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	var fi os.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("local: writing keyset: %w", err)
	}
	return fi, nil
}

func install(tmp, path string, replace bool) error {
	if replace {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("local: installing keyset: %w", err)
		}
		return nil
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return ErrExists
		}
		return fmt.Errorf("local: installing keyset: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("local: syncing keyset directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("local: syncing keyset directory: %w", err)
	}
	return nil
}

// tempPattern is the os.CreateTemp pattern of org's temporary keyset
// files: .<org>.keyset~<random>.tmp. Org names cannot hold '~', so the
// part before it names one org.
func tempPattern(org string) string { return "." + org + ".keyset~*.tmp" }

// legacyTempPrefix begins the temporary files of earlier releases,
// .keyset-<random>.tmp, which name no org.
const legacyTempPrefix = ".keyset-"

// tempOrg returns the org whose temporary keyset file name is, and
// whether name is one: legacy ones return "" and true.
func tempOrg(name string) (string, bool) {
	if !strings.HasSuffix(name, ".tmp") || !strings.HasPrefix(name, ".") {
		return "", false
	}
	if strings.HasPrefix(name, legacyTempPrefix) {
		return "", true
	}
	org, _, ok := strings.Cut(name[1:], ".keyset~")
	return org, ok && kek.ValidateOrg(org) == nil
}

// removeTemps removes the temporary keyset files in dir of org, or with
// org "" the legacy ones. A temporary file is never valid: it is either a
// writer's, between its creation and its rename, or a crashed writer's,
// and it may hold key versions that Destroy has removed since. So it is
// removed only under org's lock, when no writer of org is running.
func removeTemps(dir, org string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("local: cleaning keyset directory: %w", err)
	}
	for _, e := range entries {
		if o, ok := tempOrg(e.Name()); ok && o == org {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("local: cleaning keyset directory: %w", err)
			}
		}
	}
	return nil
}
