package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"

	"github.com/credvault/credvault/internal/vaultenv"
	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/local"
	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// Exit codes, documented in usageText.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitNotFound = 3
	exitConflict = 4
	exitInvalid  = 5
	exitPartial  = 6
	exitTest     = 7
	// exitInterrupted is the shell's code for a process SIGINT ended
	// (128+2), kept for SIGTERM too: the job stopped cleanly.
	exitInterrupted = 130
)

// errUsage marks a command-line mistake (exit 2).
var errUsage = errors.New("usage")

// errInvalid marks input the command refused (exit 5).
var errInvalid = errors.New("invalid input")

// errPartial marks a rotation that finished with failed records (exit 6).
var errPartial = errors.New("some records failed")

// usageText is printed by help and after usage errors. It is the one
// description of the command line: the package documentation points here.
const usageText = `usage: credvault [-store DSN] [-keysets DIR] <command> [arguments]

Global flags come before the command. A command's flags may come before or
after its arguments; "--" ends them.

commands:
  keys init-root [<file>]
      create a root key file (default: CREDVAULT_ROOT_KEY_FILE): 32
      random bytes in base64, mode 0600; refused if the file exists. Back
      it up: every keyset is encrypted under it
  keys create <org>
      create the org's keyset; print the key ID of its first version
  keys rotate <org>
      add a key version and make it primary; print its key ID
  keys list <org>
      print each key version's status, whether it is primary, and how many
      records it wraps (records under a key ID the keyset lacks: "unknown")
  keys retire <org> <keyID> [-destroy]
      disable the version, or with -destroy delete its key material for
      good; refused while it is primary or still wraps a record
  rotate -org ORG [-kind rewrap|dek] [-workers N] [-rate R] [-page-size N] [-dry-run] [-restart]
      rewrap (default): rewrap every record's DEK under the org's primary
      key version; dek: reseal every record under a fresh DEK.
      -workers concurrent records (default 8), -rate records per second,
      the rate the progress shows (default 0: no limit; each record costs
      one or two KEK calls), -page-size records per store page (default
      500), -dry-run counts what would rotate and writes nothing.
      Progress goes to stderr (a bar fitted to the terminal's width, or
      COLUMNS), a summary to stdout, each failed record to stderr.
      Ctrl-C (SIGINT) or SIGTERM stops the job after the records in
      flight: it prints the summary and how to resume, and exits 130.
      A dek job keeps a checkpoint in the store: run again, it says it
      resumes and from which record, and its summary counts the whole
      job; -restart forgets the checkpoint and starts over. A rewrap
      needs none: run again, it does the records still under older keys.
      The job runs under the store's lease for it (as service replicas
      do): while another process runs it, rotate exits 4.
  verify [-org ORG] [-workers N]
      open every record of ORG (default: of every org), as a service
      would, N at once (default 8): print each that fails on stderr (its
      key and why, never a secret) and the counts on stdout; exit 6 if
      any failed
  import -org ORG [-file F] [-dry-run]
      store the registries read as NDJSON from stdin (or F), one per
      line in the HarborGuard POST /api/registries shape: name (the
      registry), provider, url, credentials, insecure (scanMethod,
      scanners, schedule, includeTags and excludeTags are accepted and
      ignored). Every line is parsed, validated and sealed first; any bad
      line (listed on stderr by line number and field, never a value), a
      name repeated or already stored, and nothing is written (exit 5).
      import creates records and never replaces one. Should a write then
      fail midway (store error, a name created meanwhile), the registries
      written and those not are listed, to import the rest again (exit
      6; 130 when interrupted). -dry-run validates and writes nothing
  get -redacted <org> <registry>
      print the record's redacted description as JSON (there is no other
      form: -redacted is required)
  put <org> <registry> -provider P [-url U] [-insecure] [-robot-prefix R]
      [-ca-file PEM] [-credentials-file F]
      seal the credential JSON read from stdin (or from file F) for
      provider P (as the API spells it: GHCR, AWS_ECR, DOCKER_REGISTRY,
      ...), with the registry URL U and, with -insecure, no TLS
      certificate checks when testing; a self-hosted Harbor's robot name
      prefix R (default robot$) and the CA certificates in file PEM
      (a registry behind a private CA: trusted besides the system roots;
      -ca-bundle is the same flag) are sealed with it; create or replace
      the record
  test-connection <org> <registry> [-allow-private CIDRs] [-allow-loopback] [-timeout D]
      test a stored record with what was sealed with it (provider, URL,
      insecure flag, robot prefix, CA bundle); the -provider form's flags
      (-url, -insecure, -robot-prefix, -ca-file, -credentials-file,
      -anonymous) are refused, since the record decides them
  test-connection -provider P [-url U] [-insecure] [-robot-prefix R]
                  [-ca-file PEM] [-credentials-file F | -anonymous]
                  [-allow-private CIDRs] [-allow-loopback] [-timeout D]
      test the credential JSON read from stdin (or F) without storing it,
      trusting the CA certificates in file PEM besides the system roots;
      with -anonymous, test anonymous access on purpose (no credential is
      read).
      Both forms print the result as JSON and take these flags:
      -allow-private CIDRs  the registry may live in these comma-separated
                            prefixes (a private network)
      -allow-loopback       the registry may live on this host
                            (both refused by default: a refusal names the
                            flag that admits the address)
      -timeout D            the whole check's budget (default 30s); no
                            phase of it is cut shorter
      The result's status is healthy only when the credentials were
      verified. unverified: the registry serves anonymous requests, so
      any credential would pass. "insecureTLS": certificate checks were
      skipped. "identityOnly": only a cloud identity was checked (an ACR
      service principal or GAR key without a URL); no registry was
      reached.
  kubelet-credential-provider [-org ORG]
      a kubelet credential provider plugin (credentialprovider.kubelet.k8s.io/v1):
      read a CredentialProviderRequest from stdin and print the response
      for the one record of ORG (default $CREDVAULT_ORG) serving the
      image's registry: its credential (ECR, ACR and GAR records exchanged
      for registry tokens), cacheKeyType Registry (Image for a record whose
      URL has a repository path), and cacheDuration the token's remaining
      lifetime less the 5m refresh margin (left out for credentials that
      do not expire). No record, two equal ones, or a failed exchange exit
      non-zero with a message naming the host.
  health -org ORG [-concurrency N] [-json] [-no-record] [-allow-private CIDRs]
         [-allow-loopback] [-timeout D]
      re-test every stored registry of ORG as test-connection tests one,
      at most N at once (default 4), -timeout bounding each; store each
      result as the record's health (status, time of the check, time of
      the last healthy check; -no-record only tests), and print a table
      (REGISTRY STATUS LATENCY RECORDED MESSAGE) or, with -json, a JSON
      array of the results. Exit 7 if any registry is not healthy
  help
      print this text

environment:
  CREDVAULT_STORE                 store DSN (flag -store; default sqlite:./credvault.db):
                                  sqlite:PATH, sqlite:///ABSOLUTE/PATH, sqlite::memory:,
                                  file:URI (SQLite) or postgres://USER:PASS@HOST/DB
  CREDVAULT_KEYSETS               keyset directory (flag -keysets; default ./keysets)
  CREDVAULT_ORG                   the org kubelet-credential-provider serves (flag -org)
  the root key, from the first of these that is set:
  CREDVAULT_ROOT_KEY_FILE         a file (mode 0600 or 0400) holding 32 raw bytes or
                                  their standard base64
  CREDVAULT_ROOT_KEY              32 bytes in standard base64
  CREDVAULT_ROOT_PASSPHRASE_FILE  a passphrase file, with CREDVAULT_ROOT_SALT_FILE, a
                                  file of at least 16 random bytes (Argon2id)

secrets:
  Credentials are read from stdin or a file, never from flags or arguments.
  No command prints a secret, and errors name fields, never values.

exit codes:
  0  success
  1  the operation failed (store, key or I/O error; a root key file or
     passphrase that cannot be read or used)
  2  usage error (unknown command or flag, a bad flag value, wrong
     arguments, no root key configured, a passphrase file without a
     salt file)
  3  not found (org keyset: "keys create" makes one; key version or
     record)
  4  conflict or in use (keyset or root key file exists; key version is
     primary or still wraps records; record changed concurrently; the
     rotation job is running elsewhere)
  5  invalid input (credential JSON, provider, URL, org or registry name,
     or a CREDVAULT_ROOT_KEY that is not 32 bytes in base64 refused)
  6  rotate, verify or import finished but some records failed (listed
     on stderr)
  7  a connection test ran but did not report healthy (the result's
     status says why, unverified included; for health, any registry's)
  130  interrupted by SIGINT (Ctrl-C) or SIGTERM: the job (rotate, verify,
     import, health) stopped cleanly and printed how far it got
`

