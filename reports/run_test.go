package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// scan is what DuckDB's profile says of one Parquet scan.
type scan struct {
	filter string // the file filter: the date condition
	read   int    // files read; -1 for all (no filter left any out)
}

// scans runs q on the session with DuckDB's JSON profiling and returns its
// Parquet scans.
func scans(t *testing.T, s *Session, q string) []scan {
	t.Helper()
	ctx := context.Background()
	prof := filepath.Join(t.TempDir(), "profile.json")
	for _, stmt := range []string{"SET enable_profiling = 'json'", "SET profiling_output = " + quoteString(prof)} {
		if _, err := s.conn.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	defer s.conn.ExecContext(ctx, "RESET enable_profiling")
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	var out []scan
	filesRead := regexp.MustCompile(`^(\d+)/(\d+)$`)
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if info, ok := v["extra_info"].(map[string]any); ok && info["Function"] == "READ_PARQUET" {
				filter, _ := info["File Filters"].(string)
				sc := scan{filter: filter, read: -1}
				if files, ok := info["Scanning Files"].(string); ok {
					m := filesRead.FindStringSubmatch(files)
					if m == nil {
						t.Fatalf("Scanning Files %q", files)
					}
					sc.read, _ = strconv.Atoi(m[1])
				}
				out = append(out, sc)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(tree)
	return out
}

// TestPartitionsRead shows, with DuckDB's profile, that a report reads the
// bills of its first day and after (a bill is written on the day it ends
// or later) and the open rows of the last day only, not the whole lake.
func TestPartitionsRead(t *testing.T) {
	loc := mustLoad(t, "America/New_York")
	first := billing.Date{Year: 2026, Month: time.March, Day: 1}
	const lakeDays = 10
	rl := buildRandomLake(t, 7, loc, first, lakeDays, 5, 120)
	tests := []struct {
		name      string
		from      int // days after first
		wantBills int // bills files read
	}{
		{"last day", lakeDays - 1, 1},
		{"a day in the middle", 6, 4},
		{"first day", 0, lakeDays},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := first.AddDays(tt.from)
			s, err := Open(context.Background(), Options{Lake: rl.dir, From: from, To: from.Next(), Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, r := range BuiltIn() {
				t.Run(r.Name, func(t *testing.T) {
					var bills, open int
					for _, sc := range scans(t, s, r.SQL) {
						if sc.read < 0 {
							sc.read = lakeDays
						}
						switch {
						case strings.Contains(sc.filter, "date >= '"+from.String()+"'"),
							sc.filter == "" && from == first: // date >= the first day keeps every file
							bills++
							if sc.read != tt.wantBills {
								t.Errorf("bills scan read %d files of %d, want %d (%s)", sc.read, lakeDays, tt.wantBills, sc.filter)
							}
						case strings.Contains(sc.filter, "date = '"+first.AddDays(lakeDays-1).String()+"'"):
							open++
							if sc.read != 1 {
								t.Errorf("open scan read %d files of %d, want 1 (%s)", sc.read, lakeDays, sc.filter)
							}
						default:
							t.Errorf("a scan with file filter %q reads %d files", sc.filter, sc.read)
						}
					}
					if bills == 0 || open == 0 && r.Name != "logout_causes" {
						t.Errorf("%d scans of bills and %d of open; want both", bills, open)
					}
				})
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	day := billing.Date{Year: 2026, Month: time.March, Day: 1}
	dir := t.TempDir()
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"empty range", Options{Lake: dir, From: day, To: day}, "must come before"},
		{"backwards", Options{Lake: dir, From: day.Next(), To: day}, "must come before"},
		{"no lake", Options{Lake: filepath.Join(dir, "missing"), From: day, To: day.Next()}, "no lake folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
		})
	}
}

// TestEmptyLake: a lake with no day yet gives the headers, and the
// occupancy report its whole-report TOTAL row of zeros.
func TestEmptyLake(t *testing.T) {
	day := billing.Date{Year: 2026, Month: time.March, Day: 1}
	s, err := Open(context.Background(), Options{Lake: t.TempDir(), From: day, To: day.Next()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[string]string{
		"occupancy":     "agent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\nTOTAL,,0,0,0,0,0,0,0,0,0,\n",
		"rest_reasons":  "agent_id,date,kind,op_cause,label,count,total_s,avg_s,max_s,share\n",
		"logout_causes": "agent_id,date,op_cause,label,category,count,avg_session_s,max_session_s,agents\n",
		"interval":      "agent_id,date,interval_start,interval_start_utc,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n",
	}
	for _, r := range BuiltIn() {
		t.Run(r.Name, func(t *testing.T) {
			var out bytes.Buffer
			if err := s.Run(context.Background(), r, FormatCSV, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != want[r.Name] {
				t.Errorf("got\n%s\nwant\n%s", out.String(), want[r.Name])
			}
		})
	}
}

// TestSiteReportParameters runs a site's report, which sees the same
// tables and variables as the built-in ones.
func TestSiteReportParameters(t *testing.T) {
	loc := mustLoad(t, "America/New_York")
	dir := writeLake(t, loc,
		lakeDay{day: "2026-03-07"},
		lakeDay{day: "2026-03-08"},
	)
	site := fstest.MapFS{
		"days.sql": {Data: []byte("-- The report's days.\nSELECT day, day_start, day_end, getvariable('open_date') AS open_date,\n" +
			"  getvariable('report_from') AS report_from, getvariable('report_start') AS report_start,\n" +
			"  getvariable('report_end') AS report_end FROM report_days ORDER BY day\n")},
		"labels.sql": {Data: []byte("-- Labels of the site.\nSELECT * FROM labels WHERE kind = 'rest' OR code IN (3, 200, 258) ORDER BY kind, code\n")},
	}
	list, err := Catalog(site)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Lake: dir, From: mustDate(t, "2026-03-07"), To: mustDate(t, "2026-03-09"), Location: loc,
		Labels: Labels{Rest: map[int]string{1: "Lunch"}, Busy: map[int]string{200: "Coaching"}}}
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := map[string]string{
		"days": "day,day_start,day_end,open_date,report_from,report_start,report_end\n" +
			"2026-03-07,2026-03-07 05:00:00.000000,2026-03-08 05:00:00.000000,2026-03-08,2026-03-07,2026-03-07 05:00:00.000000,2026-03-09 04:00:00.000000\n" +
			"2026-03-08,2026-03-08 05:00:00.000000,2026-03-09 04:00:00.000000,2026-03-08,2026-03-07,2026-03-07 05:00:00.000000,2026-03-09 04:00:00.000000\n",
		"labels": "kind,code,label\n" +
			"busy,3,The agent being inspected is forced to indicate busy.\n" +
			"busy,200,Coaching\n" +
			"logout,258,An agent proactively logs out of the call center platform.\n" +
			"rest,1,Lunch\n",
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			r, err := Select(list, name)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := s.Run(context.Background(), r[0], FormatCSV, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != w {
				t.Errorf("got\n%s\nwant\n%s", out.String(), w)
			}
		})
	}
}

func TestWriteFiles(t *testing.T) {
	loc := mustLoad(t, "Asia/Kathmandu")
	tc := goldenCases[0]
	dir := writeLake(t, loc, tc.days...)
	out := filepath.Join(t.TempDir(), "reports")
	opts := Options{Lake: dir, From: mustDate(t, tc.from), To: mustDate(t, tc.to), Location: loc, Labels: tc.labels}
	// A file from an earlier run is replaced whole.
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(out, "occupancy_2026-03-09_2026-03-12.csv")
	if err := os.WriteFile(stale, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths, err := WriteFiles(context.Background(), opts, perDayReports(), out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", tc.name, strings.SplitN(filepath.Base(p), "_2026", 2)[0]+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file:\n%s", p, got)
		}
	}
	wantNames := "logout_causes_2026-03-09_2026-03-12.csv occupancy_2026-03-09_2026-03-12.csv rest_reasons_2026-03-09_2026-03-12.csv"
	if got := strings.Join(names, " "); got != wantNames {
		t.Errorf("files %s, want %s", got, wantNames)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%d entries in the folder, want the 3 reports and no temporary file", len(entries))
	}

	t.Run("a failing report leaves the old file", func(t *testing.T) {
		bad := Report{Name: "occupancy", SQL: "SELECT * FROM no_such_table"}
		_, err := WriteFiles(context.Background(), opts, []Report{bad}, out)
		if err == nil || !strings.Contains(err.Error(), "report occupancy") {
			t.Fatalf("error %v, want one naming the report", err)
		}
		got, _ := os.ReadFile(stale)
		if !bytes.HasPrefix(got, []byte("agent_id,")) {
			t.Errorf("the previous file was touched: %q", got)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 3 {
			t.Errorf("%d entries after a failure, want 3", len(entries))
		}
	})
}

func TestSessionClosed(t *testing.T) {
	day := billing.Date{Year: 2026, Month: time.March, Day: 1}
	s, err := Open(context.Background(), Options{Lake: t.TempDir(), From: day, To: day.Next()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Run(context.Background(), BuiltIn()[0], FormatCSV, &bytes.Buffer{}); !errors.Is(err, errClosed) {
		t.Errorf("Run after Close = %v", err)
	}
}
