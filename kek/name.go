package kek

import (
	"errors"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Name caps, in bytes.
const (
	MaxOrgSize      = 128
	MaxRegistrySize = 512
)

// ErrInvalidName: an org or registry name breaks the rule of ValidateOrg
// or ValidateRegistry. Such errors are *NameError values, which also
// match ErrInvalidInput.
var ErrInvalidName = errors.New("kek: invalid name")

// A NameError reports a name that ValidateOrg or ValidateRegistry (or a
// parser built on them) refused. It never quotes the name, which may be
// attacker input. It matches ErrInvalidName and ErrInvalidInput.
type NameError struct {
	// Field names what was refused: "org", "registry", or the reference
	// form a parser was given.
	Field string
	// Reason says which part of the rule the name breaks.
	Reason string
}

// Error implements error.
func (e *NameError) Error() string { return "kek: invalid " + e.Field + ": " + e.Reason }

// Unwrap returns ErrInvalidName and ErrInvalidInput.
func (e *NameError) Unwrap() []error { return []error{ErrInvalidName, ErrInvalidInput} }

// ValidateOrg checks an org name against the one org rule of credvault:
// 1 to MaxOrgSize bytes of ASCII letters, digits, '.', '_' and '-',
// starting with a letter or digit (^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$).
//
// Org names select a KEK: resolvers put them in KEK URLs and KMS aliases,
// and kek/local in file names. The rule admits only characters that need
// no escaping in a URL or a path, no path separator and no leading dot or
// dash, so an org cannot inject URL syntax, name a hidden file or look
// like a command-line flag. The vault, the resolvers and kek/local all
// check it, so a name is refused at the vault before anything is written.
// It does not allocate when the name is valid.
func ValidateOrg(org string) error {
	switch {
	case org == "":
		return &NameError{Field: "org", Reason: "empty"}
	case len(org) > MaxOrgSize:
		return &NameError{Field: "org", Reason: "longer than " + strconv.Itoa(MaxOrgSize) + " bytes"}
	case !alnum(org[0]):
		return &NameError{Field: "org", Reason: "does not start with an ASCII letter or digit"}
	}
	for i := 1; i < len(org); i++ {
		if c := org[i]; !alnum(c) && c != '.' && c != '_' && c != '-' {
			return &NameError{Field: "org", Reason: "has a character outside [A-Za-z0-9._-]"}
		}
	}
	return nil
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

// ValidateRegistry checks a registry name against the one registry rule
// of credvault: 1 to MaxRegistrySize bytes of valid UTF-8, every
// character printable (unicode.IsPrint: letters, marks, numbers,
// punctuation, symbols and the ASCII space), no variation selector or
// other default-ignorable character, and no leading or trailing space.
//
// So a registry name never holds a control character (C0, DEL, C1 such as
// U+0085), a bidi or other format character (U+202E, U+200B, U+FEFF), a
// line or paragraph separator, a space other than U+0020, a private-use
// or unassigned code point, or anything else that prints as nothing: two
// names that differ only in such characters would look the same in a log
// or a listing while naming two records, and bidi overrides can reorder a
// log line.
//
// Unlike org names, registry names may be printable Unicode and contain
// '/': they never reach a URL, a path or a KEK lookup (the KEK binds them
// as associated data, and kek/awskms records them in the EncryptionContext,
// which takes any Unicode), and they are chosen by the tenant as display
// labels (Harness scope paths such as "org/project/registry", or names in
// the tenant's language), which records stored before this rule already
// use. Names are compared byte for byte; the rule does not normalize them.
// It does not allocate when the name is valid.
func ValidateRegistry(name string) error {
	switch {
	case name == "":
		return &NameError{Field: "registry", Reason: "empty"}
	case len(name) > MaxRegistrySize:
		return &NameError{Field: "registry", Reason: "longer than " + strconv.Itoa(MaxRegistrySize) + " bytes"}
	case name[0] == ' ' || name[len(name)-1] == ' ':
		return &NameError{Field: "registry", Reason: "starts or ends with a space"}
	case printableASCII(name):
		return nil
	case !utf8.ValidString(name):
		return &NameError{Field: "registry", Reason: "not valid UTF-8"}
	}
	for _, r := range name {
		if !visible(r) {
			return &NameError{Field: "registry", Reason: "has a control, format or other invisible character"}
		}
	}
	return nil
}

// visible reports whether r prints as something: printable and not a
// default-ignorable code point.
func visible(r rune) bool {
	return unicode.IsPrint(r) && !unicode.Is(unicode.Variation_Selector, r) &&
		!unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
