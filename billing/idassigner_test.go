package billing

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing/internal/sha256x16"
)

// An IDAssigner gives each bill the ID Identity gives it: bills whose
// messages take one to four blocks and more, mixed, in batches of every
// size (full batches, batches left over, single bills).
func TestIDAssignerIsIdentity(t *testing.T) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	var bills []Bill
	for i := range 500 {
		b := Bill{
			AgentID: fmt.Sprintf("A%05d", i%37), OpType: int32(i % 61), OpObject: 65535, OpCause: int32(i % 7),
			Begin: at.Add(time.Duration(i) * time.Second), End: at.Add(time.Duration(2*i) * time.Second),
			Flags:  Flags(i % 16),
			Source: Source{File: []string{"in/a.csv", `c:\in\b.csv`, ""}[i%3], Line: int64(i + 2)},
		}
		// Call ids and record ids of every length up to past what a
		// batch lane holds.
		b.CallID = strings.Repeat("c", (i*7)%260)
		if i%5 == 0 {
			b.Origin.RecordID = strings.Repeat("r", i%33)
		}
		bills = append(bills, b)
	}
	defer func(was bool) { hashInBatches = was }(hashInBatches)
	var a IDAssigner
	var text []byte
	for _, tc := range []struct {
		name    string
		batches bool
		size    int
	}{
		{"one by one", false, 100},
		{"batches of 1", true, 1},
		{"batches of 3", true, 3},
		{"batches of 16", true, 16},
		{"batches of 17", true, 17},
		{"batches of 100", true, 100},
		{"all at once", true, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.batches && !sha256x16.Available {
				t.Skip("no AVX-512 here")
			}
			hashInBatches = tc.batches
			size := tc.size
			ptrs := make([]*Bill, len(bills))
			for i := range bills {
				bills[i].ID = ""
				ptrs[i] = &bills[i]
			}
			for from := 0; from < len(ptrs); from += size {
				text = a.Assign(text, ptrs[from:min(from+size, len(ptrs))])
			}
			for i := range bills {
				if got, want := bills[i].ID, bills[i].Identity(); got != want {
					t.Fatalf("bill %d: %s, Identity gives %s", i, got, want)
				}
				if d := bills[i].PackedID(); d == nil || hex.EncodeToString(d[:]) != bills[i].ID {
					t.Fatalf("bill %d: packed digits %x for %s", i, d, bills[i].ID)
				}
			}
		})
	}
	// Packed digits stand for the ID they were made with only.
	b := bills[0]
	b.ID = strings.Clone(b.ID)
	if d := b.PackedID(); d != nil {
		t.Errorf("an ID set anew kept the packed digits %x", d)
	}
	b.AssignID()
	if d := b.PackedID(); d != nil {
		t.Errorf("AssignID kept the packed digits %x", d)
	}
}

func BenchmarkIDAssigner(b *testing.B) {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	bills := make([]Bill, 1024)
	ptrs := make([]*Bill, len(bills))
	for i := range bills {
		bills[i] = Bill{AgentID: "A01234", OpType: 60, OpObject: 65535, OpCause: 65535, Begin: at, End: at.Add(time.Duration(i) * time.Second),
			Attrs: Attrs{CallID: fmt.Sprintf("call-%06d", i)}, Source: Source{File: "/data/events-2026-11-20.csv", Line: int64(i)}}
		ptrs[i] = &bills[i]
	}
	var a IDAssigner
	var text []byte
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			text = a.Assign(text[:0], ptrs)
		}
	})
	b.Run("one", func(b *testing.B) {
		var id Identifier
		var ids idArena
		for b.Loop() {
			for _, p := range ptrs {
				sum := id.sum(p)
				p.ID = ids.id(sum[:])
			}
		}
	})
}

// HexDigits writes what encoding/hex writes.
func TestHexDigits(t *testing.T) {
	for _, w := range []uint32{0, 1, 9, 10, 15, 0x0123abcd, 0x89abcdef, 0xfedcba98, 0xffffffff, 0xa0b0c0d0} {
		var got [8]byte
		binary.BigEndian.PutUint64(got[:], HexDigits(w))
		if want := fmt.Sprintf("%08x", w); string(got[:]) != want {
			t.Errorf("%#x: %s, want %s", w, got[:], want)
		}
	}
}
