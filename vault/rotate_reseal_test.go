package vault_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/credcodec"
	"github.com/credvault/credvault/vault"
)

// encodeUsernamePassword is the canonical encoding of a UsernamePassword
// (version 1, kind code 1, each field a uvarint length and its bytes),
// built by hand so that no field rule applies.
func encodeUsernamePassword(username, password string) []byte {
	b := []byte{credcodec.Version, 1}
	for _, f := range []string{username, password} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// TestRotateDEKsRotatesRecordsSealedUnderLooserRules: a record sealed
// when a field rule was looser (a username over today's cap) opens, so
// DEK rotation must rotate it as it is, not hold it to today's rules.
func TestRotateDEKsRotatesRecordsSealedUnderLooserRules(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	k := vault.Key{Org: "acme", Registry: "legacy"}
	user := strings.Repeat("u", credentials.MaxUsernameLen+44)
	view := credentials.View{Kind: credentials.KindUsernamePassword, Username: user}
	rec, err := vault.SealEncoded(ctx, e.v, k, entry(nil), view, encodeUsernamePassword(user, "pw"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Put(ctx, rec, 0); err != nil {
		t.Fatal(err)
	}
	old, _, err := e.v.Open(ctx, k)
	if err != nil {
		t.Fatalf("the legacy record does not open: %v", err)
	}
	if _, err := e.v.Seal(ctx, k, old); err == nil {
		t.Fatal("today's rules accept the legacy username: the test proves nothing")
	}
	before := commitments(t, e, []vault.Key{k})
	s, err := e.v.RotateDEKs(ctx, vault.RotateOptions{Org: "acme"})
	if err != nil || s.Done != 1 || s.Failed != 0 {
		t.Fatalf("summary %+v, errors %v, err %v", s.Progress, s.Errors, err)
	}
	if commitments(t, e, []vault.Key{k})[0] == before[0] {
		t.Fatal("the record kept its old DEK")
	}
	got, _, err := e.v.Open(ctx, k)
	if err != nil || got.Provider != old.Provider || got.URL != old.URL ||
		got.Credential.(credentials.UsernamePassword).Username != user {
		t.Fatalf("rotated record opens to %+v, %v", got, err)
	}
	if d, err := e.v.Describe(ctx, k); err != nil || d.View.Username != user {
		t.Fatalf("rotated record describes as %+v, %v", d, err)
	}
}
