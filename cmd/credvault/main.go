// Command credvault is the operator CLI for a credvault deployment: it
// manages org key-encryption keys in local keysets, runs rotation jobs,
// and reads and writes sealed registry credentials, over the same
// packages a service embeds (vault, vault/store/sqlstore with
// PostgreSQL registered, kek/local).
//
// Run "credvault help" for its commands, flags, environment and exit
// codes: that text (usageText in run.go) is their one description.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
