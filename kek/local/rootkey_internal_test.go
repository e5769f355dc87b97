package local

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var testKeyBytes = bytes.Repeat([]byte{0xA7}, RootKeySize)

func writeKeyFile(t *testing.T, content []byte, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "root.key")
	if err := os.WriteFile(path, content, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	return path
}

func TestRootKeyFromFile(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString(testKeyBytes)
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		want    error
	}{
		{"raw 0600", testKeyBytes, 0o600, nil},
		{"raw 0400", testKeyBytes, 0o400, nil},
		{"base64", []byte(b64), 0o600, nil},
		{"base64 with newline", []byte(b64 + "\n"), 0o600, nil},
		{"group readable", testKeyBytes, 0o640, ErrInsecureFile},
		{"world readable", []byte(b64), 0o644, ErrInsecureFile},
		{"group writable", testKeyBytes, 0o620, ErrInsecureFile},
		{"short raw", testKeyBytes[:31], 0o600, ErrInvalidRootKey},
		{"short base64", []byte(base64.StdEncoding.EncodeToString(testKeyBytes[:24])), 0o600, ErrInvalidRootKey},
		{"32-character password", []byte("correct horse battery staple 123"), 0o600, ErrInvalidRootKey},
		{"not base64", []byte(strings.Repeat("!", 44)), 0o600, ErrInvalidRootKey},
		{"empty", nil, 0o600, ErrInvalidRootKey},
		{"oversize", bytes.Repeat([]byte("A"), maxRootKeyFileSize+1), 0o600, ErrInvalidRootKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := RootKeyFromFile(writeKeyFile(t, tc.content, tc.mode))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("got %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k.b[:], testKeyBytes) {
				t.Fatal("loaded key differs from the file's key")
			}
		})
	}
}

func TestRootKeyFileModeError(t *testing.T) {
	path := writeKeyFile(t, testKeyBytes, 0o644)
	_, err := RootKeyFromFile(path)
	var fme *FileModeError
	if !errors.As(err, &fme) {
		t.Fatalf("got %T %v, want *FileModeError", err, err)
	}
	if fme.Path != path || fme.Mode.Perm() != 0o644 {
		t.Fatalf("FileModeError = %+v, want path %s mode 0644", fme, path)
	}
}

func TestRootKeyFromFileNotRegular(t *testing.T) {
	for name, path := range map[string]string{"missing": filepath.Join(t.TempDir(), "nope"), "directory": t.TempDir()} {
		if _, err := RootKeyFromFile(path); !errors.Is(err, ErrInvalidRootKey) {
			t.Errorf("%s: got %v, want ErrInvalidRootKey", name, err)
		}
	}
}

