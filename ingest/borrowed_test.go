package ingest

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/agentbill/agentbill/billing"
)

// cloneStrings makes every string field of v (events and bills, their
// attributes and origins) a copy of its own.
func cloneStrings(v any) {
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(strings.Clone(v.String()))
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(v).Elem())
}

// With Options.Borrowed, a reader's records hold the same values as
// without, once copied during the call; their strings may point into the
// line (so a copy kept past the call would go wrong).
func TestBorrowedRecordsAreTheSame(t *testing.T) {
	inputs := []struct {
		path   string
		format Format
	}{
		{"testdata/events/sample.csv", FormatEvents},
		{"testdata/events/rejects.csv", FormatEvents},
		{"testdata/events/sample.jsonl", FormatEvents},
		{"testdata/events/rejects.jsonl", FormatEvents},
		{"testdata/agentoprinfo/good.csv", FormatAgentOprInfo},
		{"testdata/agentoprinfo/bad.csv", FormatAgentOprInfo},
	}
	read := func(t *testing.T, path string, format Format, borrowed bool) (events []billing.Event, bills []billing.Bill, rejects []Reject) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		_, err = Read(context.Background(), f, filepath.Base(path), format, Options{Borrowed: borrowed}, Handler{
			Event: func(e *billing.Event) error {
				ev := *e
				cloneStrings(&ev)
				events = append(events, ev)
				return nil
			},
			Bill: func(b billing.Bill) error {
				cloneStrings(&b)
				bills = append(bills, b)
				return nil
			},
			Reject: func(r Reject) error { rejects = append(rejects, r); return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		return events, bills, rejects
	}
	for _, in := range inputs {
		t.Run(in.path, func(t *testing.T) {
			ev, bl, rj := read(t, in.path, in.format, false)
			bev, bbl, brj := read(t, in.path, in.format, true)
			if len(ev)+len(bl)+len(rj) == 0 {
				t.Fatal("the input gave no record")
			}
			if !reflect.DeepEqual(ev, bev) || !reflect.DeepEqual(bl, bbl) || !reflect.DeepEqual(rj, brj) {
				t.Errorf("borrowed records differ: %d/%d events, %d/%d bills, %d/%d rejects", len(ev), len(bev), len(bl), len(bbl), len(rj), len(brj))
			}
		})
	}
}

// With Options.DeferBillIDs, the agentOprInfo reader hands on its bills
// without an ID and otherwise as without it; an IDAssigner then gives them
// the IDs the reader would have.
func TestDeferredBillIDs(t *testing.T) {
	read := func(opts Options) []billing.Bill {
		f, err := os.Open("testdata/agentoprinfo/good.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var bills []billing.Bill
		if _, err := Read(context.Background(), f, "good.csv", FormatAgentOprInfo, opts, Handler{
			Bill: func(b billing.Bill) error { cloneStrings(&b); bills = append(bills, b); return nil },
		}); err != nil {
			t.Fatal(err)
		}
		return bills
	}
	for _, borrowed := range []bool{false, true} {
		want := read(Options{Borrowed: borrowed})
		got := read(Options{Borrowed: borrowed, DeferBillIDs: true})
		if len(got) == 0 || len(got) != len(want) {
			t.Fatalf("borrowed %v: %d bills deferred, %d not", borrowed, len(got), len(want))
		}
		named := make([]*billing.Bill, len(got))
		for i := range got {
			if got[i].ID != "" {
				t.Fatalf("borrowed %v: bill %d came with ID %q", borrowed, i, got[i].ID)
			}
			named[i] = &got[i]
		}
		var ids billing.IDAssigner
		ids.Assign(nil, named)
		// The reader's IDs are the IDAssigner's; the bills it named also
		// hold their IDs' digits packed, so want is named by it too before
		// the whole bills are compared.
		wantNamed := make([]*billing.Bill, len(want))
		for i := range want {
			if got[i].ID != want[i].ID {
				t.Fatalf("borrowed %v: bill %d named %s, the reader names it %s", borrowed, i, got[i].ID, want[i].ID)
			}
			want[i].ID = ""
			wantNamed[i] = &want[i]
		}
		ids.Assign(nil, wantNamed)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("borrowed %v: the bills deferred, once named, differ:\n got %+v\nwant %+v", borrowed, got, want)
		}
	}
}
