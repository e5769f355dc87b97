package envelope

import "encoding/binary"

// Labels that start every AAD, so a DEK-wrap AAD can never be mistaken for a
// payload AAD.
const (
	labelDEK     = "credvault/dek/v1"
	labelPayload = "credvault/payload/v1"
)

// DEKAAD returns the associated data a record's DEK is wrapped under: the
// format version, org, registry and kind, length-prefixed.
func DEKAAD(dst []byte, version byte, org, registry, kind string) []byte {
	dst = appendLP(dst, labelDEK)
	dst = appendLP(dst, string([]byte{version}))
	dst = appendLP(dst, org)
	dst = appendLP(dst, registry)
	return appendLP(dst, kind)
}

// PayloadAAD returns the associated data a record's payload is sealed
// under: the format version, algorithm, org, registry, kind and metadata.
// The key ID and wrapped DEK are deliberately left out so a KEK rotation
// can replace them (even server-side, never seeing the DEK) without
// re-encrypting the payload; they are bound instead by the DEK-wrap AAD
// and by the key commitment. The commitment and nonce need no AAD: the
// commitment is a function of the DEK, checked before decryption, and
// the nonce is an input of the AEAD itself.
func PayloadAAD(dst []byte, e *Envelope, org, registry string) []byte {
	dst = appendLP(dst, labelPayload)
	dst = appendLP(dst, []byte{e.Version, e.Alg})
	dst = appendLP(dst, org)
	dst = appendLP(dst, registry)
	dst = appendLP(dst, e.Kind)
	return appendLP(dst, e.Meta)
}

func appendLP[T ~string | ~[]byte](dst []byte, s T) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
	return append(dst, s...)
}
