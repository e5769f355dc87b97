package local

import (
	"context"
	"testing"

	"github.com/credvault/credvault/kek"
	"github.com/credvault/credvault/kek/kektest"
)

func TestConformance(t *testing.T) {
	const org = "acme"
	var reg kekRegistry
	newKEK := func(t *testing.T) kek.KEK {
		e := newEnv(t)
		k := e.create(t, org)
		reg.put(k, e)
		return k
	}
	kektest.Run(t, kektest.Harness{
		New:   newKEK,
		Other: newKEK,
		Reopen: func(t *testing.T, k kek.KEK) kek.KEK {
			k2, err := reg.get(k).reopen(t).KEK(context.Background(), org)
			if err != nil {
				t.Fatalf("KEK after reopen: %v", err)
			}
			return k2
		},
		Rotate: func(t *testing.T, k kek.KEK) kek.KEK {
			reg.get(k).rotate(t, org)
			return k
		},
		ChecksContext: true,
	})
}