// A cli is one invocation: its streams, environment and configuration.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	storeDSN       string
	keysetDir      string
}

// run executes the command line args and returns the exit code. A job
// stops cleanly when ctx ends (main ends it on SIGINT or SIGTERM).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	fs := c.flagSet("credvault")
	fs.StringVar(&c.storeDSN, "store", vaultenv.Or(getenv, vaultenv.EnvStore, vaultenv.DefaultStore), "store `DSN`")
	fs.StringVar(&c.keysetDir, "keysets", vaultenv.Or(getenv, vaultenv.EnvKeysets, vaultenv.DefaultKeysets), "keyset `directory`")
	if err := fs.Parse(args); err != nil {
		return c.fail(fmt.Errorf("%w: %w", errUsage, err))
	}
	return c.fail(c.dispatch(ctx, fs.Args()))
}

// dispatch runs the command named by args[0].
func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		_, err := io.WriteString(c.stdout, usageText)
		return err
	case "keys":
		return c.keys(ctx, args[1:])
	case "rotate":
		return c.rotate(ctx, args[1:])
	case "get":
		return c.get(ctx, args[1:])
	case "put":
		return c.put(ctx, args[1:])
	case "test-connection":
		return c.testConnection(ctx, args[1:])
	case "kubelet-credential-provider":
		return c.kubeletProvider(ctx, args[1:])
	case "verify":
		return c.verify(ctx, args[1:])
	case "import":
		return c.importRegistries(ctx, args[1:])
	case "health":
		return c.health(ctx, args[1:])
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

