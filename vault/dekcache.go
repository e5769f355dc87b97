package vault

import (
	"container/list"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"
)

// WithDEKCache keeps up to size unwrapped DEKs for ttl, so a hot record
// opens without a KEK call while its entry lives. It is off by default:
// a cached DEK is plaintext key material in process memory, and an entry
// outlives a KEK being disabled by up to ttl. Entries are keyed by
// (key ID, wrapped DEK, wrap AAD), so a cached DEK is only ever returned
// for the exact wrapped bytes and binding it was unwrapped under; they are
// zeroed on eviction and expiry.
func WithDEKCache(size int, ttl time.Duration) Option {
	return func(v *Vault) error {
		if size <= 0 || ttl <= 0 {
			return ErrInvalidEntry
		}
		v.cache = newDEKCache(size, ttl)
		return nil
	}
}

type dekCache struct {
	mu    sync.Mutex
	size  int
	ttl   time.Duration
	now   func() time.Time
	ll    *list.List // front = most recently used
	items map[string]*list.Element
	swept time.Time // last sweep of expired entries
}

type cacheEntry struct {
	key     string
	dek     []byte
	expires time.Time
}

func newDEKCache(size int, ttl time.Duration) *dekCache {
	return &dekCache{size: size, ttl: ttl, now: time.Now, ll: list.New(), items: make(map[string]*list.Element)}
}

// cacheKey encodes the tuple without ambiguity.
func cacheKey(keyID string, wrapped, aad []byte) string {
	b := make([]byte, 0, 8+len(keyID)+len(wrapped)+len(aad))
	b = binary.BigEndian.AppendUint32(b, uint32(len(keyID)))
	b = append(b, keyID...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(wrapped)))
	b = append(b, wrapped...)
	return string(append(b, aad...))
}

// get returns a copy of the cached DEK (the caller zeroes its copy).
func (c *dekCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !c.now().Before(e.expires) {
		c.remove(el)
		return nil, false
	}
	c.ll.MoveToFront(el)
	return append([]byte(nil), e.dek...), true
}

func (c *dekCache) put(key string, dek []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sweep()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	e := &cacheEntry{key: key, dek: append([]byte(nil), dek...), expires: c.now().Add(c.ttl)}
	c.items[key] = c.ll.PushFront(e)
	for c.ll.Len() > c.size {
		c.remove(c.ll.Back())
	}
}

// sweep zeroes and drops expired entries, at most twice per TTL, so a DEK
// nobody asks for again does not stay in memory past its expiry by more
// than half a TTL plus the time to the next put.
func (c *dekCache) sweep() {
	now := c.now()
	if now.Sub(c.swept) < c.ttl/2 {
		return
	}
	c.swept = now
	for el := c.ll.Back(); el != nil; {
		prev := el.Prev()
		if !now.Before(el.Value.(*cacheEntry).expires) {
			c.remove(el)
		}
		el = prev
	}
}

func (c *dekCache) remove(el *list.Element) {
	e := c.ll.Remove(el).(*cacheEntry)
	clear(e.dek)
	delete(c.items, e.key)
}

// purge zeroes and drops every entry.
func (c *dekCache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.ll.Len() > 0 {
		c.remove(c.ll.Back())
	}
}

// len reports the number of live entries (expired ones count until touched).
func (c *dekCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

// Stats counts the vault's KEK traffic, for tests and metrics.
type Stats struct {
	Wraps       int64 // KEK Wrap calls
	Unwraps     int64 // KEK Unwrap calls (cache misses included)
	Rewraps     int64 // KEK server-side Rewrap calls
	CacheHits   int64 // opens served from the DEK cache
	CacheMisses int64 // opens that had to call the KEK with the cache on
	CacheSize   int   // live cache entries
}

type counters struct {
	wraps, unwraps, rewraps, hits, misses atomic.Int64
}

// Stats returns a snapshot of the vault's counters.
func (v *Vault) Stats() Stats {
	s := Stats{
		Wraps: v.n.wraps.Load(), Unwraps: v.n.unwraps.Load(), Rewraps: v.n.rewraps.Load(),
		CacheHits: v.n.hits.Load(), CacheMisses: v.n.misses.Load(),
	}
	if v.cache != nil {
		s.CacheSize = v.cache.len()
	}
	return s
}

// PurgeDEKCache zeroes and drops every cached DEK (for example after
// disabling a KEK version).
func (v *Vault) PurgeDEKCache() {
	if v.cache != nil {
		v.cache.purge()
	}
}
