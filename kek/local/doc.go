// Package local implements kek.KEK with Tink keysets kept on local disk, one
// keyset per org, each encrypted at rest under a root key.
//
// # Root key
//
// A RootKey is 32 bytes used as an AES-256-GCM key that encrypts every org
// keyset. Load it with RootKeyFromFile (raw or base64; no group or other
// access, e.g. 0600 or 0400), RootKeyFromEnv (base64), RootKeyFromPassphrase
// (Argon2id, t=3, 64 MiB, 2 lanes, salt of at least 16 bytes) or
// RootKeyFromBytes; make one with
// GenerateRootKey and WriteRootKeyFile. A RootKey never prints: every
// formatting path gives a fixed redaction.
//
// # Files
//
// Manager stores org "acme" in <dir>/acme.keyset.json (mode 0600, written
// through a synced temporary file and an atomic rename). The file is JSON:
// a format tag, the org, the list of destroyed versions and Tink's encrypted
// keyset. The keyset's associated data is
//
//	"credvault/keyset/v1/" + org + "\x00destroyed=" + versions joined by ","
//
// A file copied to another org's name fails to open: with ErrBadKeyset,
// since its "org" field names the other org, or, if that field is edited
// to match, with ErrBadRootKey, since the org is bound as associated
// data. A file with its destroyed list edited fails with ErrBadRootKey.
// Keyset files must be regular files. The cleartext "keysetInfo"
// Tink writes beside the ciphertext is informational: statuses and the
// primary are read from the decrypted keyset only. Org names follow
// kek.ValidateOrg (^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$), which admits no
// path separator and no leading dot, so "<org>.keyset.json" always names
// a file directly inside the Manager's directory.
//
// # Key IDs
//
// Every version is an AES-256-GCM Tink key with the TINK output prefix. Its
// key ID is
//
//	local://<org>#v=<Tink key ID in decimal>
//
// for example "local://acme#v=2041534455". Unwrap accepts only key IDs of
// its own org, in canonical decimal, and checks that the ciphertext's 5-byte
// Tink prefix (0x01 and the big-endian Tink key ID) names the same version,
// so a DEK recorded under one version never opens under another.
//
// # Rotation
//
// Rotate adds a key and makes it primary; KEKs already handed out follow
// it. Disable (reversible) and Destroy (permanent; the key material is
// deleted and only the version number kept) refuse the primary and refuse
// versions a UsageCounter still reports records for (Disable proceeds
// anyway when given EvenIfInUse, for an emergency stop).
//
// # Several writers
//
// Several Managers may share a directory, in one process or in several (a
// service and the credvault CLI). Every change (Rotate, Disable, Enable,
// Destroy) holds an exclusive flock(2) on <dir>/.<org>.keyset.lock,
// rereads the org's file under it, applies the change to what is on
// disk, not to the Manager's cache, and renames the result into place: no
// writer loses another's versions. Readers take no lock, since every file
// is replaced whole. A change waiting for the lock gives up when its
// context ends. Create takes the lock too, though it never replaces a
// file (it links the new one into place).
//
// A writer writes the new file as .<org>.keyset~<random>.tmp (mode 0600)
// and removes it on any error. One killed before its rename leaves that
// file behind, holding the whole keyset, versions that Destroy removes
// later included; so temporary files are never read, and are removed:
// by the org's next writer, under the lock, before it writes (so that
// Destroy leaves no copy of the destroyed version behind), and by Open,
// for every org whose lock is free (and the unnamed .keyset-*.tmp of
// earlier releases).
//
// A running Manager sees another writer's change of an org
//
//   - when it changes the org itself (it rereads the file first);
//   - when Unwrap meets a version of the org its cache lacks: it checks the
//     file at once, so records wrapped under a primary the CLI just added
//     open in the service right away;
//   - when Versions is called, which checks the file each time;
//   - otherwise within RecheckInterval (one second): the first Wrap, Unwrap
//     or CurrentKeyID after the interval stats the file and rereads it if
//     it was replaced.
//
// So after "credvault keys rotate" a running service wraps under the new
// primary within a second, and a version the CLI disabled stops
// unwrapping there within a second. Until then the service may still wrap
// under the old primary: wait that long before retiring it. A file that
// fails to reread (unreadable, wrong root key) leaves the cache in use.
//
// On systems without flock(2) (Windows, AIX, Solaris other than illumos)
// the lock only orders the changes of one Manager: give such a directory
// a single writing process there. The lock is advisory and relies on the
// file system honouring flock (local file systems do; NFS does through
// Linux's emulation with fcntl locks).
//
// # URLs
//
// Importing this package registers the "local" scheme with kek.Open and
// the kek resolvers:
//
//	local:///var/lib/credvault/keysets?org=acme&root_key_file=/etc/credvault/root.key
//	local:///var/lib/credvault/keysets?org={org}&root_key_env=CREDVAULT_ROOT_KEY
//
// The path is the keyset directory; exactly one of root_key_file and
// root_key_env names the root key. One Manager is opened per (directory,
// root key source) and shared by every org opened through URLs. URL errors
// match ErrInvalidURL (and kek.ErrInvalidInput) and never quote the query.
//
// # Errors
//
// KEK errors match the kek sentinels: kek.ErrKeyNotFound (foreign or unknown
// version, or no keyset for the org), kek.ErrKeyDisabled,
// kek.ErrKeyDestroyed, kek.ErrUnwrap, kek.ErrInvalidInput, kek.ErrKeyInUse,
// and kek.ErrInvalidName (a *kek.NameError) for an org name kek.ValidateOrg
// refuses. Management errors add ErrInvalidRootKey, ErrInsecureFile
// (*FileModeError), ErrBadRootKey, ErrBadKeyset, ErrExists and
// ErrPrimaryKey.
// No error carries key material.
//
// # Performance
//
// Each keyset change builds one immutable snapshot holding a ready Tink
// AES-GCM primitive per enabled version; Wrap and Unwrap load it through an
// atomic pointer, take no lock and allocate only their output, except that
// once per RecheckInterval one call per org stats the keyset file.
package local
