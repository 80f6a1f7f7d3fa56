package synth

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortOrders: the packed sort and the comparing sort agree, ties in
// time broken by agent.
func TestSortOrders(t *testing.T) {
	const start = int64(1_700_000_000_000_000)
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 1000, placeMask} {
		keys := make([]order, n)
		for j := range keys {
			// Few distinct times, so many ties; agents all differ.
			keys[j] = order{at: start + r.Int64N(500)*997, agent: int32(j * 7919 % MaxAgents), i: int32(j)}
		}
		want := slices.Clone(keys)
		sortByCompare(want)
		got := slices.Clone(keys)
		sortOrders(got, nil, start)
		if !slices.Equal(got, want) {
			t.Errorf("%d keys: the packed sort differs from the comparing sort", n)
		}
		for j := 1; j < len(want); j++ {
			if x, y := want[j-1], want[j]; x.at > y.at || (x.at == y.at && x.agent >= y.agent) {
				t.Fatalf("%d keys: not sorted at %d", n, j)
			}
		}
	}
}
