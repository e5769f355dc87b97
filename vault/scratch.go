package vault

import (
	"sync"

	"github.com/credvault/credvault/internal/envelope"
	"github.com/credvault/credvault/kek"
)

// A scratch is the working memory of one seal or open: the DEK being
// sealed under, the nonce, a buffer for the plaintext and one for the
// non-secret metadata and AADs. Scratches are pooled so that the hot path
// allocates little beyond the record or credential it returns.
//
// pt holds plaintext only, so clearing the plaintext slice a seal or open
// produced (in whichever array an append left it) is enough; release
// clears the DEK.
type scratch struct {
	dek    [envelope.DEKSize]byte
	nonce  [envelope.NonceSize]byte // a copy: the AEAD's interface call would move an envelope's to the heap
	pt     []byte
	hdr    []byte
	labels [2]kek.Label // the KEK AAD's labels (see kekAAD)
}

// Initial buffer sizes: a typical record's plaintext (a GoogleGar key
// included) and its metadata and AADs. A larger record grows its own
// buffer, which is not pooled.
const (
	scratchPlaintext = 4 << 10
	scratchHeader    = 1 << 10
)

var scratchPool = sync.Pool{New: func() any {
	return &scratch{pt: make([]byte, 0, scratchPlaintext), hdr: make([]byte, 0, scratchHeader)}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// release clears the DEK, drops the labels' strings and returns s to the
// pool.
func (s *scratch) release() {
	clear(s.dek[:])
	s.labels = [2]kek.Label{}
	scratchPool.Put(s)
}
