package spill

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Codec encodes records of type T for the runs on disk. Decode may keep
// parts of the previous value of v (strings equal to those it reads).
type Codec[T any] interface {
	Append(dst []byte, v *T) []byte
	Decode(rec []byte, v *T) error
}

// Sorter sorts records of type T stably by compare, holding at most limit
// records in memory: each time that many are held, they are sorted and
// written to a run in Dir.
type Sorter[T any] struct {
	dir     string
	limit   int
	compare func(a, b *T) int
	codec   Codec[T]
	held    []T
	runs    []*os.File
	buf     []byte
}

// NewSorter returns a sorter that spills to dir (the system's temporary
// folder when empty) every limit records.
func NewSorter[T any](dir string, limit int, compare func(a, b *T) int, codec Codec[T]) *Sorter[T] {
	return &Sorter[T]{dir: dir, limit: max(limit, 1), compare: compare, codec: codec}
}

// Add takes one record.
func (s *Sorter[T]) Add(v *T) error {
	if len(s.held) == cap(s.held) {
		// Doubling, up to the limit: append grows a large slice by a
		// quarter at a time, copying what it holds again and again.
		s.held = slices.Grow(s.held, min(max(2*cap(s.held), 1024), s.limit)-len(s.held))
	}
	s.held = append(s.held, *v)
	if len(s.held) >= s.limit {
		return s.spill()
	}
	return nil
}

// Spilled is the number of runs written to disk so far.
func (s *Sorter[T]) Spilled() int { return len(s.runs) }

// order returns the indexes of the held records in sorted order. Sorting
// indexes rather than records saves moving large structs around.
func (s *Sorter[T]) order() []int32 {
	idx := make([]int32, len(s.held))
	for i := range idx {
		idx[i] = int32(i)
	}
	// Records often come in order already (a file written by this
	// program's export, for one): then the check is all the sorting.
	sorted := true
	for i := 1; i < len(s.held) && sorted; i++ {
		sorted = s.compare(&s.held[i-1], &s.held[i]) <= 0
	}
	if sorted {
		return idx
	}
	slices.SortFunc(idx, func(a, b int32) int {
		return cmp.Or(s.compare(&s.held[a], &s.held[b]), cmp.Compare(a, b))
	})
	return idx
}

func (s *Sorter[T]) spill() error {
	w, err := newRunWriter(s.dir)
	if err != nil {
		return err
	}
	for _, i := range s.order() {
		s.buf = s.codec.Append(s.buf[:0], &s.held[i])
		if err := w.write(s.buf); err != nil {
			w.discard()
			return fmt.Errorf("spill: %w", err)
		}
	}
	f, err := w.finish()
	if err != nil {
		return err
	}
	s.runs = append(s.runs, f)
	clear(s.held)
	s.held = s.held[:0]
	return nil
}

// Sorted returns a cursor over every record added, in order. The sorter
// must not be used again until the cursor is closed; Close also resets the
// sorter to empty.
func (s *Sorter[T]) Sorted() *Cursor[T] {
	mem := &sliceSource[T]{vals: s.held, order: s.order(), i: -1}
	reset := func() error {
		clear(s.held)
		s.held = s.held[:0]
		err := closeRuns(s.runs)
		s.runs = s.runs[:0]
		return err
	}
	if len(s.runs) == 0 {
		return newCursor[T](mem, reset)
	}
	srcs := make([]source[T], 0, len(s.runs)+1)
	for _, f := range s.runs {
		srcs = append(srcs, &runSource[T]{r: newRunReader(f), codec: s.codec})
	}
	srcs = append(srcs, mem) // the newest records: last among equals
	return newCursor[T](newMerger(srcs, s.compare), reset)
}

// Close removes the runs of a sorter that is given up.
func (s *Sorter[T]) Close() error {
	s.held = nil
	err := closeRuns(s.runs)
	s.runs = nil
	return err
}

type sliceSource[T any] struct {
	vals  []T
	order []int32
	i     int
}

func (s *sliceSource[T]) next() (bool, error) {
	s.i++
	return s.i < len(s.order), nil
}

func (s *sliceSource[T]) value() *T { return &s.vals[s.order[s.i]] }

type runSource[T any] struct {
	r     *runReader
	codec Codec[T]
	cur   T
}

func (s *runSource[T]) next() (bool, error) {
	rec, err := s.r.next()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, err
	}
	return true, s.codec.Decode(rec, &s.cur)
}

func (s *runSource[T]) value() *T { return &s.cur }
