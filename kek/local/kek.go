package local

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/credvault/credvault/kek"
)

// Errors of the hot path, built once so failures do not allocate either.
var (
	errForeignKeyID  = fmt.Errorf("%w: key ID names no version of this org's keyset", kek.ErrKeyNotFound)
	errNoSuchVersion = fmt.Errorf("%w: no such version in this org's keyset", kek.ErrKeyNotFound)
	errDisabled      = fmt.Errorf("%w: local key version is disabled", kek.ErrKeyDisabled)
	errDestroyed     = fmt.Errorf("%w: local key version was destroyed", kek.ErrKeyDestroyed)
	errPrefix        = fmt.Errorf("%w: ciphertext was not made by this key version", kek.ErrUnwrap)
	errDecrypt       = fmt.Errorf("%w: local key version rejected the ciphertext", kek.ErrUnwrap)
	errDEKSize       = fmt.Errorf("%w: DEK must be 1 to %d bytes", kek.ErrInvalidInput, kek.MaxDEKSize)
	errWrappedSize   = fmt.Errorf("%w: wrapped DEK larger than %d bytes", kek.ErrInvalidInput, kek.MaxWrappedSize)
	errKeyIDSize     = fmt.Errorf("%w: key ID larger than %d bytes", kek.ErrInvalidInput, kek.MaxKeyIDSize)
)

// orgKEK is the kek.KEK of one org. It reads the org's current snapshot
// through an atomic pointer, so it sees rotations without taking a lock,
// and through orgState.current, so it sees other writers' changes too.
type orgKEK struct {
	st *orgState
}

var _ kek.KEK = (*orgKEK)(nil)

// Wrap encrypts dek with the primary version (AES-256-GCM, random 96-bit
// nonce) under aad.Data; aad.Labels, copies of facts Data binds, are not
// used. The result is Tink's ciphertext: 0x01, the 4-byte
// version, nonce, ciphertext and tag. ctx is only checked for cancellation.
func (k *orgKEK) Wrap(ctx context.Context, dek []byte, aad kek.AAD) ([]byte, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	if len(dek) == 0 || len(dek) > kek.MaxDEKSize {
		return nil, "", errDEKSize
	}
	s := k.st.current()
	wrapped, err := s.primary.Encrypt(dek, aad.Data)
	if err != nil {
		return nil, "", fmt.Errorf("local: wrap: %w", err)
	}
	return wrapped, s.primaryKeyID, nil
}

// Unwrap decrypts a DEK wrapped by the version keyID names under aad.Data. The version
// must belong to this org and be enabled, and the ciphertext's Tink prefix
// must name that same version. A version of this org that the cached
// keyset lacks makes Unwrap check the file once (another writer may have
// added it) before it reports kek.ErrKeyNotFound.
func (k *orgKEK) Unwrap(ctx context.Context, keyID string, wrapped []byte, aad kek.AAD) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkUnwrapSizes(keyID, wrapped); err != nil {
		return nil, err
	}
	id, v, err := k.st.current().lookup(keyID)
	if errors.Is(err, errNoSuchVersion) {
		id, v, err = k.st.refresh().lookup(keyID)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case v.status == StatusDisabled:
		return nil, errDisabled
	case v.status == StatusDestroyed:
		return nil, errDestroyed
	case len(wrapped) < tinkPrefixSize || wrapped[0] != tinkPrefixByte || binary.BigEndian.Uint32(wrapped[1:tinkPrefixSize]) != id:
		return nil, errPrefix
	}
	dek, err := v.aead.Decrypt(wrapped, aad.Data)
	if err != nil {
		return nil, errDecrypt
	}
	return dek, nil
}

func checkUnwrapSizes(keyID string, wrapped []byte) error {
	if len(wrapped) > kek.MaxWrappedSize {
		return errWrappedSize
	}
	if len(keyID) > kek.MaxKeyIDSize {
		return errKeyIDSize
	}
	return nil
}

// CurrentKeyID reports the primary version's key ID.
func (k *orgKEK) CurrentKeyID(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return k.st.current().primaryKeyID, nil
}
