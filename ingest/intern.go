package ingest

import "github.com/agentbill/agentbill/ingest/internal/keytable"

// interner shares strings between the records of one input: the string
// made of some bytes the first time is handed out for the same bytes again,
// so that a value repeated on a million lines is one allocation. It keeps
// at most max strings; past that, new values are strings of their own.
// Short keys are held in the table itself (see keytable): the table of a
// site's agents is visited at random, line after line.
type interner struct {
	strs keytable.Table[string]
	max  int
}

func newInterner(max int) interner {
	return interner{strs: keytable.New[string](), max: max}
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
	if len(v) == 0 {
		return ""
	}
	// The lookup keeps no key: it may point into v.
	if s, ok := in.strs.Get(borrow(v)); ok {
		return s
	}
	s := string(v)
	if in.strs.Len() < in.max {
		in.strs.Add(s, s)
	}
	return s
}
