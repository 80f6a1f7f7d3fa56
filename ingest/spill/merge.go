package spill

import "container/heap"

// source is a sorted stream of records: next moves to the following one,
// value is the current one (valid until next).
type source[T any] interface {
	next() (bool, error)
	value() *T
}

// merger yields the records of several sorted sources in order; of equal
// records, the one from the earlier source comes first, so that a merge of
// runs written in input order is a stable sort.
type merger[T any] struct {
	compare func(a, b *T) int
	live    []int // indexes into srcs, a heap by current value
	srcs    []source[T]
	started bool
	err     error
}

func newMerger[T any](srcs []source[T], compare func(a, b *T) int) *merger[T] {
	return &merger[T]{compare: compare, srcs: srcs}
}

func (m *merger[T]) Len() int { return len(m.live) }
func (m *merger[T]) Less(i, j int) bool {
	a, b := m.live[i], m.live[j]
	if c := m.compare(m.srcs[a].value(), m.srcs[b].value()); c != 0 {
		return c < 0
	}
	return a < b
}
func (m *merger[T]) Swap(i, j int) { m.live[i], m.live[j] = m.live[j], m.live[i] }
func (m *merger[T]) Push(x any)    { m.live = append(m.live, x.(int)) }
func (m *merger[T]) Pop() any {
	x := m.live[len(m.live)-1]
	m.live = m.live[:len(m.live)-1]
	return x
}

// next moves to the next record in order; false at the end or on error.
func (m *merger[T]) next() (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	if !m.started {
		m.started = true
		for i, s := range m.srcs {
			ok, err := s.next()
			if err != nil {
				m.err = err
				return false, err
			}
			if ok {
				m.live = append(m.live, i)
			}
		}
		heap.Init(m)
		return len(m.live) > 0, nil
	}
	if len(m.live) == 0 {
		return false, nil
	}
	ok, err := m.srcs[m.live[0]].next()
	if err != nil {
		m.err = err
		return false, err
	}
	if ok {
		heap.Fix(m, 0)
	} else {
		heap.Pop(m)
	}
	return len(m.live) > 0, nil
}

func (m *merger[T]) value() *T { return m.srcs[m.live[0]].value() }

// Cursor walks sorted records: Valid reports whether there is a current
// one, Value returns it (valid until Advance), Advance moves on.
type Cursor[T any] struct {
	src   source[T]
	valid bool
	err   error
	close func() error
}

func newCursor[T any](src source[T], close func() error) *Cursor[T] {
	c := &Cursor[T]{src: src, close: close}
	c.Advance()
	return c
}

// Valid reports whether the cursor is on a record.
func (c *Cursor[T]) Valid() bool { return c.valid }

// Value is the current record; the cursor reuses it after Advance.
func (c *Cursor[T]) Value() *T { return c.src.value() }

// Advance moves to the next record.
func (c *Cursor[T]) Advance() {
	if c.err != nil {
		c.valid = false
		return
	}
	c.valid, c.err = c.src.next()
}

// Err is the error that ended the walk early, if any.
func (c *Cursor[T]) Err() error { return c.err }

// Close releases the runs behind the cursor.
func (c *Cursor[T]) Close() error {
	if c.close == nil {
		return nil
	}
	err := c.close()
	c.close = nil
	return err
}
