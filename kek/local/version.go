package local

// Status is the state of one key version in an org keyset.
type Status int

const (
	// StatusEnabled: the version wraps (if primary) and unwraps.
	StatusEnabled Status = iota + 1
	// StatusDisabled: the version is kept but refuses to unwrap until it is
	// enabled again (kek.ErrKeyDisabled).
	StatusDisabled
	// StatusDestroyed: the key material is gone; DEKs it wrapped are lost
	// (kek.ErrKeyDestroyed). Only the version number is remembered.
	StatusDestroyed
)

// String returns "enabled", "disabled", "destroyed" or "unknown".
func (s Status) String() string {
	switch s {
	case StatusEnabled:
		return "enabled"
	case StatusDisabled:
		return "disabled"
	case StatusDestroyed:
		return "destroyed"
	default:
		return "unknown"
	}
}

// A Version describes one key version of an org keyset. It holds no key
// material.
type Version struct {
	// KeyID is the kek key ID, "local://<org>#v=<TinkID>".
	KeyID string
	// TinkID is the Tink key ID, also the 4 bytes after the 0x01 prefix
	// byte of every ciphertext the version produced.
	TinkID uint32
	// Status is enabled, disabled or destroyed.
	Status Status
	// Primary reports whether Wrap uses this version now.
	Primary bool
}
