package billing

import (
	"cmp"
	"slices"
)

// insertionMax is the longest slice sortStable orders by insertion: most
// slices it gets, one agent's bills of a day, are short and nearly in
// order already.
const insertionMax = 256

// sortStable orders xs by compare, keeping equal elements in their order.
// It sorts an index and then moves each element once, because the elements
// (bills, events) are large and a sort that swaps them costs several times
// more.
func sortStable[T any](xs []T, compare func(a, b *T) int) {
	n := len(xs)
	if n < 2 {
		return
	}
	var small [insertionMax]int
	var idx []int
	if n <= len(small) {
		idx = small[:n]
		insertionSort(idx, xs, compare)
	} else {
		idx = make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int {
			return cmp.Or(compare(&xs[a], &xs[b]), cmp.Compare(a, b))
		})
	}
	// Position j receives the element at idx[j]; follow each cycle once.
	for start, k := range idx {
		if k == start || k < 0 {
			continue // in place, or moved with an earlier cycle
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

// insertionSort sets idx to the positions of xs in stable order. Each
// element is compared with the greatest before it and, only when it is
// smaller, placed by binary search after every element not greater than
// it: n comparisons for a slice in order, n·log n at most.
func insertionSort[T any](idx []int, xs []T, compare func(a, b *T) int) {
	idx[0] = 0
	for i := 1; i < len(idx); i++ {
		x := &xs[i]
		if compare(x, &xs[idx[i-1]]) >= 0 {
			idx[i] = i
			continue
		}
		lo, hi := 0, i-1 // the first greater element is in [lo, hi]
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if compare(x, &xs[idx[mid]]) < 0 {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		copy(idx[lo+1:i+1], idx[lo:i])
		idx[lo] = i
	}
}
