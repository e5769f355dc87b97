// Command credvault is the operator CLI for a credvault deployment: it
// manages org key-encryption keys in local keysets, runs rotation jobs,
// and reads and writes sealed registry credentials, over the same
// packages a service embeds (vault, vault/store/sqlstore with
// PostgreSQL registered, kek/local).
//
// Run "credvault help" for its commands, flags, environment and exit
// codes: that text (usageText in run.go) is their one description.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(interruptible(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// interruptible returns a context that SIGINT or SIGTERM ends, so that a
// job stops cleanly and says how to resume. After the first signal the
// default handling returns: a second Ctrl-C ends the process at once.
func interruptible() context.Context {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx
}
