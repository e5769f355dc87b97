// Command registries-api serves HarborGuard's registries API (seed 004)
// over credvault on the embedded defaults: a local Tink keyset per org
// under a root key, and SQLite, all in one data directory.
//
//	go run ./examples/registries-api -addr 127.0.0.1:8080 -data DIR
//	go run ./examples/registries-api mint-key -data DIR -role viewer [-org acme] [-label TEXT]
//	go run ./examples/registries-api revoke-key -data DIR -id KEYID [-org acme]
//
// On its first start the server issues an admin key for the org (-org,
// default acme) and prints it once, on a line of its own:
//
//	admin key: hg_ak_…
//
// Only its hash is stored. mint-key issues further keys (any role, any
// org) the same way; revoke-key revokes one by its lookup ID, the part
// after "hg_ak_" up to the next '_'.
//
// Routes, with the minimum role each needs (X-API-Key: hg_ak_… or
// Authorization: Bearer hg_ak_…):
//
//	GET    /api/registries                            viewer
//	POST   /api/registries                            admin
//	GET    /api/registries/{registryId}               viewer
//	PUT    /api/registries/{registryId}               admin
//	DELETE /api/registries/{registryId}               admin
//	POST   /api/registries/test-connection            developer
//	POST   /api/registries/{registryId}/sync          admin
//	GET    /api/registries/{registryId}/sensor-status viewer
//
// Connection tests reach public addresses only; -allow-loopback admits
// 127.0.0.0/8 and ::1 too, for demos and tests against a local registry.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/credvault/credvault/apikey"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		log.Fatal(err)
	}
}

// run dispatches the subcommand; ready, when set, is told the server's
// address once it listens.
func run(ctx context.Context, args []string, out io.Writer, ready func(addr string)) error {
	if len(args) > 0 {
		switch args[0] {
		case "mint-key":
			return mintKey(ctx, args[1:], out)
		case "revoke-key":
			return revokeKey(ctx, args[1:], out)
		}
	}
	fs := flag.NewFlagSet("registries-api", flag.ContinueOnError)
	cfg := serveConfig{}
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&cfg.data, "data", "", "data directory (root key, keysets, SQLite); required")
	fs.StringVar(&cfg.org, "org", "acme", "org that gets the first admin key")
	fs.BoolVar(&cfg.allowLoopback, "allow-loopback", false, "let connection tests reach loopback addresses (demos, tests)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.data == "" {
		return errors.New("-data DIR is required")
	}
	return serve(ctx, cfg, out, ready)
}

type serveConfig struct {
	addr, data, org string
	allowLoopback   bool
}

// serve runs the API until ctx ends.
func serve(ctx context.Context, cfg serveConfig, out io.Writer, ready func(string)) (err error) {
	a, err := openApp(ctx, cfg.data)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.close()) }()
	a.testOpts.AllowLoopback = cfg.allowLoopback
	key, created, err := a.firstAdminKey(ctx, cfg.org)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintln(out, "admin key:", key.Reveal()) // shown once; only the hash is stored
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
	log.Printf("registries-api: serving http://%s (data in %s)", ln.Addr(), cfg.data)
	if ready != nil {
		ready(ln.Addr().String())
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// mintKey issues a key and prints it once: "<role> key: hg_ak_…".
func mintKey(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mint-key", flag.ContinueOnError)
	data := fs.String("data", "", "data directory; required")
	org := fs.String("org", "acme", "org the key acts for")
	roleName := fs.String("role", "viewer", "viewer, developer or admin")
	label := fs.String("label", "", "a note about the key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	role, err := apikey.ParseRole(*roleName)
	if err != nil || *data == "" {
		return errors.Join(err, errIf(*data == "", "-data DIR is required"))
	}
	return withApp(ctx, *data, func(a *app) error {
		key, err := a.issueKey(ctx, *org, role, *label)
		if err == nil {
			fmt.Fprintf(out, "%s key: %s\n", role, key.Reveal())
		}
		return err
	})
}

// revokeKey revokes one of an org's keys by its lookup ID.
func revokeKey(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("revoke-key", flag.ContinueOnError)
	data := fs.String("data", "", "data directory; required")
	org := fs.String("org", "acme", "org the key belongs to")
	id := fs.String("id", "", "the key's lookup ID (after hg_ak_, up to the next '_')")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *id == "" {
		return errors.New("-data DIR and -id KEYID are required")
	}
	return withApp(ctx, *data, func(a *app) error {
		err := a.store.RevokeKey(ctx, *org, *id, time.Now())
		if err == nil {
			fmt.Fprintln(out, "revoked", *id)
		}
		return err
	})
}

func withApp(ctx context.Context, dir string, fn func(*app) error) error {
	a, err := openApp(ctx, dir)
	if err != nil {
		return err
	}
	return errors.Join(fn(a), a.close())
}

func errIf(cond bool, msg string) error {
	if cond {
		return errors.New(msg)
	}
	return nil
}
