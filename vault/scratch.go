package vault

import (
	"sync"

	"github.com/credvault/credvault/internal/envelope"
)

// A scratch is the working memory of one seal or open: the DEK being
// sealed under, the nonce, and a buffer for the metadata, the AADs and the plaintext.
// Scratches are pooled so that the hot path allocates little beyond the
// record or credential it returns.
//
// The plaintext is always the last thing appended to buf, so it lives in
// exactly one array even when an append has to grow the buffer; the code
// that appends it clears it. release clears the DEK.
type scratch struct {
	dek   [envelope.DEKSize]byte
	nonce [envelope.NonceSize]byte // a copy: the AEAD's interface call would move an envelope's to the heap
	buf   []byte
}

// scratchSize holds a typical record's metadata, AADs and plaintext; a
// larger record grows its own buffer, which is not pooled.
const scratchSize = 4 << 10

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, scratchSize)} }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// release clears the DEK and returns s to the pool.
func (s *scratch) release() {
	clear(s.dek[:])
	scratchPool.Put(s)
}
