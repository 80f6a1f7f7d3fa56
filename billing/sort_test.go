package billing

import (
	"math/rand/v2"
	"slices"
	"testing"
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
