package gocloud

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"net/url"
	"strings"

	"gocloud.dev/gcerrors"
	"gocloud.dev/secrets"

	"github.com/credvault/credvault/kek"
)

// Bound plaintext layout: version || SHA-256(binding) || DEK, where
// binding = uint16(len(keyID)) || keyID || aad (big-endian length).
const (
	boundVersion = 0x01
	hashSize     = sha256.Size
	boundHeader  = 1 + hashSize
)

var _ kek.KEK = (*KEK)(nil)

// A KEK wraps DEKs with a gocloud.dev/secrets Keeper. It is safe for
// concurrent use.
type KEK struct {
	keeper *secrets.Keeper
	keyID  string
	// unknownIsCiphertext: the driver reports every error as
	// gcerrors.Unknown and fails Decrypt only on a bad ciphertext
	// (localsecrets, the base64key scheme).
	unknownIsCiphertext bool
	// versions opens the other versions of an Azure key; nil otherwise.
	versions *versionKeepers
}

// Open opens the Keeper at keeperURL with secrets.OpenKeeper (the driver
// for its scheme must be registered, usually by a blank import) and
// returns a KEK over it. Close releases the Keeper.
func Open(ctx context.Context, keeperURL string) (*KEK, error) {
	keyID, err := KeyID(keeperURL)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &Error{Op: "open", KeyID: keyID, kind: kek.ErrUnavailable, Err: err}
	}
	keeper, err := secrets.OpenKeeper(ctx, keeperURL)
	if err != nil {
		// gocloud's message may quote the URL (and so a key or token):
		// report only its code.
		code := gcerrors.Code(err)
		return nil, &Error{Op: "open", KeyID: keyID, Code: code, kind: kek.ErrInvalidInput,
			Err: errString("cannot open " + redactedScheme(keeperURL) + " keeper (gocloud code " + code.String() + ")")}
	}
	u, _ := url.Parse(keeperURL) // KeyID parsed it
	return &KEK{keeper: keeper, keyID: keyID, unknownIsCiphertext: u.Scheme == base64KeyScheme,
		versions: newVersionKeepers(keyID, u)}, nil
}

// New returns a KEK over an already opened Keeper (for example from a
// custom secrets.URLMux or a driver's OpenKeeper), reporting keyID, which
// must not contain secrets. Close closes keeper.
//
// A keyID starting "base64key://" declares a localsecrets keeper, whose
// driver reports every failure as gcerrors.Unknown: Unwrap then reports
// them as kek.ErrUnwrap. For any other keyID a gcerrors.Unknown failure
// is kek.ErrUnavailable. For Azure Key Vault, open the keeper with a key
// version (see the package documentation); a KEK from New unwraps only
// what its own key ID wrapped.
func New(keeper *secrets.Keeper, keyID string) (*KEK, error) {
	if keeper == nil || keyID == "" || len(keyID) > kek.MaxKeyIDSize {
		return nil, &Error{Op: "open", kind: kek.ErrInvalidInput, Err: errString("nil keeper or bad key ID")}
	}
	return &KEK{keeper: keeper, keyID: keyID, unknownIsCiphertext: strings.HasPrefix(keyID, base64KeyScheme+"://")}, nil
}

// Close closes the Keeper, and for Azure the keepers opened for other
// versions of the key.
func (k *KEK) Close() error {
	err := k.versions.close()
	if kerr := k.keeper.Close(); kerr != nil {
		return kerr
	}
	return err
}

// String describes the KEK by its redacted key ID.
func (k *KEK) String() string { return "gocloud:" + k.keyID }

// CurrentKeyID reports the KEK's key ID; it makes no call.
func (k *KEK) CurrentKeyID(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", k.fail("CurrentKeyID", err, false)
	}
	return k.keyID, nil
}

