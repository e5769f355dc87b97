package local

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"

	"github.com/credvault/credvault/kek"
)

// Scheme is the URL scheme this package registers with kek.RegisterScheme.
const Scheme = "local"

// ErrInvalidURL: a local:// URL is malformed. Its messages never quote
// the URL.
var ErrInvalidURL = fmt.Errorf("local: invalid URL: %w", kek.ErrInvalidInput)

func init() { kek.RegisterScheme(Scheme, openURL) }

// managers caches one Manager per (directory, root key source), so every
// org opened through kek.Open or a resolver shares it.
var managers = struct {
	sync.Mutex
	m map[managerKey]*Manager
}{m: map[managerKey]*Manager{}}

type managerKey struct{ dir, rootSource string }

// openURL opens the KEK of a URL of the form
//
//	local:///var/lib/credvault/keysets?org=acme&root_key_file=/etc/credvault/root.key
//	local:///var/lib/credvault/keysets?org=acme&root_key_env=CREDVAULT_ROOT_KEY
//
// The path is the keyset directory (absolute); org names the keyset;
// exactly one of root_key_file (see RootKeyFromFile) and root_key_env (see
// RootKeyFromEnv) names the root key. No other parameter, host, user info
// or fragment is accepted. The org's keyset must exist (Manager.Create).
func openURL(ctx context.Context, u *url.URL) (kek.KEK, error) {
	cfg, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	m, err := managerFor(cfg)
	if err != nil {
		return nil, err
	}
	return m.KEK(ctx, cfg.org)
}

type urlConfig struct {
	dir, org, rootFile, rootEnv string
}

// parseURL validates a local:// URL. Errors name the parameter, never
// its value.
func parseURL(u *url.URL) (urlConfig, error) {
	if u.Opaque != "" || u.Host != "" || u.User != nil || u.Fragment != "" {
		return urlConfig{}, fmt.Errorf("%w: want local:///<absolute dir>?org=<org>&root_key_file=<path> (or root_key_env=<name>)", ErrInvalidURL)
	}
	if u.Path == "" || !filepath.IsAbs(filepath.FromSlash(u.Path)) {
		return urlConfig{}, fmt.Errorf("%w: the keyset directory must be an absolute path", ErrInvalidURL)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return urlConfig{}, fmt.Errorf("%w: malformed query", ErrInvalidURL)
	}
	cfg := urlConfig{dir: filepath.Clean(filepath.FromSlash(u.Path))}
	for name, vs := range q {
		if len(vs) != 1 {
			return urlConfig{}, fmt.Errorf("%w: parameter %s given %d times", ErrInvalidURL, safeName(name), len(vs))
		}
		if err := cfg.set(name, vs[0]); err != nil {
			return urlConfig{}, err
		}
	}
	return cfg, cfg.check()
}

func (c *urlConfig) set(name, value string) error {
	switch name {
	case "org":
		c.org = value
	case "root_key_file":
		c.rootFile = value
	case "root_key_env":
		c.rootEnv = value
	default:
		return fmt.Errorf("%w: unknown parameter (accepted: org, root_key_file, root_key_env)", ErrInvalidURL)
	}
	return nil
}

func (c *urlConfig) check() error {
	if err := kek.ValidateOrg(c.org); err != nil {
		return fmt.Errorf("%w: org parameter: %w", ErrInvalidURL, err)
	}
	if (c.rootFile == "") == (c.rootEnv == "") {
		return fmt.Errorf("%w: give exactly one of root_key_file and root_key_env", ErrInvalidURL)
	}
	if c.rootFile != "" && !filepath.IsAbs(c.rootFile) {
		return fmt.Errorf("%w: root_key_file must be an absolute path", ErrInvalidURL)
	}
	return nil
}

// safeName returns a known parameter name, or a placeholder.
func safeName(name string) string {
	switch name {
	case "org", "root_key_file", "root_key_env":
		return name
	}
	return "(unknown)"
}

// managerFor returns the cached Manager for cfg, opening it on first use.
// A failed open is not cached, so fixing the file or variable and trying
// again works.
func managerFor(cfg urlConfig) (*Manager, error) {
	key := managerKey{dir: cfg.dir, rootSource: "env:" + cfg.rootEnv}
	if cfg.rootFile != "" {
		key.rootSource = "file:" + filepath.Clean(cfg.rootFile)
	}
	managers.Lock()
	defer managers.Unlock()
	if m, ok := managers.m[key]; ok {
		return m, nil
	}
	root, err := loadRoot(cfg)
	if err != nil {
		return nil, err
	}
	m, err := Open(cfg.dir, root)
	if err != nil {
		return nil, err
	}
	managers.m[key] = m
	return m, nil
}

// loadRoot loads the root key. Its errors are the loaders' own, which
// name the variable or path but never the key; they are re-worded here
// without them, since the path and variable came from the URL's query.
func loadRoot(cfg urlConfig) (RootKey, error) {
	var (
		root RootKey
		err  error
	)
	if cfg.rootFile != "" {
		root, err = RootKeyFromFile(cfg.rootFile)
	} else {
		root, err = RootKeyFromEnv(cfg.rootEnv)
	}
	if err == nil {
		return root, nil
	}
	var fm *FileModeError
	switch {
	case errors.As(err, &fm):
		return RootKey{}, fmt.Errorf("root_key_file: %w (file mode must be 0600 or 0400)", ErrInsecureFile)
	case errors.Is(err, ErrInvalidRootKey):
		return RootKey{}, fmt.Errorf("%s: %w (missing, unreadable, or not a 32-byte key)", sourceParam(cfg), ErrInvalidRootKey)
	}
	return RootKey{}, fmt.Errorf("%s: %w", sourceParam(cfg), ErrInvalidRootKey)
}

func sourceParam(cfg urlConfig) string {
	if cfg.rootFile != "" {
		return "root_key_file"
	}
	return "root_key_env"
}
