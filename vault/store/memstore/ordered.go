package memstore

import (
	"cmp"
	"iter"
	"slices"

	"github.com/credvault/credvault/vault"
)

// maxChunk is the most entries a chunk of an ordered list holds before it
// splits in two: inserting or removing moves at most this many pointers.
const maxChunk = 512

// An ordered list holds entries sorted by key, in chunks of at most
// maxChunk pointers, each chunk sorted and every key of a chunk below
// those of the next. Finding a key costs a binary search over the chunks'
// last keys and one within a chunk; inserting or removing moves at most
// one chunk's pointers (never records), plus the chunk headers on the
// rare split or emptied chunk. The zero value is an empty list.
type ordered struct {
	chunks [][]*entry
	n      int
}

// compareKeys orders keys by Org, then Registry, byte-wise.
func compareKeys(a, b vault.Key) int {
	if c := cmp.Compare(a.Org, b.Org); c != 0 {
		return c
	}
	return cmp.Compare(a.Registry, b.Registry)
}

// before reports whether key a sorts before target: strictly, or also
// when equal if orEqual is set.
func before(a, target vault.Key, orEqual bool) bool {
	c := compareKeys(a, target)
	return c < 0 || (orEqual && c == 0)
}

// locate returns the position (chunk, index within it) of the first entry
// whose key sorts after target, or at target when strict is false; it is
// (len(o.chunks), 0) when there is none.
func (o *ordered) locate(target vault.Key, strict bool) (int, int) {
	ci, _ := slices.BinarySearchFunc(o.chunks, target, func(c []*entry, t vault.Key) int {
		if before(c[len(c)-1].rec.Key, t, strict) {
			return -1
		}
		return 1
	})
	if ci == len(o.chunks) {
		return ci, 0
	}
	i, _ := slices.BinarySearchFunc(o.chunks[ci], target, func(e *entry, t vault.Key) int {
		if before(e.rec.Key, t, strict) {
			return -1
		}
		return 1
	})
	return ci, i
}

// insert adds e, whose key the list must not hold yet.
func (o *ordered) insert(e *entry) {
	o.n++
	if len(o.chunks) == 0 {
		o.chunks = [][]*entry{{e}}
		return
	}
	ci, i := o.insertAt(e.rec.Key)
	o.chunks[ci] = slices.Insert(o.chunks[ci], i, e)
	if c := o.chunks[ci]; len(c) > maxChunk {
		half := len(c) / 2
		tail := append(make([]*entry, 0, maxChunk), c[half:]...)
		clear(c[half:]) // let the collector free entries removed later
		o.chunks[ci] = c[:half]
		o.chunks = slices.Insert(o.chunks, ci+1, tail)
	}
}

// insertAt returns where to insert k in a non-empty list. Keys written
// in order (creation in order, a rotation's pages) go after the last one:
// that is tried first, at the cost of one comparison.
func (o *ordered) insertAt(k vault.Key) (int, int) {
	last := len(o.chunks) - 1
	n := len(o.chunks[last])
	if compareKeys(o.chunks[last][n-1].rec.Key, k) < 0 {
		return last, n
	}
	return o.locate(k, false)
}

// remove deletes the entry at k, if the list holds one, and returns the
// position its successor now has. Removing the first key (a rotation
// moves a key ID's records away in key order) is tried first, at the cost
// of one comparison.
func (o *ordered) remove(k vault.Key) (int, int) {
	ci, i := 0, 0
	if len(o.chunks) == 0 || o.chunks[0][0].rec.Key != k {
		ci, i = o.locate(k, false)
	}
	if ci == len(o.chunks) || o.chunks[ci][i].rec.Key != k {
		return ci, i
	}
	o.n--
	c := o.chunks[ci]
	switch {
	case len(c) == 1:
		o.chunks = slices.Delete(o.chunks, ci, ci+1)
	case i == 0:
		c[0] = nil
		o.chunks[ci] = c[1:]
	default:
		o.chunks[ci] = slices.Delete(c, i, i+1)
	}
	return ci, i
}

// at returns the entry at position (ci, i), where i may be one past the
// end of its chunk, or nil if there is none.
func (o *ordered) at(ci, i int) *entry {
	if ci < len(o.chunks) && i == len(o.chunks[ci]) {
		ci, i = ci+1, 0
	}
	if ci >= len(o.chunks) || i >= len(o.chunks[ci]) {
		return nil
	}
	return o.chunks[ci][i]
}

// from yields, in key order, the entries whose keys sort after target, or
// at target when strict is false. The list must not change while the
// sequence is being ranged over.
func (o *ordered) from(target vault.Key, strict bool) iter.Seq[*entry] {
	return func(yield func(*entry) bool) {
		ci, i := o.locate(target, strict)
		for ; ci < len(o.chunks); ci, i = ci+1, 0 {
			for _, e := range o.chunks[ci][i:] {
				if !yield(e) {
					return
				}
			}
		}
	}
}
