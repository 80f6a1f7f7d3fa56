package billing

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestSortStable(t *testing.T) {
	type item struct{ key, seq int }
	for n := range []int{0, 1, 2, 3, 10, 1000} {
		r := rand.New(rand.NewPCG(uint64(n), 1))
		xs := make([]item, n*37)
		for i := range xs {
			xs[i] = item{key: r.IntN(5), seq: i}
		}
		want := slices.Clone(xs)
		slices.SortStableFunc(want, func(a, b item) int { return a.key - b.key })
		sortStable(xs, func(a, b *item) int { return a.key - b.key })
		if !slices.Equal(xs, want) {
			t.Fatalf("n=%d: not the stable order", len(xs))
		}
	}
}

// TestSortStableShapes covers both ways sortStable sorts (by insertion up
// to insertionMax elements, by index sort above) on inputs in order, in
// reverse, nearly in order and at random, with many equal keys.
func TestSortStableShapes(t *testing.T) {
	type item struct{ key, seq int }
	shapes := map[string]func(r *rand.Rand, i, n int) int{
		"sorted":   func(_ *rand.Rand, i, _ int) int { return i / 3 },
		"reversed": func(_ *rand.Rand, i, n int) int { return (n - i) / 2 },
		"nearly": func(r *rand.Rand, i, _ int) int {
			if r.IntN(10) == 0 {
				return r.IntN(i + 1)
			}
			return i
		},
		"random": func(r *rand.Rand, _, _ int) int { return r.IntN(7) },
	}
	for name, key := range shapes {
		for _, n := range []int{0, 1, 2, 3, 17, insertionMax - 1, insertionMax, insertionMax + 1, 1000} {
			r := rand.New(rand.NewPCG(uint64(n), 2))
			xs := make([]item, n)
			for i := range xs {
				xs[i] = item{key: key(r, i, n), seq: i}
			}
			want := slices.Clone(xs)
			slices.SortStableFunc(want, func(a, b item) int { return a.key - b.key })
			sortStable(xs, func(a, b *item) int { return a.key - b.key })
			if !slices.Equal(xs, want) {
				t.Errorf("%s, n=%d: not the stable order", name, n)
			}
		}
	}
}

// SortAgentBills puts one agent's bills in SortBills's order, equal keys
// (same begin, type and end) in the order they came.
func TestSortAgentBillsIsSortBills(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{0, 1, 5, insertionMax, 300} {
		bills := make([]Bill, n)
		for i := range bills {
			begin := base.Add(time.Duration(r.IntN(20)) * time.Minute)
			bills[i] = Bill{
				AgentID: "A1", OpType: int32([]int{0, 4, 26, 60}[r.IntN(4)]),
				Begin: begin, End: begin.Add(time.Duration(r.IntN(3)) * time.Minute),
				Source: Source{Line: int64(i)},
			}
		}
		want := slices.Clone(bills)
		SortBills(want)
		SortAgentBills(bills)
		for i := range want {
			if bills[i].Source.Line != want[i].Source.Line {
				t.Fatalf("n=%d: bill %d is line %d, SortBills puts line %d there", n, i, bills[i].Source.Line, want[i].Source.Line)
			}
		}
	}
}
