package memstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/credvault/credvault/vault"
)

// checkOrdered fails t unless o holds exactly want's keys, sorted, in
// non-empty chunks of at most maxChunk entries.
func checkOrdered(t *testing.T, o *ordered, want map[vault.Key]bool) {
	t.Helper()
	var got []vault.Key
	for _, c := range o.chunks {
		if len(c) == 0 || len(c) > maxChunk {
			t.Fatalf("chunk of %d entries", len(c))
		}
		for _, e := range c {
			got = append(got, e.rec.Key)
		}
	}
	if !slices.IsSortedFunc(got, compareKeys) || len(got) != len(want) || o.n != len(want) {
		t.Fatalf("list of %d keys (n %d, sorted %v), want %d", len(got), o.n, slices.IsSortedFunc(got, compareKeys), len(want))
	}
	for _, k := range got {
		if !want[k] {
			t.Fatalf("list holds %v, removed or never inserted", k)
		}
	}
}

// TestOrderedRandom inserts and removes keys in orders that exercise the
// append and pop-front fast paths, chunk splits and emptied chunks.
func TestOrderedRandom(t *testing.T) {
	orders := map[string]func([]int){
		"ascending":  func([]int) {},
		"descending": func(p []int) { slices.Reverse(p) },
		"random":     func(p []int) { rand.New(rand.NewPCG(3, 4)).Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] }) },
	}
	for name, shuffle := range orders {
		t.Run(name, func(t *testing.T) {
			var o ordered
			want := map[vault.Key]bool{}
			perm := make([]int, 3*maxChunk+7)
			for i := range perm {
				perm[i] = i
			}
			shuffle(perm)
			for _, i := range perm {
				k := vault.Key{Org: fmt.Sprint("o", i%3), Registry: fmt.Sprintf("r%05d", i)}
				o.insert(&entry{rec: vault.Record{Key: k}})
				want[k] = true
			}
			checkOrdered(t, &o, want)
			for n, i := range perm {
				k := vault.Key{Org: fmt.Sprint("o", i%3), Registry: fmt.Sprintf("r%05d", i)}
				o.remove(k)
				delete(want, k)
				if n%97 == 0 {
					checkOrdered(t, &o, want)
				}
			}
			checkOrdered(t, &o, want)
		})
	}
}

// TestOrderedFrom checks the start of iteration: strictly after or at a
// target, between keys, before and after every key.
func TestOrderedFrom(t *testing.T) {
	var o ordered
	for i := 0; i < 2*maxChunk; i += 2 {
		o.insert(&entry{rec: vault.Record{Key: vault.Key{Org: "o", Registry: fmt.Sprintf("r%05d", i)}}})
	}
	tests := []struct {
		target vault.Key
		strict bool
		first  string // "" when nothing follows
	}{
		{vault.Key{}, true, "r00000"},
		{vault.Key{Org: "o", Registry: "r00000"}, true, "r00002"},
		{vault.Key{Org: "o", Registry: "r00000"}, false, "r00000"},
		{vault.Key{Org: "o", Registry: "r00511"}, true, "r00512"},
		{vault.Key{Org: "o", Registry: fmt.Sprintf("r%05d", 2*maxChunk-2)}, true, ""},
		{vault.Key{Org: "p"}, false, ""},
	}
	for _, tt := range tests {
		first := ""
		for e := range o.from(tt.target, tt.strict) {
			first = e.rec.Registry
			break
		}
		if first != tt.first {
			t.Errorf("from(%v, %v) starts at %q, want %q", tt.target, tt.strict, first, tt.first)
		}
	}
}