// Wrap binds aad.Data to dek and encrypts both with the Keeper. aad.Labels,
// copies of facts Data binds, are not used: a Keeper has no audit trail
// of its own to record them in.
func (k *KEK) Wrap(ctx context.Context, dek []byte, aad kek.AAD) ([]byte, string, error) {
	if len(dek) == 0 || len(dek) > kek.MaxDEKSize {
		return nil, "", k.invalid("Encrypt", "DEK size out of bounds")
	}
	if err := ctx.Err(); err != nil {
		return nil, "", k.fail("Encrypt", err, false)
	}
	pt := bind(k.keyID, dek, aad.Data)
	defer clear(pt)
	wrapped, err := k.keeper.Encrypt(ctx, pt)
	if err != nil {
		return nil, "", k.fail("Encrypt", err, false)
	}
	if len(wrapped) > kek.MaxWrappedSize {
		return nil, "", k.invalid("Encrypt", "wrapped DEK exceeds kek.MaxWrappedSize")
	}
	return wrapped, k.keyID, nil
}

// Unwrap decrypts wrapped with the Keeper and checks the bound key ID and
// the hash of aad.Data in constant time. keyID must be this KEK's key ID or, for an
// Azure key, the ID of another version of the same key.
func (k *KEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	switch {
	case len(keyID) > kek.MaxKeyIDSize:
		return nil, k.invalid("Decrypt", "key ID too long")
	case len(wrapped) == 0 || len(wrapped) > kek.MaxWrappedSize:
		return nil, k.invalid("Decrypt", "wrapped DEK size out of bounds")
	case keyID != k.keyID && !k.versions.owns(keyID):
		return nil, &Error{Op: "Decrypt", KeyID: k.keyID, kind: kek.ErrKeyNotFound, Err: errString("key ID is not this keeper's")}
	}
	if err := ctx.Err(); err != nil {
		return nil, k.fail("Decrypt", err, true)
	}
	keeper := k.keeper
	if keyID != k.keyID {
		kp, release, err := k.versions.keeper(ctx, keyID)
		if err != nil {
			return nil, err
		}
		defer release()
		keeper = kp
	}
	pt, err := keeper.Decrypt(ctx, wrapped)
	if err != nil {
		return nil, k.fail("Decrypt", err, true)
	}
	defer clear(pt)
	dek, ok := unbind(keyID, pt, aad.Data)
	if !ok {
		return nil, &Error{Op: "Decrypt", KeyID: k.keyID, kind: kek.ErrUnwrap, Err: errString("AAD does not match")}
	}
	return dek, nil
}

// binding hashes the key ID and the AAD unambiguously.
func binding(keyID string, aad []byte) [hashSize]byte {
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(keyID))))
	h.Write([]byte(keyID))
	h.Write(aad)
	var sum [hashSize]byte
	h.Sum(sum[:0])
	return sum
}

// bind returns version || binding(keyID, aad) || dek.
func bind(keyID string, dek, aad []byte) []byte {
	sum := binding(keyID, aad)
	out := make([]byte, 0, boundHeader+len(dek))
	out = append(out, boundVersion)
	out = append(out, sum[:]...)
	return append(out, dek...)
}

// unbind checks the version and binding of a bound plaintext and returns
// a copy of the DEK.
func unbind(keyID string, pt, aad []byte) ([]byte, bool) {
	if len(pt) <= boundHeader || pt[0] != boundVersion {
		return nil, false
	}
	sum := binding(keyID, aad)
	if subtle.ConstantTimeCompare(pt[1:boundHeader], sum[:]) != 1 {
		return nil, false
	}
	return append([]byte(nil), pt[boundHeader:]...), true
}

func (k *KEK) fail(op string, err error, decrypting bool) error {
	return &Error{Op: op, KeyID: k.keyID, Code: gcerrors.Code(err), kind: classify(err, decrypting, k.unknownIsCiphertext), Err: err}
}

func (k *KEK) invalid(op, msg string) error {
	return &Error{Op: op, KeyID: k.keyID, kind: kek.ErrInvalidInput, Err: errString(msg)}
}
