// Package keytable maps short byte strings to values with one memory read
// a lookup: keys of up to MaxInline bytes (agent ids, skills, media ...)
// are held in the table itself, so that a lookup reads one slot and no
// string elsewhere in memory. The readers' interners and the sorters'
// index of agents visit their tables at random, record after record.
package keytable

import "hash/maphash"

// MaxInline is the longest key held in a slot; longer keys go to a map.
const MaxInline = 15

// Table maps keys to values of V. Its zero value is not ready: use New.
type Table[V any] struct {
	slots []slot[V] // a power of two, at most half full
	n     int       // slots in use
	seed  maphash.Seed
	long  map[string]V // keys longer than MaxInline
}

type slot[V any] struct {
	n   uint8 // the key's length plus one; 0 for an empty slot
	key [MaxInline]byte
	v   V
}

// New returns an empty table.
func New[V any]() Table[V] {
	return Table[V]{slots: make([]slot[V], 64), seed: maphash.MakeSeed(), long: map[string]V{}}
}

// Len is the number of keys held.
func (t *Table[V]) Len() int { return t.n + len(t.long) }

// Get returns the value of key, and whether it is held. key is not kept:
// it may point into memory the caller reuses.
func (t *Table[V]) Get(key string) (V, bool) {
	if len(key) > MaxInline {
		v, ok := t.long[key]
		return v, ok
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.String(t.seed, key) & mask; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.n == 0 {
			var zero V
			return zero, false
		}
		if int(sl.n) == len(key)+1 && string(sl.key[:len(key)]) == key {
			return sl.v, true
		}
	}
}

// Add holds v for key, which is not held yet. A long key is kept as
// given: the caller gives one it does not write again.
func (t *Table[V]) Add(key string, v V) {
	if len(key) > MaxInline {
		t.long[key] = v
		return
	}
	mask := uint64(len(t.slots) - 1)
	i := maphash.String(t.seed, key) & mask
	for t.slots[i].n != 0 {
		i = (i + 1) & mask
	}
	sl := &t.slots[i]
	sl.n = uint8(len(key) + 1)
	copy(sl.key[:], key)
	sl.v = v
	t.n++
	if t.n*2 > len(t.slots) {
		t.grow()
	}
}

// grow doubles the table.
func (t *Table[V]) grow() {
	old := t.slots
	t.slots = make([]slot[V], 2*len(old))
	// Written through before the probes below read it: a page of fresh
	// memory read first is mapped to the zero page, and writing it then
	// costs a second fault and a flush of both cores' TLBs.
	clear(t.slots)
	mask := uint64(len(t.slots) - 1)
	for k := range old {
		sl := &old[k]
		if sl.n == 0 {
			continue
		}
		i := maphash.Bytes(t.seed, sl.key[:sl.n-1]) & mask
		for t.slots[i].n != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = *sl
	}
}
