package reports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// writeWholeDay writes n bills and one open span for day, with a manifest
// whose counts agree with the files and which carried in the open table of
// the day before, when there is one; shift moves the open span's last
// event, to write a day again with another outcome.
func writeWholeDay(t *testing.T, dir string, day billing.Date, n int, shift time.Duration) {
	t.Helper()
	loc := time.UTC
	start := day.Start(loc)
	var bills []billing.Bill
	for i := range n {
		b := billing.Bill{AgentID: "a", OpType: 26, OpObject: billing.USNoUse, OpCause: 1,
			Begin: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + time.Minute),
			Source: billing.Source{File: "events.csv", Line: int64(i + 2)}}
		b.AssignID()
		bills = append(bills, b)
	}
	billing.SortBills(bills)
	open := []billing.OpenSpan{{Bill: bills[0], LastEvent: bills[0].Begin.Add(shift)}}
	open[0].End, open[0].Flags = day.Next().Start(loc), billing.FlagOpen
	l := &lake.Lake{Dir: dir, Location: loc}
	m := lake.Manifest{Counts: lake.Counts{Records: int64(n), Events: int64(n), Bills: int64(n), OpenRows: 1,
		BillsByType: map[string]int64{strconv.Itoa(26): int64(n)}}}
	prev := day.AddDays(-1)
	if _, found, err := l.ReadManifest(prev); err == nil && found {
		sum, _, err := lake.FileSHA256(l.Path(lake.Open.Name, prev))
		if err != nil {
			t.Fatal(err)
		}
		m.CarriedIn = &lake.CarriedState{Date: prev.String(), SHA256: sum, Rows: 1}
	}
	if err := l.WriteDay(context.Background(), day, bills, open, nil, m); err != nil {
		t.Fatal(err)
	}
}

func TestHoles(t *testing.T) {
	d1 := mustDate(t, "2026-03-09")
	d2, d3, d4 := d1.Next(), d1.AddDays(2), d1.AddDays(3)
	tests := []struct {
		name     string
		damage   func(t *testing.T, dir string)
		from, to billing.Date
		want     string // "day state" of each hole
		reason   string // in a hole's reason
	}{
		{name: "whole", from: d1, to: d4},
		{name: "days the lake lacks, before and after", from: d1.AddDays(-1), to: d4.Next(),
			want: "2026-03-08 missing, 2026-03-12 missing", reason: "no run of 2026-03-08 in the lake"},
		{name: "a day removed", from: d1, to: d4,
			damage: func(t *testing.T, dir string) { removeDay(t, dir, d2) },
			want:   "2026-03-10 missing"},
		{name: "the day after a removed one is a gap, no hole", from: d3, to: d4,
			damage: func(t *testing.T, dir string) { removeDay(t, dir, d2) }},
		{name: "a day ingested again with another outcome", from: d1, to: d4,
			damage: func(t *testing.T, dir string) { writeWholeDay(t, dir, d1, 3, time.Second) },
			want:   "2026-03-10 stale, 2026-03-11 stale", reason: "2026-03-09 was ingested again"},
		{name: "a bills file replaced", from: d2, to: d3,
			damage: func(t *testing.T, dir string) {
				l := &lake.Lake{Dir: dir}
				data, err := os.ReadFile(l.Path(lake.Bills.Name, d1))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(l.Path(lake.Bills.Name, d2), append(data, data...), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: "2026-03-10 broken", reason: "bills/date=2026-03-10/bills.parquet is not the file the run wrote"},
		{name: "an open table gone", from: d2, to: d4,
			damage: func(t *testing.T, dir string) {
				if err := os.Remove((&lake.Lake{Dir: dir}).Path(lake.Open.Name, d2)); err != nil {
					t.Fatal(err)
				}
			},
			want: "2026-03-10 broken", reason: "open/date=2026-03-10/open.parquet is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, d := range []billing.Date{d1, d2, d3} {
				writeWholeDay(t, dir, d, 3+i, 0)
			}
			if tt.damage != nil {
				tt.damage(t, dir)
			}
			holes, err := Holes(context.Background(), dir, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := HoleDays(holes); got != tt.want {
				t.Errorf("holes %q, want %q", got, tt.want)
			}
			if tt.reason != "" && (len(holes) == 0 || !strings.Contains(holes[0].Reason, tt.reason)) {
				t.Errorf("holes %+v; want the first to say %q", holes, tt.reason)
			}
		})
	}
}

func TestIncompleteError(t *testing.T) {
	d := mustDate(t, "2026-03-10")
	err := error(&IncompleteError{From: d.AddDays(-1), To: d.AddDays(6), Holes: []Hole{
		{Day: d, State: lake.StateMissing, Reason: "no run of 2026-03-10 in the lake"},
		{Day: d.Next(), State: lake.StateStale, Reason: "built on 2026-03-10, which is stale"},
	}})
	want := "the lake does not hold 2026-03-09 to 2026-03-15 whole: 2 days missing, broken or stale\n" +
		"  2026-03-10 missing: no run of 2026-03-10 in the lake; repair: agentbill ingest --date 2026-03-10\n" +
		"  2026-03-11 stale: built on 2026-03-10, which is stale; repair: agentbill ingest --date 2026-03-11 --cascade"
	if err.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", err, want)
	}
	var ie *IncompleteError
	if !errors.As(err, &ie) || len(ie.Holes) != 2 {
		t.Error("not an IncompleteError")
	}
	if got := PeriodName(d, d.Next()); got != "2026-03-10" {
		t.Errorf("PeriodName of one day: %q", got)
	}
}

// removeDay removes every file of day and its manifest.
func removeDay(t *testing.T, dir string, day billing.Date) {
	t.Helper()
	l := &lake.Lake{Dir: dir}
	for _, tb := range lake.Tables() {
		if err := os.Remove(l.Path(tb.Name, day)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(dir, "runs", day.String()+".json")); err != nil {
		t.Fatal(err)
	}
}
