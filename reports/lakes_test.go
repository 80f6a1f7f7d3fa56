package reports

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// span is a bill or an open row of a test lake. Times are on the site
// clock ("2006-01-02 15:04:05"), or RFC 3339 with an offset where the site
// clock shows a time twice.
type span struct {
	agent      string
	op, cause  int32
	begin, end string // an open row's end is its day's end
}

// lakeDay is what one run wrote: its bills and its open rows.
type lakeDay struct {
	day   string
	bills []span
	open  []span
}

// siteTime reads a test time on loc's clock.
func siteTime(t testing.TB, s string, loc *time.Location) time.Time {
	t.Helper()
	if tm, err := time.Parse(time.RFC3339, s); err == nil {
		return tm.UTC()
	}
	tm, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		t.Fatalf("test time %q: %v", s, err)
	}
	return tm.UTC()
}

func mustLoad(t testing.TB, zone string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustDate(t testing.TB, s string) billing.Date {
	t.Helper()
	d, err := billing.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// writeLake writes the days into a new lake folder and returns it.
func writeLake(t testing.TB, loc *time.Location, days ...lakeDay) string {
	t.Helper()
	dir := t.TempDir()
	l := &lake.Lake{Dir: dir, Location: loc}
	for _, d := range days {
		day := mustDate(t, d.day)
		var bills []billing.Bill
		for i, s := range d.bills {
			bills = append(bills, testBill(t, s, loc, i))
		}
		billing.SortBills(bills)
		var open []billing.OpenSpan
		for i, s := range d.open {
			s.end = day.Next().Start(loc).Format(time.RFC3339)
			b := testBill(t, s, loc, 1000+i)
			b.Flags = billing.FlagOpen
			b.AssignID()
			open = append(open, billing.OpenSpan{Bill: b, LastEvent: b.Begin})
		}
		if err := l.WriteDay(context.Background(), day, bills, open, nil, lake.Manifest{}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testBill(t testing.TB, s span, loc *time.Location, line int) billing.Bill {
	t.Helper()
	b := billing.Bill{
		AgentID: s.agent, OpType: s.op, OpObject: billing.USNoUse, OpCause: s.cause,
		Begin: siteTime(t, s.begin, loc), End: siteTime(t, s.end, loc),
		Source: billing.Source{File: "events.csv", Line: int64(line + 2)},
	}
	b.LogonSN = b.Begin.UnixMilli()
	b.AssignID()
	return b
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs:\n--- want\n%s--- got\n%s", path, want, got)
	}
}
