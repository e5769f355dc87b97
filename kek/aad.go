package kek

// A Label is a readable name/value pair attached to a wrap, such as
// {"org", "acme"}. Names are lower-case ASCII ([a-z0-9_.-]); values are
// not secret.
type Label struct{ Name, Value string }

// An AAD is the associated data a DEK is wrapped under. Unwrap and Rewrap
// must be given the same AAD, Data and Labels, as Wrap was.
//
// Data is opaque and every KEK binds it: Unwrap with other Data fails.
//
// Labels are readable copies of facts Data already binds (the vault passes
// {"org", org} and {"registry", registry}, in that order). They add no
// security of their own. A KEK with an audit trail records them (kek/awskms
// puts them in the KMS EncryptionContext, which CloudTrail logs) and may
// bind them, so an unwrap with other Labels may fail; KEKs without one
// (kek/local, kek/gocloud) ignore them. A KEK may refuse Labels it cannot
// record (too many, an odd name, a duplicate name) with ErrInvalidInput.
type AAD struct {
	// Data is bound by every KEK.
	Data []byte
	// Labels are recorded, and possibly bound, by KEKs with an audit
	// trail.
	Labels []Label
}
