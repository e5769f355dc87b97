package vault

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/credvault/credvault/internal/credcodec"
	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
)

// Seal encrypts e for k under a fresh DEK and returns the record to store
// (Version 0). Put is Seal plus a compare-and-swap write; Seal is exported
// for rotation jobs and tools that write through their own transaction.
func (v *Vault) Seal(ctx context.Context, k Key, e Entry) (_ Record, err error) {
	defer v.m.seal.stop(ctx, v.m.seal.start(ctx), &err)
	if err := k.Validate(); err != nil {
		return Record{}, err
	}
	if err := validateEntry(e); err != nil {
		return Record{}, err
	}
	s := getScratch()
	defer s.release()
	plaintext, view, err := credcodec.AppendEncodeView(s.pt[:0], e.Credential) // validates
	if err != nil {
		return Record{}, fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	defer clear(plaintext)
	meta, err := appendMeta(s.hdr[:0], e, &view)
	if err != nil {
		return Record{}, err
	}
	kk, err := v.keys.KEK(ctx, k.Org)
	if err != nil {
		return Record{}, fmt.Errorf("vault: seal %s: resolve KEK: %w", k, err)
	}
	return v.sealEncoded(ctx, kk, k, s, string(view.Kind), meta, plaintext)
}

// validateEntry refuses an entry the providers table refuses (an
// unknown provider, a URL or flag the provider does not take, a
// credential kind it does not accept, an invalid credential) with an
// error wrapping ErrInvalidEntry and the providers package's typed field
// error. Only new writes are validated: re-sealing and rewrapping keep
// records that opened, whatever rules were in force when they were
// sealed.
func validateEntry(e Entry) error {
	if e.Credential == nil {
		return entryFieldError("credentials", "required")
	}
	if err := e.Target().Validate(e.Credential); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidEntry, err)
	}
	return nil
}

// sealEncoded seals pt, the canonical encoding of a credential of the
// given kind, with meta, its entry's encoded metadata (held in s.hdr,
// after which it builds the AADs), under a fresh DEK for k. Neither is
// validated here: Seal has done it, and RotateDEKs re-seals what
// OpenRecord accepted.
func (v *Vault) sealEncoded(ctx context.Context, kk kek.KEK, k Key, s *scratch, kind string, meta, pt []byte) (Record, error) {
	env := envelope.Envelope{Version: envelope.Version1, Alg: v.alg, Kind: kind, Meta: meta}
	b := envelope.DEKAAD(meta, env.Version, k.Org, k.Registry, env.Kind)
	dekAAD := b[len(meta):]
	payloadAAD := envelope.PayloadAAD(b, &env, k.Org, k.Registry)[len(b):]
	out, err := v.sealWith(ctx, kk, k, s, &env, dekAAD, payloadAAD, pt)
	if err != nil {
		return Record{}, fmt.Errorf("vault: seal %s: %w", k, err)
	}
	return Record{Key: k, KeyID: env.KeyID, Envelope: out}, nil
}

// sealWith draws the DEK (into s) and the nonce bytes env.Alg takes
// (none for ChaCha20-Poly1305), wraps the DEK, and
// encrypts plaintext into a complete envelope. env.KeyID is set from the
// KEK's answer.
func (v *Vault) sealWith(ctx context.Context, kk kek.KEK, k Key, s *scratch, env *envelope.Envelope, dekAAD, payloadAAD, plaintext []byte) ([]byte, error) {
	var random [envelope.DEKSize + envelope.NonceSize]byte
	n := envelope.NonceLen(env.Alg)
	rand.Read(random[:envelope.DEKSize+n])
	copy(s.dek[:], random[:])
	s.nonce = [envelope.NonceSize]byte{}
	copy(s.nonce[:n], random[envelope.DEKSize:])
	env.Nonce = s.nonce
	clear(random[:])
	commit, err := envelope.Commit(s.dek[:])
	if err != nil {
		return nil, err
	}
	env.Commitment = commit
	v.n.wraps.Add(1)
	start := v.m.kekWrap.start(ctx)
	wrapped, keyID, err := kk.Wrap(ctx, s.dek[:], kekAAD(k, dekAAD, &s.labels))
	v.m.kekWrap.stop(ctx, start, &err)
	if err != nil {
		return nil, fmt.Errorf("wrap DEK: %w", err)
	}
	env.WrappedDEK, env.KeyID = wrapped, keyID
	ctLen := len(plaintext) + envelope.Overhead(env.Alg)
	out, err := env.AppendHeader(make([]byte, 0, env.HeaderSize()+ctLen), ctLen)
	if err != nil {
		return nil, err
	}
	return envelope.Seal(out, env.Alg, s.dek[:], &s.nonce, plaintext, payloadAAD)
}

// kekAAD is the one place that builds the AAD a record's DEK is wrapped
// under: data, and the record's org and registry as readable labels for
// KEKs that record them in an audit trail (kek/awskms puts them in the
// KMS EncryptionContext, which CloudTrail logs). Every wrap, unwrap and
// rewrap passes the same labels, so a KEK may also bind them. The labels
// are written into *labels, which the AAD then points to: the seal and
// open paths pass their pooled scratch's array, so building the AAD
// allocates nothing.
func kekAAD(k Key, data []byte, labels *[2]kek.Label) kek.AAD {
	labels[0] = kek.Label{Name: "org", Value: k.Org}
	labels[1] = kek.Label{Name: "registry", Value: k.Registry}
	return kek.AAD{Data: data, Labels: labels[:]}
}
