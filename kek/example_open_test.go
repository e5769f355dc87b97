package kek_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local" // registers local://
)

// ExampleNewTemplateResolver resolves each org's KEK from a URL template
// over local keysets; kek/awskms and kek/gocloud register their schemes
// the same way when imported.
func ExampleNewTemplateResolver() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "kek-example-")
	defer os.RemoveAll(dir)
	root, _ := local.GenerateRootKey()
	rootFile := filepath.Join(dir, "root.key")
	_ = local.WriteRootKeyFile(rootFile, root)
	m, _ := local.Open(filepath.Join(dir, "keysets"), root)
	_ = m.Create(ctx, "acme")

	template := "local://" + filepath.ToSlash(filepath.Join(dir, "keysets")) +
		"?org={org}&root_key_file=" + url.QueryEscape(rootFile)
	r, err := kek.NewTemplateResolver(template)
	if err != nil {
		fmt.Println(err)
		return
	}
	k, _ := r.KEK(ctx, "acme")
	id, _ := k.CurrentKeyID(ctx)
	fmt.Println(strings.HasPrefix(id, "local://acme#v="))

	_, err = r.KEK(ctx, "acme/../globex")
	fmt.Println(err)
	// Without importing kek/awskms, its scheme is unknown.
	_, err = kek.Open(ctx, "awskms://alias/credvault-acme?region=eu-west-1")
	fmt.Println(errors.Is(err, kek.ErrUnknownScheme))
	// Output:
	// true
	// kek: invalid input: invalid org name (14 bytes; want ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$)
	// true
}
