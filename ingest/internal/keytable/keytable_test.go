package keytable

import (
	"fmt"
	"strings"
	"testing"
)

// The table holds what a map holds, keys short and long, across growing.
func TestTableIsAMap(t *testing.T) {
	tab := New[int]()
	want := map[string]int{}
	for i := range 5000 {
		key := fmt.Sprintf("A%d", i*7919%100000)
		if i%10 == 0 {
			key = strings.Repeat("x", i%40) + key // some past MaxInline
		}
		if _, ok := want[key]; ok {
			continue
		}
		if _, ok := tab.Get(key); ok {
			t.Fatalf("%q held before it was added", key)
		}
		tab.Add(key, i)
		want[key] = i
	}
	if tab.Len() != len(want) {
		t.Fatalf("Len %d, want %d", tab.Len(), len(want))
	}
	for key, v := range want {
		if got, ok := tab.Get(key); !ok || got != v {
			t.Fatalf("%q: %d %v, want %d", key, got, ok, v)
		}
	}
	for _, key := range []string{"", "B1", strings.Repeat("y", 20)} { // never added
		if _, ok := tab.Get(key); ok {
			t.Errorf("%q held, never added", key)
		}
	}
}
