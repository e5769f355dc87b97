package local_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local"
)

const urlCanary = "CANARYlq84Zr2Xw"

// keysetDir makes a keyset directory holding orgs, under a fresh root key
// written to a 0600 file, and returns the directory and the key file.
func keysetDir(t *testing.T, orgs ...string) (dir, rootFile string) {
	t.Helper()
	root, err := local.GenerateRootKey()
	if err != nil {
		t.Fatal(err)
	}
	dir, rootFile = t.TempDir(), filepath.Join(t.TempDir(), "root.key")
	if err := local.WriteRootKeyFile(rootFile, root); err != nil {
		t.Fatal(err)
	}
	m, err := local.Open(dir, root)
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range orgs {
		if err := m.Create(context.Background(), org); err != nil {
			t.Fatal(err)
		}
	}
	return dir, rootFile
}

func localURL(dir string, params ...string) string {
	return "local://" + filepath.ToSlash(dir) + "?" + strings.Join(params, "&")
}

func TestOpenURLWithRootKeyFile(t *testing.T) {
	ctx := context.Background()
	dir, rootFile := keysetDir(t, "acme", "globex")
	k1, err := kek.Open(ctx, localURL(dir, "org=acme", "root_key_file="+url.QueryEscape(rootFile)))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := kek.Open(ctx, localURL(dir, "root_key_file="+url.QueryEscape(rootFile), "org=acme"))
	if err != nil {
		t.Fatal(err)
	}
	if k1 != k2 {
		t.Fatal("two opens of one org did not share the Manager")
	}
	dek := bytes.Repeat([]byte{7}, 32)
	wrapped, keyID, err := k1.Wrap(ctx, dek, kek.AAD{Data: []byte("aad")})
	if err != nil || !strings.HasPrefix(keyID, "local://acme#v=") {
		t.Fatalf("Wrap: %q %v", keyID, err)
	}
	g, err := kek.Open(ctx, localURL(dir, "org=globex", "root_key_file="+url.QueryEscape(rootFile)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: []byte("aad")}); !errors.Is(err, kek.ErrKeyNotFound) {
		t.Fatalf("globex unwrapped acme's DEK: %v", err)
	}
	got, err := k2.Unwrap(ctx, keyID, wrapped, kek.AAD{Data: []byte("aad")})
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("Unwrap: %v", err)
	}
}

func TestOpenURLWithRootKeyEnv(t *testing.T) {
	raw := make([]byte, local.RootKeySize)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	root, err := local.RootKeyFromBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	m, err := local.Open(dir, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDVAULT_TEST_ROOT_KEY", base64.StdEncoding.EncodeToString(raw))
	k, err := kek.Open(context.Background(), localURL(dir, "org=acme", "root_key_env=CREDVAULT_TEST_ROOT_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.Wrap(context.Background(), raw, kek.AAD{}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenURLErrors(t *testing.T) {
	dir, rootFile := keysetDir(t, "acme")
	file := "root_key_file=" + url.QueryEscape(rootFile)
	tests := []struct {
		name, url string
		want      error
	}{
		{"host", "local://" + urlCanary + filepath.ToSlash(dir) + "?org=acme&" + file, local.ErrInvalidURL},
		{"relative dir", "local:keys?org=acme&" + file, local.ErrInvalidURL},
		{"no dir", "local://?org=acme&" + file, local.ErrInvalidURL},
		{"no org", localURL(dir, file), local.ErrInvalidURL},
		{"bad org", localURL(dir, "org=a%2F..%2F"+urlCanary, file), local.ErrInvalidURL},
		{"both roots", localURL(dir, "org=acme", file, "root_key_env=X"+urlCanary), local.ErrInvalidURL},
		{"no root", localURL(dir, "org=acme"), local.ErrInvalidURL},
		{"relative root file", localURL(dir, "org=acme", "root_key_file="+urlCanary), local.ErrInvalidURL},
		{"unknown param", localURL(dir, "org=acme", file, "x"+urlCanary+"=1"), local.ErrInvalidURL},
		{"repeated param", localURL(dir, "org=acme", "org="+urlCanary, file), local.ErrInvalidURL},
		{"fragment", localURL(dir, "org=acme", file) + "#" + urlCanary, local.ErrInvalidURL},
		{"missing root file", localURL(dir, "org=acme", "root_key_file=/nonexistent/"+urlCanary), local.ErrInvalidRootKey},
		{"unset root env", localURL(dir, "org=acme", "root_key_env=UNSET_"+urlCanary), local.ErrInvalidRootKey},
		{"no keyset", localURL(dir, "org=globex"+urlCanary, file), kek.ErrKeyNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kek.Open(context.Background(), tt.url)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), urlCanary) {
				t.Fatalf("error quotes the URL: %v", err)
			}
		})
	}
}

func TestTemplateResolverOverLocal(t *testing.T) {
	dir, rootFile := keysetDir(t, "acme", "globex")
	r, err := kek.NewTemplateResolver(localURL(dir, "org={org}", "root_key_file="+url.QueryEscape(rootFile)))
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{"acme", "globex"} {
		k, err := r.KEK(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		id, err := k.CurrentKeyID(context.Background())
		if err != nil || !strings.HasPrefix(id, "local://"+org+"#v=") {
			t.Fatalf("%s: %q %v", org, id, err)
		}
	}
}
