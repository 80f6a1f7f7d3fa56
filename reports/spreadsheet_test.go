package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"strings"
	"testing"
)

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{`=HYPERLINK("http://example.com","x")`, `'=HYPERLINK("http://example.com","x")`},
		{"+1", "'+1"},
		{"-2 Lunch", "'-2 Lunch"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"Lunch", "Lunch"},
		{"", ""},
		{"'=already", "'=already"},
		{"午餐 = lunch", "午餐 = lunch"},
	}
	for _, tt := range tests {
		if got := Neutralise(tt.in); got != tt.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// spreadsheetLake is one UTC day: agent A rests with reason 1 and logs out
// with cause 5, whose site labels read as formulas.
func spreadsheetLake(t *testing.T, bom bool) *Session {
	t.Helper()
	loc := mustLoad(t, "UTC")
	dir := writeLake(t, loc, lakeDay{day: "2026-05-04", bills: []span{
		{"A", 26, 1, "2026-05-04 09:00:00", "2026-05-04 09:30:00"},
		{"A", 0, 5, "2026-05-04 08:00:00", "2026-05-04 12:00:00"},
	}})
	s, err := Open(context.Background(), Options{
		Lake: dir, From: mustDate(t, "2026-05-04"), To: mustDate(t, "2026-05-05"), Location: loc,
		Labels:        Labels{Rest: map[int]string{1: `=HYPERLINK("http://example.com/x","Lunch")`}, Logout: map[int]string{5: "@shift end"}},
		ByteOrderMark: bom,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func runReport(t *testing.T, s *Session, r Report) string {
	t.Helper()
	var out bytes.Buffer
	if err := s.Run(context.Background(), r, FormatCSV, &out); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func selectReport(t *testing.T, name string) Report {
	t.Helper()
	rs, err := Select(BuiltIn(), name)
	if err != nil {
		t.Fatal(err)
	}
	return rs[0]
}

// A label from the config that a spreadsheet would run reaches the CSV as
// text.
func TestReportCSVNeutralisesFormulas(t *testing.T) {
	s := spreadsheetLake(t, false)
	for _, tt := range []struct{ report, want string }{
		{"rest_reasons", `A,2026-05-04,rest,1,"'=HYPERLINK(""http://example.com/x"",""Lunch"")",1,1800,1800,1800,0.125`},
		{"logout_causes", `A,2026-05-04,5,'@shift end,client,1,14400,14400,1`},
	} {
		got := runReport(t, s, selectReport(t, tt.report))
		if !strings.Contains(got, tt.want+"\n") {
			t.Errorf("%s:\n%s\nwant a row %s", tt.report, got, tt.want)
		}
	}
}

// Only text cells are neutralised: numbers, negative ones too, stay
// numbers, and a DATE stays a date.
func TestReportCSVKeepsNumbers(t *testing.T) {
	s := spreadsheetLake(t, false)
	got := runReport(t, s, Report{Name: "signs", SQL: `SELECT -1.5 AS d, -2 AS i, CAST(-3.25 AS DECIMAL(6,3)) AS dec, '-4' AS t, '+x' AS p, DATE '2026-05-04' AS day, NULL AS n`})
	want := "d,i,dec,t,p,day,n\n-1.5,-2,-3.25,'-4,'+x,2026-05-04,\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestReportCSVByteOrderMark(t *testing.T) {
	for _, bom := range []bool{false, true} {
		s := spreadsheetLake(t, bom)
		got := runReport(t, s, selectReport(t, "occupancy"))
		if has := strings.HasPrefix(got, "\ufeff"); has != bom {
			t.Errorf("byte-order mark %v: output begins %q", bom, got[:min(len(got), 12)])
		}
		if !strings.HasPrefix(strings.TrimPrefix(got, "\ufeff"), "agent_id,date,") {
			t.Errorf("byte-order mark %v: header %q", bom, got[:min(len(got), 20)])
		}
		// Written to a file, the mark comes once, before the header.
		dir := t.TempDir()
		path, err := s.WriteFile(context.Background(), selectReport(t, "occupancy"), dir)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != got {
			t.Errorf("byte-order mark %v: file %q, want %q", bom, data, got)
		}
		if n := strings.Count(string(data), "\ufeff"); n != map[bool]int{false: 0, true: 1}[bom] {
			t.Errorf("byte-order mark %v: %d marks", bom, n)
		}
	}
}

// Query, for ad hoc SQL, writes the CSV as DuckDB gives it.
func TestQueryCSVPlain(t *testing.T) {
	s := spreadsheetLake(t, true)
	var out bytes.Buffer
	if err := Query(context.Background(), s.conn, `SELECT '=1+1' AS f`, FormatCSV, &out); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0][0] != "f" || recs[1][0] != "=1+1" {
		t.Errorf("got %q", recs)
	}
}
