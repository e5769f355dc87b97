package vault_test

import (
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/memstore"
	"github.com/credvault/credvault/vault/storetest"
)

// storeForms are the ways a job can meet a store: with both optional
// capabilities (memstore as is: listing into reused pages, writing in
// batches), with batches only, and with neither (record by record).
var storeForms = map[string]func(vault.Store) vault.Store{
	"batches and page reuse": func(s vault.Store) vault.Store { return s },
	"batches only":           func(s vault.Store) vault.Store { return batchOnly{s, s.(vault.BatchPutter)} },
	"record by record":       func(s vault.Store) vault.Store { return storeOnly{s} },
}

// batchOnly hides a store's PageLister.
type batchOnly struct {
	vault.Store
	vault.BatchPutter
}

// storeOnly hides a store's optional capabilities.
type storeOnly struct{ vault.Store }

// TestPageAdapterConformance runs the store conformance suite, its batch
// and page-lister checks included, on a store that offers neither
// capability, as a rotation job adapts it.
func TestPageAdapterConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) vault.Store { return vault.AdaptStore(storeOnly{memstore.New()}, 4) })
}
