package credentials

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// canary is planted in secret fields; it must never be printed. It uses
// only letters and digits so it fits every secret's charset.
const canary = "Zq9CnryXk7Wv"

var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-q", "%T", "%p"}

// leakChecker collects everything printed and fails on any form of the
// canary (or of extra forbidden strings).
type leakChecker struct {
	t         *testing.T
	forbidden []string
}

func newLeakChecker(t *testing.T, extra ...string) *leakChecker {
	h := hex.EncodeToString([]byte(canary))
	return &leakChecker{t: t, forbidden: append([]string{canary, h, strings.ToUpper(h)}, extra...)}
}

func (lc *leakChecker) check(what, out string) {
	lc.t.Helper()
	for _, f := range lc.forbidden {
		if strings.Contains(out, f) {
			lc.t.Errorf("%s leaked a secret: %.300s", what, out)
		}
	}
}

// printAll renders v every way a program might: fmt verbs, JSON, and slog's
// text and JSON handlers.
func (lc *leakChecker) printAll(name string, v any) {
	lc.t.Helper()
	for _, verb := range printVerbs {
		lc.check(name+" "+verb, fmt.Sprintf(verb, v))
	}
	lc.check(name+" Sprint", fmt.Sprint(v)+fmt.Sprintln(v))
	if b, err := json.Marshal(v); err == nil {
		lc.check(name+" json", string(b))
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		logger := slog.New(h)
		logger.Info("value", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
		if err, ok := v.(error); ok {
			logger.Error("failed", "err", err)
		}
	}
	lc.check(name+" slog", buf.String())
}

func TestSecretRedactedEverywhere(t *testing.T) {
	t.Parallel()
	lc := newLeakChecker(t)
	s := NewSecret(canary)
	for _, v := range []any{s, &s, []Secret{s, s}, map[string]Secret{"k": s}, struct{ S Secret }{s}, struct{ P *Secret }{&s},
		struct{ s Secret }{s}, struct{ c UsernamePassword }{UsernamePassword{Username: "u", Password: s}}} {
		lc.printAll(fmt.Sprintf("%T", v), v)
	}
	for _, verb := range []string{"%v", "%+v", "%s", "%x", "%X", "%d", "%10s", "%-10v", "%08x"} {
		if got := fmt.Sprintf(verb, s); got != Redacted {
			t.Errorf("Sprintf(%q) = %q, want %q", verb, got, Redacted)
		}
	}
	want := map[string]string{"%q": `"[REDACTED]"`, "%-q": `"[REDACTED]"`, "%#v": `credentials.Secret("[REDACTED]")`}
	for verb, w := range want {
		if got := fmt.Sprintf(verb, s); got != w {
			t.Errorf("Sprintf(%q) = %q, want %q", verb, got, w)
		}
	}
	if s.Reveal() != canary || s.Len() != len(canary) || s.IsZero() {
		t.Fatal("Reveal, Len or IsZero lost the value")
	}
	if !s.Equal(NewSecret(canary)) || s.Equal(NewSecret(canary+"x")) || !NewSecret("").Equal(Secret{}) {
		t.Fatal("Equal compares wrongly")
	}
	if NewSecret("") != (Secret{}) || !(Secret{}).IsZero() || (Secret{}).Reveal() != "" {
		t.Fatal("the empty secret is not the zero Secret")
	}
}

// TestGoStringInStruct checks that %#v of a credential goes through
// Secret's GoString (via Format) rather than dumping the unexported field.
func TestGoStringInStruct(t *testing.T) {
	t.Parallel()
	got := fmt.Sprintf("%#v", UsernamePassword{Username: "u", Password: NewSecret(canary)})
	want := `credentials.UsernamePassword{Username:"u", Password:credentials.Secret("[REDACTED]")}`
	if got != want {
		t.Fatalf("%%#v = %s, want %s", got, want)
	}
}
