package apikey

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/credvault/credvault/credentials"
)

// Errors of a [Store] and a [Verifier], matched with errors.Is.
var (
	// ErrNotFound: no key has that ID (in that org).
	ErrNotFound = errors.New("apikey: key not found")
	// ErrExists: a key with that ID is already stored.
	ErrExists = errors.New("apikey: key already exists")
	// ErrUnauthorized: a presented key is malformed, unknown, wrong or
	// revoked. The four are one error on purpose: a caller learns nothing
	// about which keys exist.
	ErrUnauthorized = errors.New("apikey: key refused")
)

// Limits on a [Record]'s text fields, in bytes.
const (
	MaxOrgLen   = 256
	MaxLabelLen = 200
)

// A Role is what a key may do. Roles are ordered: an admin may do what a
// developer may, a developer what a viewer may.
type Role string

// The roles, lowest first.
const (
	RoleViewer    Role = "viewer"
	RoleDeveloper Role = "developer"
	RoleAdmin     Role = "admin"
)

// rank orders the roles; 0 is no valid role.
func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleDeveloper:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Allows reports whether r is a valid role at least as high as min.
func (r Role) Allows(min Role) bool { return r.rank() > 0 && r.rank() >= min.rank() }

// ParseRole returns the role named s ("viewer", "developer", "admin"), or
// a *[credentials.FieldError] naming "role".
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.rank() > 0 {
		return r, nil
	}
	return "", fieldErr("role", credentials.ErrInvalid, `want "viewer", "developer" or "admin"`)
}

// A Record is what a [Store] keeps for one API key: its [Hash], never the
// key, and who may use it for what. None of it is secret.
type Record struct {
	// Hash identifies and checks the key; Hash.ID is the lookup ID,
	// unique across orgs.
	Hash Hash
	// Org is the organization the key acts for.
	Org string
	// Role is what the key may do.
	Role Role
	// Label is a human note ("CI deploy", "sensor eu-west-1").
	Label string
	// CreatedAt is when the key was issued.
	CreatedAt time.Time
	// LastUsedAt is when a [Verifier] last accepted the key, to within its
	// touch interval; zero if never.
	LastUsedAt time.Time
	// RevokedAt is when the key was revoked; zero while it is active.
	RevokedAt time.Time
}

// Revoked reports whether the key was revoked.
func (r Record) Revoked() bool { return !r.RevokedAt.IsZero() }

// Validate checks what a Store requires of a record it creates: a valid
// hash, an org, a role and a label within the limits. It returns a
// *[credentials.FieldError] naming the field.
func (r Record) Validate() error {
	if _, err := ParseHash(r.Hash.String()); err != nil {
		return err
	}
	switch {
	case r.Org == "" || len(r.Org) > MaxOrgLen || !utf8.ValidString(r.Org):
		return fieldErr("org", credentials.ErrInvalid, "must be 1 to 256 bytes of UTF-8")
	case r.Role.rank() == 0:
		_, err := ParseRole(string(r.Role))
		return err
	case len(r.Label) > MaxLabelLen || !utf8.ValidString(r.Label):
		return fieldErr("label", credentials.ErrInvalid, "must be at most 200 bytes of UTF-8")
	case r.CreatedAt.IsZero():
		return fieldErr("createdAt", credentials.ErrInvalid, "must be set")
	}
	return nil
}

// A Store keeps API-key records. Implementations are safe for concurrent
// use; apikey/keystoretest is their conformance suite. [MemStore] keeps
// them in memory; vault/store/sqlstore keeps them beside the sealed
// records, in SQLite or PostgreSQL.
type Store interface {
	// CreateKey stores rec, which must pass rec.Validate; ErrExists if
	// its ID is taken. LastUsedAt and RevokedAt are stored as given.
	CreateKey(ctx context.Context, rec Record) error
	// KeyByID returns the record whose Hash.ID is id, or ErrNotFound.
	KeyByID(ctx context.Context, id string) (Record, error)
	// ListKeys returns org's records, revoked ones included, ordered by
	// CreatedAt then ID.
	ListKeys(ctx context.Context, org string) ([]Record, error)
	// RevokeKey marks org's key id revoked at at, unless it already is
	// (the first revocation time stays). ErrNotFound if org has no such
	// key.
	RevokeKey(ctx context.Context, org, id string, at time.Time) error
	// TouchKey sets the key's LastUsedAt to at if that is later than the
	// stored one. ErrNotFound if there is no such key.
	TouchKey(ctx context.Context, id string, at time.Time) error
}

// A Grant says whom a new key is for; see [Issue].
type Grant struct {
	Prefix string // e.g. "hg_ak_"
	Org    string
	Role   Role
	Label  string
}

// Issue mints a key with [New], stores its record in s, and returns the key
// to show the user once, with the stored record. Nothing is stored if the
// grant is invalid.
func Issue(ctx context.Context, s Store, g Grant) (credentials.Secret, Record, error) {
	key, h, err := New(g.Prefix)
	if err != nil {
		return credentials.Secret{}, Record{}, err
	}
	rec := Record{Hash: h, Org: g.Org, Role: g.Role, Label: g.Label, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := rec.Validate(); err != nil {
		return credentials.Secret{}, Record{}, err
	}
	if err := s.CreateKey(ctx, rec); err != nil {
		return credentials.Secret{}, Record{}, err
	}
	return key, rec, nil
}
