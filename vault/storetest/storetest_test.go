package storetest_test

import (
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
	"github.com/credvault/credvault/vault/storetest"
)

// TestRun runs the suite against the reference in-memory store, so a
// change to the suite is checked where it is made.
func TestRun(t *testing.T) {
	storetest.Run(t, func(*testing.T) vault.Store { return memstore.New() })
}
