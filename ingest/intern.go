package ingest

import "hash/maphash"

// interner shares strings between the records of one input: the string
// made of some bytes the first time is handed out for the same bytes again,
// so that a value repeated on a million lines is one allocation. It keeps
// at most max strings; past that, new values are strings of their own.
//
// Keys of up to internKeyMax bytes (agent ids, skills, media ...) are held
// in the table itself, so that a lookup reads one slot and no string
// elsewhere in memory: the table of a site's agents is visited at random,
// line after line.
type interner struct {
	slots []internSlot // a power of two, at most half full
	n     int          // slots in use
	max   int
	seed  maphash.Seed
	long  map[string]string // longer keys
}

// internKeyMax is the longest key held in a slot; it makes a slot 32 bytes,
// two to a cache line.
const internKeyMax = 15

type internSlot struct {
	n   uint8 // the key's length plus one; 0 for an empty slot
	key [internKeyMax]byte
	s   string
}

func newInterner(max int) interner {
	return interner{slots: make([]internSlot, 64), max: max, seed: maphash.MakeSeed(), long: map[string]string{}}
}

// getAt is get for a column whose value often repeats from one record to
// the next: *last is the column's previous value, tried first, and becomes
// the one returned.
func (in *interner) getAt(last *string, v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if *last == string(v) {
		return *last
	}
	*last = in.get(v)
	return *last
}

// get returns v as a string, the same string for the same bytes.
func (in *interner) get(v []byte) string {
	if len(v) > internKeyMax {
		// A lookup keyed by string(v) does not allocate.
		if s, ok := in.long[string(v)]; ok {
			return s
		}
		s := string(v)
		if len(in.long)+in.n < in.max {
			in.long[s] = s
		}
		return s
	}
	mask := uint64(len(in.slots) - 1)
	i := maphash.Bytes(in.seed, v) & mask
	for {
		sl := &in.slots[i]
		if sl.n == 0 {
			break
		}
		if int(sl.n) == len(v)+1 && string(sl.key[:len(v)]) == string(v) {
			return sl.s
		}
		i = (i + 1) & mask
	}
	s := string(v)
	if in.n+len(in.long) >= in.max {
		return s
	}
	sl := &in.slots[i]
	sl.n = uint8(len(v) + 1)
	copy(sl.key[:], v)
	sl.s = s
	in.n++
	if in.n*2 > len(in.slots) {
		in.grow()
	}
	return s
}

// grow doubles the table.
func (in *interner) grow() {
	old := in.slots
	in.slots = make([]internSlot, 2*len(old))
	mask := uint64(len(in.slots) - 1)
	for k := range old {
		sl := &old[k]
		if sl.n == 0 {
			continue
		}
		i := maphash.Bytes(in.seed, sl.key[:sl.n-1]) & mask
		for in.slots[i].n != 0 {
			i = (i + 1) & mask
		}
		in.slots[i] = *sl
	}
}
