package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/credvault/credvault/internal/vaultenv"
	_ "github.com/credvault/credvault/providers/all" // ECR, ACR and GAR records are exchanged
	"github.com/credvault/credvault/pull"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// envOrg names the org whose records the helper serves.
const envOrg = "CREDVAULT_ORG"

// errReadOnly refuses store and erase.
var errReadOnly = errors.New("docker-credential-credvault is read-only: records are written with \"credvault put\" " +
	"and removed with credvault, never by docker login or logout")

// errNoOrg is a missing CREDVAULT_ORG.
var errNoOrg = errors.New(envOrg + " is not set: name the org whose records this helper serves")

func init() {
	credentials.Name = "docker-credential-credvault"
	credentials.Package = "github.com/credvault/credvault"
}

// run is credentials.Serve over explicit streams and environment: the
// same arguments, the same actions (credentials.HandleCommand), errors on
// stdout with exit code 1. store and erase are refused before stdin is
// read, so a credential sent to them is never parsed.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return serve(args, stdin, stdout, stderr, getenv, pull.Options{})
}

// serve is run with the Authorizer's options (tests point exchanges at
// emulators).
func serve(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, opts pull.Options) int {
	if len(args) != 1 {
		fmt.Fprintf(stdout, "Usage: %s <get|list|version>\n", credentials.Name)
		return 1
	}
	var err error
	switch args[0] {
	case "--version", "-v", credentials.ActionVersion:
		err = credentials.PrintVersion(stdout)
	case "--help", "-h":
		fmt.Fprintf(stdout, "Usage: %s <get|list|version>\n", credentials.Name)
	case credentials.ActionStore, credentials.ActionErase:
		err = fmt.Errorf("%s refused: %w", args[0], errReadOnly)
	default:
		h := &helper{ctx: context.Background(), cfg: vaultenv.FromEnv(getenv), org: getenv(envOrg), opts: opts, stderr: stderr}
		defer h.close()
		err = credentials.HandleCommand(h, args[0], stdin, stdout)
	}
	if err != nil {
		fmt.Fprintln(stdout, err)
		return 1
	}
	return 0
}

// A helper serves one invocation's get or list. It opens the vault on
// first use.
type helper struct {
	ctx    context.Context
	cfg    vaultenv.Config
	org    string
	opts   pull.Options
	stderr io.Writer
	a      *pull.Authorizer
	st     *sqlstore.Store
}

// authorizer opens the vault and returns an Authorizer over it.
func (h *helper) authorizer() (*pull.Authorizer, error) {
	if h.a != nil {
		return h.a, nil
	}
	if h.org == "" {
		return nil, errNoOrg
	}
	v, st, _, err := h.cfg.OpenVault(h.ctx)
	if err != nil {
		return nil, err
	}
	h.a, h.st = pull.New(v, h.opts), st
	return h.a, nil
}

// close closes the store, if it was opened.
func (h *helper) close() {
	if h.st != nil {
		h.st.Close()
	}
}

// Add refuses: the helper is read-only.
func (h *helper) Add(*credentials.Credentials) error { return errReadOnly }

// Delete refuses: the helper is read-only.
func (h *helper) Delete(string) error { return errReadOnly }

// Get returns the username and secret to present to serverURL. A host no
// record serves is docker's "credentials not found", with the detail on
// stderr.
func (h *helper) Get(serverURL string) (string, string, error) {
	a, err := h.authorizer()
	if err != nil {
		return "", "", err
	}
	server, repo := splitServerURL(serverURL)
	m, err := a.Match(h.ctx, h.org, server, repo)
	if errors.Is(err, pull.ErrNoMatch) {
		fmt.Fprintln(h.stderr, err)
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	if err != nil {
		return "", "", err
	}
	c, err := a.Authorize(h.ctx, m.Key, repo)
	if err != nil {
		return "", "", namingHost(m.Host, err)
	}
	return c.Username, c.Secret.Reveal(), nil
}

// List returns every server URL the org's records serve, with the
// username each presents. The username of an exchanged kind comes with its
// token, so list authorizes every record (through the cache); a record
// that fails is left out and named, with why, on stderr.
func (h *helper) List() (map[string]string, error) {
	a, err := h.authorizer()
	if err != nil {
		return nil, err
	}
	hosts, err := a.Hosts(h.ctx, h.org)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(hosts))
	for _, m := range hosts {
		c, err := a.Authorize(h.ctx, m.Key, m.Prefix)
		if err != nil {
			fmt.Fprintf(h.stderr, "%s left out: %v\n", serverKey(m), err) // names the host
			continue
		}
		out[serverKey(m)] = c.Username
	}
	return out, nil
}

// serverKey is the server URL list reports for m: its host, with the
// repository prefix of a path-prefixed record.
func serverKey(m pull.Match) string {
	if m.Prefix == "" {
		return m.Host
	}
	return m.Host + "/" + m.Prefix
}

// splitServerURL splits a server URL as docker and its tools send it
// ("https://index.docker.io/v1/", "ghcr.io", "localhost:5000",
// "https://ghcr.io/v2/", "ghcr.io/acme") into the server Match takes (the
// scheme and host: an http:// one matches insecure records only) and a
// repository path. Docker's API version paths (/v1/, /v2/) are not
// repositories.
func splitServerURL(s string) (server, repo string) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		scheme, rest = "", s
	}
	host, repo, _ := strings.Cut(rest, "/")
	if repo = strings.Trim(repo, "/"); repo == "v1" || repo == "v2" {
		repo = ""
	}
	if ok {
		host = scheme + "://" + host
	}
	return host, repo
}

// namingHost returns err, prefixed with host when it does not name one
// (Authorize's error for a record that fails to open names the record).
func namingHost(host string, err error) error {
	if pe := (*pull.Error)(nil); errors.As(err, &pe) && pe.Host != "" {
		return err
	}
	return fmt.Errorf("%s: %w", host, err)
}
