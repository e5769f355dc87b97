package kek_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local" // registers local://
)

func TestTemplateResolverRefusesInjection(t *testing.T) {
	r, err := kek.NewTemplateResolver("fake://kms/keys/credvault-{org}?region=eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	before := fakeOpens.Load()
	for _, org := range []string{
		"a/../b", "a?x=y", "a#", "", "ünïcode", "a b", "%2e%2e", "..", ".hidden", "-a",
		"a&region=us-east-1", "a\x00", "a\n", "a:b", "a@b", strings.Repeat("a", 129),
	} {
		_, err := r.KEK(context.Background(), org)
		var ne *kek.NameError
		if !errors.Is(err, kek.ErrInvalidName) || !errors.Is(err, kek.ErrInvalidInput) || !errors.As(err, &ne) || ne.Field != "org" {
			t.Errorf("KEK(%q) = %v, want an org *NameError", org, err)
		}
		if org != "" && err != nil && strings.Contains(err.Error(), org) {
			t.Errorf("error quotes the org: %v", err)
		}
	}
	if fakeOpens.Load() != before {
		t.Fatal("an invalid org reached the opener")
	}
}

func TestTemplateResolverSubstitutes(t *testing.T) {
	r, err := kek.NewTemplateResolver("fake://kms/keys/credvault-{org}?region=eu-west-1&tag={org}")
	if err != nil {
		t.Fatal(err)
	}
	for _, org := range []string{"acme", "a.b-c_D9", strings.Repeat("z", 128)} {
		k, err := r.KEK(context.Background(), org)
		if err != nil {
			t.Fatal(err)
		}
		u := k.(*fakeKEK).u
		if u.Host != "kms" || u.Path != "/keys/credvault-"+org || u.Query().Get("tag") != org || u.Query().Get("region") != "eu-west-1" {
			t.Fatalf("org %q opened %v", org, u)
		}
	}
}

func TestTemplateResolverOpensOncePerOrg(t *testing.T) {
	r, err := kek.NewTemplateResolver("fake://kms/once/{org}")
	if err != nil {
		t.Fatal(err)
	}
	before := fakeOpens.Load()
	var wg sync.WaitGroup
	keks := make([]kek.KEK, 32)
	for i := range keks {
		wg.Go(func() {
			k, err := r.KEK(context.Background(), "acme")
			if err != nil {
				t.Error(err)
			}
			keks[i] = k
		})
	}
	wg.Wait()
	if n := fakeOpens.Load() - before; n != 1 {
		t.Fatalf("32 concurrent first calls opened %d times, want 1", n)
	}
	for _, k := range keks {
		if k != keks[0] {
			t.Fatal("callers got different KEKs")
		}
	}
	if _, err := r.KEK(context.Background(), "globex"); err != nil || fakeOpens.Load()-before != 2 {
		t.Fatalf("second org: err %v, opens %d", err, fakeOpens.Load()-before)
	}
}

func TestResolverCallerCancelsWhileOpening(t *testing.T) {
	r, err := kek.NewTemplateResolver("blocking://kms/{org}")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.KEK(ctx, "acme")
		done <- err
	}()
	<-entered
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	release <- struct{}{} // the detached open completes and is cached
	k, err := r.KEK(context.Background(), "acme")
	if err != nil || k == nil {
		t.Fatalf("after the open completed: %v", err)
	}
}

