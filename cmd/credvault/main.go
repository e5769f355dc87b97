// Command credvault is the operator CLI for a credvault deployment: it
// manages org key-encryption keys in local keysets, runs rotation jobs,
// and reads and writes sealed registry credentials, over the same
// packages a service embeds (vault, vault/store/sqlstore, kek/local).
//
// # Usage
//
//	credvault [-store DSN] [-keysets DIR] <command> [arguments]
//
//	keys create <org>                       create the org's keyset
//	keys rotate <org>                       add a key version and make it primary
//	keys list <org>                         versions, status, primary, record counts
//	keys retire <org> <keyID> [-destroy]    disable (or destroy) an unused version
//	rotate -org ORG [-kind rewrap|dek] [-workers N] [-rate R] [-page-size N] [-dry-run]
//	                                        move records to the current key (rewrap)
//	                                        or to fresh DEKs (dek)
//	get -redacted <org> <registry>          print the record's redacted description (JSON)
//	put <org> <registry> -provider P [-url U] [-insecure] [-credentials-file F]
//	                                        seal the credential JSON read from stdin
//	                                        (or the file) and store it
//	test-connection <org> <registry> [-allow-private CIDRs] [-allow-loopback] [-timeout D]
//	                                        test a stored record with the provider,
//	                                        URL and insecure flag sealed with it
//	test-connection -provider P [-url U] [-insecure] [-credentials-file F]
//	                                        test a credential read from stdin (or the
//	                                        file) without storing it
//	help                                    print this help
//
// Flags may come before or after the positional arguments.
//
// # Configuration
//
//	CREDVAULT_STORE                  store DSN (flag -store); default sqlite:./credvault.db
//	CREDVAULT_KEYSETS                keyset directory (flag -keysets); default ./keysets
//	CREDVAULT_ROOT_KEY_FILE          file holding the root key (raw or base64), or
//	CREDVAULT_ROOT_KEY               the root key, standard base64, or
//	CREDVAULT_ROOT_PASSPHRASE_FILE   a passphrase file, with
//	CREDVAULT_ROOT_SALT_FILE         the Argon2id salt file (at least 16 bytes)
//
// # Secrets
//
// Credentials are read from stdin or from a file, never from flags or
// arguments, which other users can see in the process list and which
// shells keep in their history. No command prints a secret: get only
// prints the redacted view, and errors name fields, never values.
//
// # Exit codes
//
//	0  success
//	1  the operation failed (store, key or I/O error)
//	2  usage error (unknown command or flag, missing argument)
//	3  not found (org keyset, key version or record)
//	4  conflict or in use (keyset exists, key version still wraps records
//	   or is the primary, record changed concurrently)
//	5  invalid input (credential JSON or provider/URL refused)
//	6  rotation finished but some records failed (listed on stderr)
//	7  a connection test ran but did not report healthy (the printed
//	   result's status says why)
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
