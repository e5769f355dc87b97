package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/credvault/credvault/internal/vaultenv"
	"github.com/credvault/credvault/kek/local"
)

// keys runs the keys subcommands.
func (c *cli) keys(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: keys wants init-root, create, rotate, list or retire", errUsage)
	}
	switch args[0] {
	case "init-root":
		return c.keysInitRoot(args[1:])
	case "create":
		return c.keysCreate(ctx, args[1:])
	case "rotate":
		return c.keysRotate(ctx, args[1:])
	case "list":
		return c.keysList(ctx, args[1:])
	case "retire":
		return c.keysRetire(ctx, args[1:])
	}
	return fmt.Errorf("%w: unknown keys command %q", errUsage, args[0])
}

// keysInitRoot creates a root key file: 32 random bytes in base64, mode
// 0600, never over an existing file.
func (c *cli) keysInitRoot(args []string) error {
	pos, err := parseArgs(c.flagSet("keys init-root"), args)
	if err != nil {
		return err
	}
	path := c.getenv("CREDVAULT_ROOT_KEY_FILE")
	if len(pos) == 1 {
		path = pos[0]
	}
	if len(pos) > 1 || path == "" {
		return fmt.Errorf("%w: keys init-root wants <file> (default: CREDVAULT_ROOT_KEY_FILE)", errUsage)
	}
	root, err := local.GenerateRootKey()
	if err != nil {
		return err
	}
	if err := local.WriteRootKeyFile(path, root); err != nil {
		return fmt.Errorf("keys init-root: %w", err)
	}
	_, err = fmt.Fprintf(c.stdout, "created root key file %s (mode 0600): set CREDVAULT_ROOT_KEY_FILE=%s, and back it up: "+
		"every keyset is encrypted under it, and lost, they are lost\n", path, path)
	return err
}

// keysCreate creates an org's keyset.
func (c *cli) keysCreate(ctx context.Context, args []string) error {
	pos, err := parse(c.flagSet("keys create"), args, 1, "<org>")
	if err != nil {
		return err
	}
	keys, err := c.openKeys()
	if err != nil {
		return err
	}
	if err := keys.Create(ctx, pos[0]); err != nil {
		return fmt.Errorf("keys create %s: %w", pos[0], err)
	}
	kk, err := keys.KEK(ctx, pos[0])
	if err != nil {
		return err
	}
	id, err := kk.CurrentKeyID(ctx)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(c.stdout, id)
	return err
}

// keysRotate adds a primary key version to an org's keyset.
func (c *cli) keysRotate(ctx context.Context, args []string) error {
	pos, err := parse(c.flagSet("keys rotate"), args, 1, "<org>")
	if err != nil {
		return err
	}
	keys, err := c.openKeys()
	if err != nil {
		return err
	}
	id, err := keys.Rotate(ctx, pos[0])
	if err != nil {
		return fmt.Errorf("keys rotate %s: %w", pos[0], vaultenv.KeysetHint(pos[0], err))
	}
	_, err = fmt.Fprintln(c.stdout, id)
	return err
}

// keysList prints an org's key versions with their record counts.
func (c *cli) keysList(ctx context.Context, args []string) error {
	pos, err := parse(c.flagSet("keys list"), args, 1, "<org>")
	if err != nil {
		return err
	}
	keys, err := c.openKeys()
	if err != nil {
		return err
	}
	versions, err := keys.Versions(ctx, pos[0])
	if err != nil {
		return fmt.Errorf("keys list %s: %w", pos[0], vaultenv.KeysetHint(pos[0], err))
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	usage, err := st.KeyUsage(ctx, pos[0])
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY ID\tSTATUS\tPRIMARY\tRECORDS")
	for _, v := range versions {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%d\n", v.KeyID, v.Status, v.Primary, usage[v.KeyID])
		delete(usage, v.KeyID)
	}
	for id, n := range usage { // records under a key the keyset does not know
		fmt.Fprintf(tw, "%s\t%s\t%v\t%d\n", id, "unknown", false, n)
	}
	return tw.Flush()
}

// keysRetire disables, or with -destroy destroys, a key version that no
// record uses.
func (c *cli) keysRetire(ctx context.Context, args []string) error {
	fs := c.flagSet("keys retire")
	destroy := fs.Bool("destroy", false, "destroy the key material for good instead of disabling")
	pos, err := parse(fs, args, 2, "<org> <keyID>")
	if err != nil {
		return err
	}
	keys, err := c.openKeys()
	if err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	org, id := pos[0], pos[1]
	verb := "disabled"
	if *destroy {
		verb, err = "destroyed", keys.Destroy(ctx, org, id, st)
	} else {
		err = keys.Disable(ctx, org, id, st)
	}
	if err != nil {
		return fmt.Errorf("keys retire: %w", err)
	}
	_, err = fmt.Fprintln(c.stdout, verb, id)
	return err
}
