package billing

import (
	"cmp"
	"slices"
)

// sortStable orders xs by compare, keeping equal elements in their order.
// It sorts an index and then moves each element once, because the elements
// (bills, events) are large and a sort that swaps them costs several times
// more.
func sortStable[T any](xs []T, compare func(a, b *T) int) {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(compare(&xs[a], &xs[b]), cmp.Compare(a, b))
	})
	// Position j receives the element at idx[j]; follow each cycle once.
	for start := range idx {
		if idx[start] < 0 {
			continue
		}
		held := xs[start]
		j := start
		for {
			k := idx[j]
			idx[j] = -1
			if k == start {
				xs[j] = held
				break
			}
			xs[j] = xs[k]
			j = k
		}
	}
}