func TestNewTemplateResolverErrors(t *testing.T) {
	tests := []struct {
		template string
		want     error
	}{
		{"fake://kms/static", kek.ErrInvalidInput},
		{"nosuch://kms/{org}", kek.ErrUnknownScheme},
		{"{org}://kms", kek.ErrInvalidInput},
		{"fake://%zz/{org}?t=" + canary, kek.ErrInvalidInput},
	}
	for _, tt := range tests {
		_, err := kek.NewTemplateResolver(tt.template)
		if !errors.Is(err, tt.want) {
			t.Errorf("NewTemplateResolver(%q) = %v, want %v", tt.template, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Errorf("error quotes the template: %v", err)
		}
	}
}

func TestMapResolver(t *testing.T) {
	r, err := kek.NewMapResolver(map[string]string{
		"acme":    "fake://kms/map/acme-key",
		"globex":  "fake://kms/map/shared",
		"initech": "fake://kms/map/shared",
	})
	if err != nil {
		t.Fatal(err)
	}
	k, err := r.KEK(context.Background(), "acme")
	if err != nil || k.(*fakeKEK).u.Path != "/map/acme-key" {
		t.Fatalf("acme: %v", err)
	}
	g, _ := r.KEK(context.Background(), "globex")
	i, _ := r.KEK(context.Background(), "initech")
	if g == nil || g != i {
		t.Fatal("two orgs mapped to one URL should share one KEK")
	}
	if _, err := r.KEK(context.Background(), "umbrella"); !errors.Is(err, kek.ErrKeyNotFound) {
		t.Fatalf("unlisted org: %v", err)
	}
	if _, err := r.KEK(context.Background(), "a/../acme"); !errors.Is(err, kek.ErrInvalidName) {
		t.Fatalf("invalid org: %v", err)
	}
}

func TestMapResolverDefault(t *testing.T) {
	r, err := kek.NewMapResolver(map[string]string{"acme": "fake://kms/map2/acme"},
		kek.WithDefault("fake://kms/map2/default-{org}"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := r.KEK(context.Background(), "umbrella")
	if err != nil || k.(*fakeKEK).u.Path != "/map2/default-umbrella" {
		t.Fatalf("default: %v", err)
	}
	if _, err := r.KEK(context.Background(), "a?x=y"); !errors.Is(err, kek.ErrInvalidName) {
		t.Fatalf("invalid org through the default: %v", err)
	}
}

func TestNewMapResolverErrors(t *testing.T) {
	tests := []struct {
		name string
		urls map[string]string
		opts []kek.MapOption
		want error
	}{
		{"bad org", map[string]string{"a/b": "fake://k"}, nil, kek.ErrInvalidName},
		{"unknown scheme", map[string]string{"acme": "nosuch://k?secret=" + canary}, nil, kek.ErrUnknownScheme},
		{"malformed", map[string]string{"acme": "fake://%zz" + canary}, nil, kek.ErrInvalidInput},
		{"bad default", nil, []kek.MapOption{kek.WithDefault("nosuch://{org}")}, kek.ErrUnknownScheme},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kek.NewMapResolver(tt.urls, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), canary) {
				t.Fatalf("error quotes a URL: %v", err)
			}
		})
	}
}

func TestResolverClose(t *testing.T) {
	r, err := kek.NewTemplateResolver("fake://kms/close/{org}")
	if err != nil {
		t.Fatal(err)
	}
	k, err := r.KEK(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil || !k.(*fakeKEK).closed.Load() {
		t.Fatalf("Close: %v, closed %v", err, k.(*fakeKEK).closed.Load())
	}
}

func TestStaticResolver(t *testing.T) {
	acme := &fakeKEK{}
	r := kek.StaticResolver{"acme": acme, "nil": nil}
	tests := []struct {
		org  string
		want error
	}{{"acme", nil}, {"globex", kek.ErrKeyNotFound}, {"nil", kek.ErrKeyNotFound}, {"a/b", kek.ErrInvalidName}}
	for _, tt := range tests {
		k, err := r.KEK(context.Background(), tt.org)
		if !errors.Is(err, tt.want) || (err == nil && k != acme) {
			t.Errorf("KEK(%q) = %v, %v", tt.org, k, err)
		}
	}
}

func TestResolverCacheIsBounded(t *testing.T) {
	r, err := kek.NewTemplateResolver("fake://kms/bounded/{org}")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range kek.MaxCachedKEKs {
		if _, err := r.KEK(ctx, fmt.Sprint("org", i)); err != nil {
			t.Fatal(err)
		}
	}
	before := fakeOpens.Load()
	for range 2 {
		if _, err := r.KEK(ctx, "one-more"); err != nil {
			t.Fatal(err)
		}
	}
	if n := fakeOpens.Load() - before; n != 2 {
		t.Fatalf("past the cap, %d opens for 2 calls; want 2 (not cached)", n)
	}
	if _, err := r.KEK(ctx, "org0"); err != nil || fakeOpens.Load()-before != 2 {
		t.Fatalf("a cached org was reopened: %v", err)
	}
}

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
	// kek: invalid org: has a character outside [A-Za-z0-9._-]
	// true
}
