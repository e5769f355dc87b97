package kmsemu

import (
	"encoding/binary"
	"errors"
	"slices"
)

// Ciphertext blob layout (all integers big-endian):
//
//	version  1 byte   (blobVersion)
//	idLen    1 byte   (1..maxKeyIDLen)
//	keyID    idLen bytes, the bare key ID (UUID or mrk-<hex>)
//	backing  4 bytes  backing-key version index
//	nonce    12 bytes
//	sealed   AES-GCM ciphertext and 16-byte tag
//
// The header (version through backing) and the canonical encryption context
// are the GCM associated data, so neither can be altered.
const (
	blobVersion  = 0x01
	maxKeyIDLen  = 64
	nonceSize    = 12
	tagSize      = 16
	maxBlobSize  = 6144
	headerFixed  = 2 + 4
	minBlobSize  = headerFixed + 1 + nonceSize + tagSize
	maxContextKV = 64
)

var errMalformedBlob = errors.New("kmsemu: malformed ciphertext blob")

// A blob is a parsed ciphertext blob.
type blob struct {
	keyID   string
	backing uint32
	nonce   []byte
	sealed  []byte
	header  []byte
}

// marshal encodes the header and appends nonce and sealed bytes.
func (b *blob) marshal() []byte {
	out := b.headerBytes()
	out = append(out, b.nonce...)
	return append(out, b.sealed...)
}

// headerBytes encodes the authenticated header.
func (b *blob) headerBytes() []byte {
	out := make([]byte, 0, headerFixed+len(b.keyID))
	out = append(out, blobVersion, byte(len(b.keyID)))
	out = append(out, b.keyID...)
	return binary.BigEndian.AppendUint32(out, b.backing)
}

// parseBlob decodes a ciphertext blob, checking every bound before slicing.
func parseBlob(data []byte) (*blob, error) {
	if len(data) < minBlobSize || len(data) > maxBlobSize || data[0] != blobVersion {
		return nil, errMalformedBlob
	}
	n := int(data[1])
	if n == 0 || n > maxKeyIDLen || len(data) < headerFixed+n+nonceSize+tagSize {
		return nil, errMalformedBlob
	}
	hdrEnd := headerFixed + n
	b := &blob{
		keyID:   string(data[2 : 2+n]),
		backing: binary.BigEndian.Uint32(data[2+n : hdrEnd]),
		header:  data[:hdrEnd:hdrEnd],
		nonce:   data[hdrEnd : hdrEnd+nonceSize : hdrEnd+nonceSize],
		sealed:  data[hdrEnd+nonceSize:],
	}
	if !validBareKeyID(b.keyID) {
		return nil, errMalformedBlob
	}
	return b, nil
}

// canonicalContext encodes an encryption context unambiguously: the entry
// count, then each key and value length-prefixed, in sorted key order.
func canonicalContext(ctx map[string]string) []byte {
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(keys)))
	for _, k := range keys {
		out = appendLP(out, k)
		out = appendLP(out, ctx[k])
	}
	return out
}

func appendLP(out []byte, s string) []byte {
	out = binary.BigEndian.AppendUint32(out, uint32(len(s)))
	return append(out, s...)
}
