package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/credcodec"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
)

// OpenRecord authenticates and decrypts a record read from the store. The
// DEK goes to the exact KEK key version the record names; the key
// commitment is checked before the payload is decrypted; decrypted buffers
// are zeroed before returning.
func (v *Vault) OpenRecord(ctx context.Context, rec Record) (_ Entry, err error) {
	defer v.m.open.stop(ctx, v.m.open.start(ctx), &err)
	env, err := parseRecord(rec)
	if err != nil {
		return Entry{}, err
	}
	kk, err := v.keys.KEK(ctx, rec.Org)
	if err != nil {
		return Entry{}, fmt.Errorf("vault: open %s: resolve KEK: %w", rec.Key, err)
	}
	s := getScratch()
	defer s.release()
	pt, err := v.openPlaintext(ctx, kk, rec.Key, &env, s)
	if err != nil {
		return Entry{}, fmt.Errorf("vault: open %s: %w", rec.Key, err)
	}
	defer clear(pt)
	e, err := decodeEntry(&env, pt)
	if err != nil {
		return Entry{}, fmt.Errorf("vault: open %s: %w", rec.Key, err)
	}
	return e, nil
}

// openPlaintext unwraps env's DEK (env is the envelope of the record at
// k), checks it against the commitment and decrypts the payload into
// s.pt's array, for the caller to clear.
func (v *Vault) openPlaintext(ctx context.Context, kk kek.KEK, k Key, env *envelope.Envelope, s *scratch) ([]byte, error) {
	b := envelope.DEKAAD(s.hdr[:0], env.Version, k.Org, k.Registry, env.Kind)
	dek, err := v.unwrap(ctx, kk, env, kekAAD(k, b, &s.labels))
	if err != nil {
		return nil, unwrapErr(err)
	}
	defer clear(dek)
	if err := envelope.CheckCommitment(dek, &env.Commitment); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	s.nonce = env.Nonce
	aad := envelope.PayloadAAD(b[len(b):], env, k.Org, k.Registry)
	pt, err := envelope.Open(s.pt[:0], env.Alg, dek, &s.nonce, env.Ciphertext, aad)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return pt, nil
}

// unwrapErr marks an unwrap failure that shows the record does not belong
// under its org's KEK as ErrCorrupt, keeping the KEK's own sentinel: the
// wrapped DEK did not authenticate (kek.ErrUnwrap), or the record names a
// key version the org's KEK does not have (kek.ErrKeyNotFound: the record
// was moved from another org, or its key-ID column rolled to another
// org's key). Outages, disabled and destroyed keys pass unchanged.
func unwrapErr(err error) error {
	if errors.Is(err, kek.ErrUnwrap) || errors.Is(err, kek.ErrKeyNotFound) {
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return err
}

// unwrap returns the record's plaintext DEK, from the cache when enabled.
func (v *Vault) unwrap(ctx context.Context, kk kek.KEK, env *envelope.Envelope, aad kek.AAD) ([]byte, error) {
	var ck string
	if v.cache != nil {
		ck = cacheKey(env.KeyID, env.WrappedDEK, aad.Data) // the labels are copies of what Data binds
		dek, ok := v.cache.get(ck)
		v.m.cacheLookup(ctx, ok)
		if ok {
			v.n.hits.Add(1)
			return dek, nil
		}
		v.n.misses.Add(1)
	}
	v.n.unwraps.Add(1)
	start := v.m.kekUnwrap.start(ctx)
	dek, err := kk.Unwrap(ctx, env.KeyID, env.WrappedDEK, aad)
	v.m.kekUnwrap.stop(ctx, start, &err)
	if err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.put(ck, dek)
	}
	return dek, nil
}

// parseRecord parses the envelope and checks it against the store's
// columns.
func parseRecord(rec Record) (envelope.Envelope, error) {
	env, err := envelope.ParseStored(rec.Envelope, rec.KeyID)
	if err != nil {
		return env, fmt.Errorf("vault: open %s: %w: %w", rec.Key, ErrCorrupt, err)
	}
	return env, nil
}

// decodeEntry decodes the authenticated plaintext pt and env's metadata
// into the entry they were sealed from.
func decodeEntry(env *envelope.Envelope, pt []byte) (Entry, error) {
	cred, err := credcodec.DecodeSealed(pt) // authenticated: the encoding is checked, not re-validated
	if err == nil && string(cred.Kind()) != env.Kind {
		err = errors.New("kind disagrees with the header")
	}
	if err != nil {
		return Entry{}, fmt.Errorf("%w: payload: %w", ErrCorrupt, err)
	}
	e, err := openMeta(env.Meta)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	e.Credential = cred
	return e, nil
}

// describe builds the redacted view from the record header alone.
func (v *Vault) describe(rec Record) (Description, error) {
	env, err := parseRecord(rec)
	if err != nil {
		return Description{}, err
	}
	m, err := describeMeta(env.Meta)
	if err != nil {
		return Description{}, fmt.Errorf("vault: describe %s: %w: %w", rec.Key, ErrCorrupt, err)
	}
	return Description{
		Key: rec.Key, Version: rec.Version, UpdatedAt: rec.UpdatedAt, KeyID: rec.KeyID,
		Provider: m.Provider, URL: m.URL, Insecure: m.Insecure, RobotPrefix: m.RobotPrefix, CABundle: m.CABundle,
		Kind: credentials.Kind(env.Kind), View: m.View,
	}, nil
}
