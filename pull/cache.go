package pull

import (
	"container/list"
	"sync"
	"time"

	"github.com/credvault/credvault/vault"
)

// An entry is one cached credential: the record version it was exchanged
// from, when it was obtained, and when the version was last confirmed.
// Entries are never changed once cached; a confirmation caches a copy.
type entry struct {
	key      vault.Key
	version  int64
	cred     Credential
	obtained time.Time
	checked  time.Time
	// held marks a credential kept after its refresh failed: it is served
	// until it expires, the next refresh being tried once the recheck
	// window has passed, so an outage is not retried on every call.
	held bool
}

// refreshAt is when e is due for a refresh: margin before it expires, or
// half way through a lifetime shorter than twice the margin. A credential
// that never expires is never due.
func (e *entry) refreshAt(margin time.Duration) time.Time {
	if e.cred.Expires.IsZero() {
		return time.Time{}
	}
	life := e.cred.Expires.Sub(e.obtained)
	if life < 2*margin {
		return e.obtained.Add(life / 2)
	}
	return e.cred.Expires.Add(-margin)
}

// fresh reports whether e may be served at now without a refresh.
func (e *entry) fresh(now time.Time, margin time.Duration) bool {
	at := e.refreshAt(margin)
	return at.IsZero() || now.Before(at)
}

// servable reports whether e may be served at now without reading the
// store: its version was confirmed less than recheck ago, and it is fresh,
// or held after a failed refresh and not expired.
func (e *entry) servable(now time.Time, recheck, margin time.Duration) bool {
	return now.Sub(e.checked) < recheck && (e.fresh(now, margin) || e.held && e.usable(now))
}

// usable reports whether e has not expired at now.
func (e *entry) usable(now time.Time) bool {
	return e.cred.Expires.IsZero() || now.Before(e.cred.Expires)
}

// A cache is a bounded map of entries, evicting the least recently used.
// Evicted entries are unlinked, so their secrets are dropped with them.
type cache struct {
	mu    sync.Mutex
	max   int
	items map[vault.Key]*list.Element // of *entry
	order list.List                   // front: most recently used
}

func newCache(max int) *cache {
	return &cache{max: max, items: make(map[vault.Key]*list.Element)}
}

// get returns the entry for k, marking it used.
func (c *cache) get(k vault.Key) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil
	}
	c.order.MoveToFront(el)
	return el.Value.(*entry)
}

// put caches e, replacing the entry for its key and evicting the least
// recently used entries beyond the bound.
func (c *cache) put(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.items[e.key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		last := c.order.Back()
		delete(c.items, last.Value.(*entry).key)
		c.order.Remove(last)
	}
}

// drop removes the entry for k, if any.
func (c *cache) drop(k vault.Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		delete(c.items, k)
		c.order.Remove(el)
	}
}

// purge removes every entry.
func (c *cache) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.items)
	c.order.Init()
}

// len reports the entries cached.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
