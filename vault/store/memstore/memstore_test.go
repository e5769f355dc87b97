package memstore_test

import (
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
	"github.com/credvault/credvault/vault/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) vault.Store { return memstore.New() })
}
