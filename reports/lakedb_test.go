package reports

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
)

var (
	day1 = billing.Date{Year: 2024, Month: time.March, Day: 10}
	day2 = day1.Next()
)

// writeDay writes n bills, one open span and one reject for day.
func writeDay(t *testing.T, dir string, day billing.Date, n int) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Fatal(err)
	}
	start := day.Start(loc)
	var bills []billing.Bill
	for i := range n {
		b := billing.Bill{
			AgentID: fmt.Sprintf("agent-%d", i%2), OpType: 60, OpObject: 65535, OpCause: 0,
			Begin: start.Add(time.Duration(i) * time.Hour), End: start.Add(time.Duration(i)*time.Hour + 90*time.Second),
			Attrs:  billing.Attrs{MediaType: "voice"},
			Source: billing.Source{File: "events.csv", Line: int64(i + 2)},
		}
		b.AssignID()
		bills = append(bills, b)
	}
	billing.SortBills(bills)
	open := []billing.OpenSpan{{Bill: bills[0], LastEvent: bills[0].Begin}}
	open[0].End, open[0].Flags = day.Next().Start(loc), billing.FlagOpen
	rejects := []ingest.Reject{{File: "events.csv", Line: 1, Raw: "x", Reason: "bad"}}
	l := &lake.Lake{Dir: dir, Location: loc}
	if err := l.WriteDay(context.Background(), day, bills, open, rejects, lake.Manifest{}); err != nil {
		t.Fatal(err)
	}
}

func openLake(t *testing.T, dir string) *sql.DB {
	t.Helper()
	db, err := OpenLake(context.Background(), dir)
	if err != nil {
		t.Fatalf("OpenLake: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryCSV runs q and returns its CSV output.
func queryCSV(t *testing.T, db *sql.DB, q string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := Query(context.Background(), db, q, FormatCSV, &out)
	return out.String(), err
}

func mustCSV(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	out, err := queryCSV(t, db, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

func TestOpenLakeDays(t *testing.T) {
	dir := t.TempDir()
	writeDay(t, dir, day1, 3)
	writeDay(t, dir, day2, 2)
	db := openLake(t, dir)
	tests := []struct {
		query, want string
	}{
		{"SELECT date, count(*) FROM bills GROUP BY ALL ORDER BY 1",
			"date,count_star()\n2024-03-10,3\n2024-03-11,2\n"},
		{"SELECT date, count(*) AS n FROM open GROUP BY ALL ORDER BY 1",
			"date,n\n2024-03-10,1\n2024-03-11,1\n"},
		{"SELECT date, file, line, reason FROM rejects ORDER BY date",
			"date,file,line,reason\n2024-03-10,events.csv,1,bad\n2024-03-11,events.csv,1,bad\n"},
		{"SELECT begin_time, begin_local, duration_ms FROM bills WHERE date = DATE '2024-03-11' ORDER BY begin_time",
			"begin_time,begin_local,duration_ms\n2024-03-10 18:15:00.000000,2024-03-11 00:00:00.000000,90000\n2024-03-10 19:15:00.000000,2024-03-11 01:00:00.000000,90000\n"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			if got := mustCSV(t, db, tt.query); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// describe lists the columns of a view as "name TYPE".
func describe(t *testing.T, db *sql.DB, view string) []string {
	t.Helper()
	out := mustCSV(t, db, "SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM "+view+")")
	return strings.Split(strings.TrimSpace(out), "\n")[1:]
}

func TestOpenLakeFresh(t *testing.T) {
	full := t.TempDir()
	writeDay(t, full, day1, 1)
	fullDB := openLake(t, full)
	freshDB := openLake(t, t.TempDir())
	for _, table := range lake.Tables() {
		t.Run(table.Name, func(t *testing.T) {
			want := describe(t, fullDB, table.Name)
			if got := describe(t, freshDB, table.Name); !reflect.DeepEqual(got, want) {
				t.Errorf("empty view:\n%q\nwant the columns of the files:\n%q", got, want)
			}
			if last := want[len(want)-1]; last != "date DATE" {
				t.Errorf("last column %q, want date DATE", last)
			}
			if got := mustCSV(t, freshDB, "SELECT count(*) AS n FROM "+table.Name); got != "n\n0\n" {
				t.Errorf("count = %q", got)
			}
		})
	}
	t.Run("no folder", func(t *testing.T) {
		_, err := OpenLake(context.Background(), filepath.Join(t.TempDir(), "missing"))
		if !errors.Is(err, ErrNoLake) {
			t.Errorf("OpenLake of a missing folder = %v, want ErrNoLake", err)
		}
	})
}

func TestOpenLakeOddFolderName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), `it's a "lake" [1] *?`)
	writeDay(t, dir, day1, 2)
	db := openLake(t, dir)
	if got, want := mustCSV(t, db, "SELECT count(*) AS n FROM bills"), "n\n2\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestOpenLakeDateFilter shows that a filter on date reads only that day's
// file: DuckDB's profile says it scans one file of two, and with the other
// day's file broken the filtered query still works, while queries that need
// the broken day fail.
func TestOpenLakeDateFilter(t *testing.T) {
	dir := t.TempDir()
	writeDay(t, dir, day1, 3)
	writeDay(t, dir, day2, 2)
	t.Run("profile", func(t *testing.T) {
		db := openLake(t, dir)
		var key, plan string
		// A bare count(*) is answered from the files' metadata without a
		// scan; a sum reads the rows.
		q := "EXPLAIN ANALYZE SELECT sum(duration_ms) FROM bills WHERE date = DATE '2024-03-10'"
		if err := db.QueryRow(q).Scan(&key, &plan); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "Scanning Files: 1/2") {
			t.Errorf("the plan does not say it scans 1 file of 2:\n%s", plan)
		}
	})

	broken := (&lake.Lake{Dir: dir}).Path("bills", day2)
	if err := os.WriteFile(broken, []byte("this is not a parquet file"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := openLake(t, dir)
	tests := []struct {
		query   string
		want    string // "" when the query must fail
		failure string
	}{
		{query: "SELECT count(*) AS n FROM bills WHERE date = DATE '2024-03-10'", want: "n\n3\n"},
		{query: "SELECT count(*) AS n FROM bills WHERE date < DATE '2024-03-11'", want: "n\n3\n"},
		{query: "SELECT count(*) AS n FROM bills WHERE date = DATE '2024-03-11'", failure: "bills.parquet"},
		{query: "SELECT count(*) AS n FROM bills", failure: "bills.parquet"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := queryCSV(t, db, tt.query)
			switch {
			case tt.want != "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.want != "" && got != tt.want:
				t.Errorf("got %q, want %q", got, tt.want)
			case tt.want == "" && (err == nil || !strings.Contains(err.Error(), tt.failure)):
				t.Errorf("error %v, want one naming %s", err, tt.failure)
			}
		})
	}
}
