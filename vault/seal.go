package vault

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/credvault/credvault/credentials"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
)

// Seal encrypts e for k under a fresh DEK and returns the record to store
// (Version 0). Put is Seal plus a compare-and-swap write; Seal is exported
// for rotation jobs and tools that write through their own transaction.
func (v *Vault) Seal(ctx context.Context, k Key, e Entry) (Record, error) {
	if err := k.Validate(); err != nil {
		return Record{}, err
	}
	if e.Credential == nil {
		return Record{}, fmt.Errorf("%w: no credential", ErrInvalidEntry)
	}
	plaintext, err := credentials.Encode(e.Credential) // validates the credential
	if err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	defer clear(plaintext)
	meta, err := encodeMeta(e)
	if err != nil {
		return Record{}, err
	}
	k2, err := v.keys.KEK(ctx, k.Org)
	if err != nil {
		return Record{}, fmt.Errorf("vault: seal %s: resolve KEK: %w", k, err)
	}
	env := envelope.Envelope{Version: envelope.Version1, Alg: v.alg, Kind: string(e.Credential.Kind()), Meta: meta}
	out, err := v.sealWith(ctx, k2, k, &env, plaintext)
	if err != nil {
		return Record{}, fmt.Errorf("vault: seal %s: %w", k, err)
	}
	return Record{Key: k, KeyID: env.KeyID, Envelope: out}, nil
}

// sealWith draws the DEK and nonce, wraps the DEK, and encrypts plaintext
// into a complete envelope. env.KeyID is set from the KEK's answer.
func (v *Vault) sealWith(ctx context.Context, kk kek.KEK, k Key, env *envelope.Envelope, plaintext []byte) ([]byte, error) {
	var dek [envelope.DEKSize]byte
	defer clear(dek[:])
	rand.Read(dek[:])
	rand.Read(env.Nonce[:])
	payloadKey, commit, err := envelope.DeriveKeys(dek[:])
	defer clear(payloadKey[:])
	if err != nil {
		return nil, err
	}
	env.Commitment = commit
	aadBuf := make([]byte, 0, 256)
	v.n.wraps.Add(1)
	wrapped, keyID, err := kk.Wrap(labelled(ctx, kk, k), dek[:], envelope.DEKAAD(aadBuf, env.Version, k.Org, k.Registry, env.Kind))
	if err != nil {
		return nil, fmt.Errorf("wrap DEK: %w", err)
	}
	env.WrappedDEK, env.KeyID = wrapped, keyID
	ctLen := len(plaintext) + envelope.Overhead(env.Alg)
	out, err := env.AppendHeader(make([]byte, 0, env.HeaderSize()+ctLen), ctLen)
	if err != nil {
		return nil, err
	}
	aad := envelope.PayloadAAD(aadBuf[:0], env, k.Org, k.Registry)
	return envelope.Seal(out, env.Alg, &payloadKey, &env.Nonce, plaintext, aad)
}

// labelled attaches the record's org and registry as readable labels for
// KEKs that record them in an audit trail (kek/awskms puts them in the
// KMS EncryptionContext, which CloudTrail logs). Every wrap, unwrap and
// rewrap attaches the same labels, so a KEK may also bind them.
func labelled(ctx context.Context, kk kek.KEK, k Key) context.Context {
	if _, ok := kk.(kek.LabelConsumer); !ok {
		return ctx
	}
	return kek.WithLabels(ctx, map[string]string{"org": k.Org, "registry": k.Registry})
}