func TestRootKeyFromEnv(t *testing.T) {
	tests := []struct {
		name  string
		value *string
		want  error
	}{
		{"valid", ptr(base64.StdEncoding.EncodeToString(testKeyBytes)), nil},
		{"unset", nil, ErrInvalidRootKey},
		{"empty", ptr(""), ErrInvalidRootKey},
		{"short", ptr(base64.StdEncoding.EncodeToString(testKeyBytes[:16])), ErrInvalidRootKey},
		{"hex", ptr(hex.EncodeToString(testKeyBytes)), ErrInvalidRootKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const name = "CREDVAULT_TEST_ROOT_KEY"
			if tc.value != nil {
				t.Setenv(name, *tc.value)
			} else {
				t.Setenv(name, "")
				os.Unsetenv(name)
			}
			k, err := RootKeyFromEnv(name)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if tc.want == nil && !bytes.Equal(k.b[:], testKeyBytes) {
				t.Fatal("loaded key differs")
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestRootKeyFromPassphrase(t *testing.T) {
	salt := []byte("0123456789abcdef")
	derive := func(pass, salt string) RootKey {
		t.Helper()
		k, err := RootKeyFromPassphrase([]byte(pass), []byte(salt))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	a := derive("correct horse", string(salt))
	if b := derive("correct horse", string(salt)); *a.b != *b.b {
		t.Error("same passphrase and salt gave different keys")
	}
	if c := derive("correct horse", "fedcba9876543210"); *a.b == *c.b {
		t.Error("another salt gave the same key")
	}
	if d := derive("correct horsf", string(salt)); *a.b == *d.b {
		t.Error("another passphrase gave the same key")
	}
	bad := map[string][2][]byte{
		"empty passphrase": {nil, salt},
		"short salt":       {[]byte("pass"), salt[:MinSaltSize-1]},
	}
	for name, in := range bad {
		if _, err := RootKeyFromPassphrase(in[0], in[1]); !errors.Is(err, ErrInvalidRootKey) {
			t.Errorf("%s: got %v, want ErrInvalidRootKey", name, err)
		}
	}
}

func TestRootKeyFromBytes(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := RootKeyFromBytes(make([]byte, n)); !errors.Is(err, ErrInvalidRootKey) {
			t.Errorf("%d bytes: got %v, want ErrInvalidRootKey", n, err)
		}
	}
	src := bytes.Clone(testKeyBytes)
	k, err := RootKeyFromBytes(src)
	if err != nil {
		t.Fatal(err)
	}
	src[0] ^= 1
	if !bytes.Equal(k.b[:], testKeyBytes) {
		t.Fatal("RootKeyFromBytes kept a reference to the caller's slice")
	}
}

func TestGenerateRootKey(t *testing.T) {
	a, err := GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	if *a.b == *b.b {
		t.Fatal("two generated root keys are equal")
	}
}

func TestWriteRootKeyFile(t *testing.T) {
	k, err := RootKeyFromBytes(testKeyBytes)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "root.key")
	if err := WriteRootKeyFile(path, k); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("root key file mode %v, err %v; want 0600", fi.Mode().Perm(), err)
	}
	got, err := RootKeyFromFile(path)
	if err != nil || *got.b != *k.b {
		t.Fatalf("reloading the written key: err %v, equal %v", err, err == nil && *got.b == *k.b)
	}
	if err := WriteRootKeyFile(path, k); err == nil {
		t.Fatal("WriteRootKeyFile replaced an existing file")
	}
	if err := WriteRootKeyFile(filepath.Join(t.TempDir(), "zero"), RootKey{}); !errors.Is(err, ErrInvalidRootKey) {
		t.Fatalf("writing a zero RootKey: got %v, want ErrInvalidRootKey", err)
	}
}

func TestRootKeyRedacted(t *testing.T) {
	k, err := RootKeyFromBytes(testKeyBytes)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("loaded", "root", k)
	jsonOut, err := json.Marshal(struct{ Root RootKey }{k})
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"slog": logged.String(),
		"json": string(jsonOut),
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		outputs[verb] = fmt.Sprintf(verb, k)
	}
	outputs["in struct %+v"] = fmt.Sprintf("%+v", struct{ K RootKey }{k})
	outputs["pointer %v"] = fmt.Sprintf("%v", &k)
	for name, out := range outputs {
		if leaks(out) {
			t.Errorf("%s printed key material: %q", name, out)
		}
		if name != "%T" && !strings.Contains(out, "REDACTED") {
			t.Errorf("%s printed %q, want the redaction", name, out)
		}
	}
}

// leaks reports whether s holds the test key in raw, hex, base64 or as a
// decimal byte list.
func leaks(s string) bool {
	forms := []string{
		string(testKeyBytes),
		hex.EncodeToString(testKeyBytes),
		strings.ToUpper(hex.EncodeToString(testKeyBytes[:8])),
		hex.EncodeToString(testKeyBytes[:8]),
		base64.StdEncoding.EncodeToString(testKeyBytes[:12]),
		"167 167 167",
		"167, 167",
	}
	for _, f := range forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}
