package registry

import (
	"context"
	"testing"

	"github.com/credvault/credvault/credentials"
)

func nopChecker(context.Context, *Session, Target, credentials.Credential) Result { return Result{} }

// TestRegisterPanics: Register follows kek.RegisterScheme: an empty
// provider, a nil checker or a second registration of one provider is a
// programming error that panics at start-up, and the first checker stays.
func TestRegisterPanics(t *testing.T) {
	const p = "TEST_REGISTER_PANICS"
	Register(p, nopChecker)
	for name, register := range map[string]func(){
		"duplicate":      func() { Register(p, nopChecker) },
		"empty provider": func() { Register("", nopChecker) },
		"nil checker":    func() { Register("TEST_NIL", nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			register()
		})
	}
	if _, ok := Lookup("TEST_NIL"); ok {
		t.Fatal("a nil checker was registered")
	}
	if _, ok := Lookup(p); !ok {
		t.Fatal("the first checker was lost")
	}
}
