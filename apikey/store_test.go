package apikey

import (
	"errors"
	"testing"
	"time"

	"github.com/credvault/credvault/credentials"
)

func TestRoleAllows(t *testing.T) {
	t.Parallel()
	roles := []Role{RoleViewer, RoleDeveloper, RoleAdmin}
	for i, have := range roles {
		for j, need := range roles {
			if got := have.Allows(need); got != (i >= j) {
				t.Errorf("%s.Allows(%s) = %v", have, need, got)
			}
		}
		if Role("owner").Allows(have) || Role("").Allows(have) {
			t.Errorf("an invalid role allows %s", have)
		}
	}
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"viewer", "developer", "admin"} {
		if r, err := ParseRole(s); err != nil || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, err)
		}
	}
	for _, s := range []string{"", "Admin", "owner", "admin ", "viewer\x00"} {
		_, err := ParseRole(s)
		var fe *credentials.FieldError
		if !errors.As(err, &fe) || fe.Field != "role" || !errors.Is(err, credentials.ErrInvalid) {
			t.Errorf("ParseRole(%q) error = %v", s, err)
		}
	}
}

func FuzzParseRole(f *testing.F) {
	for _, s := range []string{"viewer", "developer", "admin", "", "ADMIN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRole(s)
		if (err == nil) != (r.rank() > 0) || (err == nil && string(r) != s) {
			t.Fatalf("ParseRole(%q) = %q, %v", s, r, err)
		}
	})
}

func TestIssueRefusesBadGrant(t *testing.T) {
	t.Parallel()
	s := new(MemStore)
	for field, g := range map[string]Grant{
		"prefix": {Prefix: "HG", Org: "acme", Role: RoleAdmin},
		"org":    {Prefix: "hg_ak_", Role: RoleAdmin},
		"role":   {Prefix: "hg_ak_", Org: "acme", Role: "root"},
	} {
		key, _, err := Issue(t.Context(), s, g)
		var fe *credentials.FieldError
		if !errors.As(err, &fe) || fe.Field != field || key.Len() != 0 {
			t.Errorf("Issue with a bad %s: %v", field, err)
		}
	}
	if len(s.keys) != 0 {
		t.Fatalf("refused grants stored %d keys", len(s.keys))
	}
}

func TestRecordRevoked(t *testing.T) {
	t.Parallel()
	if (Record{}).Revoked() || !(Record{RevokedAt: time.Unix(1, 0)}).Revoked() {
		t.Fatal("Revoked does not follow RevokedAt")
	}
}
