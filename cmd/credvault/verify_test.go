package main

import (
	"context"
	"strings"
	"testing"

	"github.com/credvault/credvault/vault"
	"github.com/credvault/credvault/vault/store/sqlstore"
)

// TestVerifyReportsRecordsThatDoNotOpen: verify opens every record; one
// whose envelope was altered in the store is reported by key, with exit 6.
func TestVerifyReportsRecordsThatDoNotOpen(t *testing.T) {
	h := newHarness(t)
	h.must(exitOK, "", "keys", "create", "acme")
	h.must(exitOK, "", "keys", "create", "globex")
	h.seed("acme", 5)
	h.seed("globex", 2)
	if out := h.must(exitOK, "", "verify"); !strings.Contains(out, "7 opened, 0 failed of 7") {
		t.Fatalf("verify: %s", out)
	}
	if out := h.must(exitOK, "", "verify", "-org", "globex"); !strings.Contains(out, "2 opened, 0 failed of 2") {
		t.Fatalf("verify -org globex: %s", out)
	}

	st, err := sqlstore.Open(context.Background(), h.env["CREDVAULT_STORE"])
	if err != nil {
		t.Fatal(err)
	}
	k := vault.Key{Org: "acme", Registry: "reg-00003"}
	rec, err := st.Get(t.Context(), k)
	if err != nil {
		t.Fatal(err)
	}
	rec.Envelope[len(rec.Envelope)-1] ^= 1 // the payload's tag
	if _, err := st.Put(t.Context(), rec, rec.Version); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut := h.run("", "verify", "-org", "acme")
	if code != exitPartial || !strings.Contains(out, "4 opened, 1 failed of 5") || !strings.Contains(errOut, "acme/reg-00003") {
		t.Fatalf("verify of a corrupt record: exit %d\n%s\n%s", code, out, errOut)
	}
	h.must(exitUsage, "", "verify", "acme")
	h.must(exitUsage, "", "verify", "-workers", "0")
}
