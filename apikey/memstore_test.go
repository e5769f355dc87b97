package apikey_test

import (
	"testing"

	"github.com/credvault/credvault/apikey"
	"github.com/credvault/credvault/apikey/keystoretest"
)

func TestMemStoreConformance(t *testing.T) {
	keystoretest.Run(t, func(t *testing.T) apikey.Store { return new(apikey.MemStore) })
}
