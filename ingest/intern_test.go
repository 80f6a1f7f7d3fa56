package ingest

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/agentbill/agentbill/ingest/internal/keytable"
)

func TestInterner(t *testing.T) {
	in := newInterner(1000)
	same := func(a, b string) bool { return a == b && unsafe.StringData(a) == unsafe.StringData(b) }
	keys := []string{"a", "A1", "agent-0001", strings.Repeat("x", keytable.MaxInline), strings.Repeat("y", keytable.MaxInline+1), "chli4020@example.com"}
	for i := range 900 {
		keys = append(keys, fmt.Sprintf("A%05d", i))
	}
	first := map[string]string{}
	for _, k := range keys {
		first[k] = in.get([]byte(k))
	}
	for _, k := range keys {
		if got := in.get([]byte(k)); !same(got, first[k]) {
			t.Fatalf("get(%q) = %q, not the string it gave first", k, got)
		}
	}
	// Past the bound, values are strings of their own.
	for i := range 200 {
		k := fmt.Sprintf("B%05d", i)
		a, b := in.get([]byte(k)), in.get([]byte(k))
		if a != k || b != k {
			t.Fatalf("get(%q) = %q, %q", k, a, b)
		}
	}
	if n := in.strs.Len(); n != 1000 {
		t.Errorf("%d strings kept, want the bound 1000", n)
	}
}