// fail prints err, if any, and returns its exit code.
func (c *cli) fail(err error) int {
	code := exitCode(err)
	if err == nil {
		return code
	}
	if !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(c.stderr, "credvault:", err)
	}
	if code == exitUsage {
		fmt.Fprint(c.stderr, usageText)
	}
	return code
}

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage), errors.Is(err, vaultenv.ErrUnconfigured):
		return exitUsage
	case errors.Is(err, kek.ErrKeyNotFound), errors.Is(err, vault.ErrNotFound):
		return exitNotFound
	case errors.Is(err, local.ErrExists), errors.Is(err, fs.ErrExist), errors.Is(err, kek.ErrKeyInUse),
		errors.Is(err, local.ErrPrimaryKey), errors.Is(err, vault.ErrConflict), errors.Is(err, vault.ErrLeaseHeld):
		return exitConflict
	case errors.Is(err, errInvalid), errors.Is(err, vaultenv.ErrInvalid), errors.Is(err, vault.ErrInvalidEntry),
		errors.Is(err, kek.ErrInvalidName):
		return exitInvalid
	case errors.Is(err, errPartial):
		return exitPartial
	case errors.Is(err, errUnhealthy):
		return exitTest
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	}
	return exitFailed
}

// flagSet returns a flag set that reports errors instead of exiting and
// prints its defaults to stderr.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

// parse parses args with fs, allowing flags after positional arguments,
// and checks the positional count.
func parse(fs *flag.FlagSet, args []string, want int, names string) ([]string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	return pos, checkCount(fs, pos, want, names)
}

// parseArgs parses args with fs, allowing flags after positional
// arguments, and returns the positional ones; everything after "--" is
// positional, as with the flag package.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// checkCount refuses a positional count other than want.
func checkCount(fs *flag.FlagSet, pos []string, want int, names string) error {
	if len(pos) != want {
		return fmt.Errorf("%w: %s wants %s", errUsage, fs.Name(), names)
	}
	return nil
}

// isSet reports whether the parsed command line set flag name, even to "".
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// config is the vault configuration the flags and environment give.
func (c *cli) config() vaultenv.Config {
	return vaultenv.Config{Store: c.storeDSN, Keysets: c.keysetDir, Getenv: c.getenv}
}

// openStore opens the configured store. The caller closes it.
func (c *cli) openStore(ctx context.Context) (*sqlstore.Store, error) {
	return c.config().OpenStore(ctx)
}

// openKeys opens the keyset directory under the configured root key.
func (c *cli) openKeys() (*local.Manager, error) { return c.config().OpenKeys() }

// openVault opens the store and the keys and returns a vault over them.
// The caller closes the store.
func (c *cli) openVault(ctx context.Context) (*vault.Vault, *sqlstore.Store, *local.Manager, error) {
	return c.config().OpenVault(ctx)
}

// readCapped and readAllCapped read files and streams under a size cap
// (vaultenv's rule, shared with the docker credential helper).
var readCapped, readAllCapped = vaultenv.ReadCapped, vaultenv.ReadAllCapped
