package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/reports"
)

// reportLake writes a two-day UTC lake: agent A01 logs in on 2026-03-09 at
// 22:00, rests (cause 1) 23:00-01:00 and logs out (258) at 02:00 on 03-10.
func reportLake(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lake")
	l := &lake.Lake{Dir: dir, Location: time.UTC}
	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	bill := func(op, cause int32, begin, end string, line int64) billing.Bill {
		b := billing.Bill{AgentID: "A01", OpType: op, OpObject: billing.USNoUse, OpCause: cause,
			Begin: at(begin), End: at(end), LogonSN: at("2026-03-09 22:00:00").UnixMilli(),
			Source: billing.Source{File: "events.csv", Line: line}}
		b.AssignID()
		return b
	}
	open := func(b billing.Bill, end string) billing.OpenSpan {
		b.End, b.Flags = at(end), billing.FlagOpen
		b.AssignID()
		return billing.OpenSpan{Bill: b, LastEvent: b.Begin}
	}
	days := []struct {
		day   billing.Date
		bills []billing.Bill
		open  []billing.OpenSpan
	}{
		{billing.Date{Year: 2026, Month: time.March, Day: 9},
			[]billing.Bill{bill(1, 65535, "2026-03-09 22:00:00", "2026-03-09 22:00:00", 2)},
			[]billing.OpenSpan{
				open(bill(0, 65535, "2026-03-09 22:00:00", "2026-03-09 22:00:00", 2), "2026-03-10 00:00:00"),
				open(bill(26, 1, "2026-03-09 23:00:00", "2026-03-09 23:00:00", 3), "2026-03-10 00:00:00"),
			}},
		{billing.Date{Year: 2026, Month: time.March, Day: 10},
			[]billing.Bill{
				bill(0, 258, "2026-03-09 22:00:00", "2026-03-10 02:00:00", 5),
				bill(26, 1, "2026-03-09 23:00:00", "2026-03-10 01:00:00", 3),
			}, nil},
	}
	for _, d := range days {
		writeWholeDay(t, l, d.day, d.bills, d.open)
	}
	return dir
}

// writeWholeDay writes day into the lake as a run would, with a manifest
// whose counts agree with the files and that names the open table of the
// day before as carried in, when there is one: agentbill status calls the
// day ok.
func writeWholeDay(t *testing.T, l *lake.Lake, day billing.Date, bills []billing.Bill, open []billing.OpenSpan) {
	t.Helper()
	billing.SortBills(bills)
	n := int64(len(bills) + len(open))
	m := lake.Manifest{Counts: lake.Counts{Records: n, Events: n, Bills: int64(len(bills)), OpenRows: int64(len(open)),
		BillsByType: map[string]int64{}}}
	for _, b := range bills {
		m.Counts.BillsByType[strconv.Itoa(int(b.OpType))]++
	}
	prev := day.AddDays(-1)
	if pm, found, err := l.ReadManifest(prev); err == nil && found {
		sum, _, err := lake.FileSHA256(l.Path(lake.Open.Name, prev))
		if err != nil {
			t.Fatal(err)
		}
		m.CarriedIn = &lake.CarriedState{Date: prev.String(), SHA256: sum, Rows: int(pm.Counts.OpenRows)}
	}
	if err := l.WriteDay(context.Background(), day, bills, open, nil, m); err != nil {
		t.Fatal(err)
	}
}

// runAt runs the command line with the clock at now.
// logText is stderr followed by the text values of its JSON log lines,
// decoded, one a line: the words of an error or a warning, whatever the
// log's format.
func logText(stderr string) string {
	var b strings.Builder
	b.WriteString(stderr)
	for line := range strings.Lines(stderr) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		for _, v := range m {
			if s, ok := v.(string); ok {
				b.WriteString("\n" + s)
			}
		}
	}
	return b.String()
}

func runAt(t *testing.T, now time.Time, env []string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, env: env, now: func() time.Time { return now }}
	code := a.execute(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

func TestReportCommand(t *testing.T) {
	lakeDir := reportLake(t)
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "agents.sql"), []byte("-- Agents with bills, by day.\n"+
		"SELECT d.day AS date, count(DISTINCT b.agent_id) AS agents\nFROM report_days d\n"+
		"LEFT JOIN bills b ON b.begin_time < d.day_end AND b.end_time >= d.day_start\nGROUP BY d.day ORDER BY d.day\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, time.March, 11, 8, 0, 0, 0, time.UTC)
	occupancy := "agent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n" +
		"A01,2026-03-09,7200,0,0,0,0,3600,0,0,3600,0\n"
	tests := []struct {
		name      string
		args      []string
		env       []string
		wantFiles map[string]string // name: start of its content
		wantOut   string            // standard output starts with it
	}{
		{name: "one report, one day",
			args:      []string{"report", "occupancy", "--from", "2026-03-09"},
			wantFiles: map[string]string{"occupancy_2026-03-09_2026-03-10.csv": occupancy}},
		{name: "yesterday, labels from the config",
			args: []string{"report", "rest_reasons", "--from", "yesterday", "--to", "today"},
			env:  []string{"AGENTBILL_LABELS_REST=1=Lunch"},
			wantFiles: map[string]string{"rest_reasons_2026-03-10_2026-03-11.csv": "agent_id,date,kind,op_cause,label,count,total_s,avg_s,max_s,share\n" +
				"A01,2026-03-10,rest,1,Lunch,1,3600,3600,3600,0.5\n"}},
		{name: "all, with the site's",
			args: []string{"report", "all", "--from", "2026-03-09", "--to", "2026-03-11"},
			env:  []string{"AGENTBILL_REPORTS_DIR=" + site},
			wantFiles: map[string]string{
				"occupancy_2026-03-09_2026-03-11.csv":     "agent_id,date,logged_in_s",
				"rest_reasons_2026-03-09_2026-03-11.csv":  "agent_id,date,kind",
				"logout_causes_2026-03-09_2026-03-11.csv": "agent_id,date,op_cause,label,category,count,avg_session_s,max_session_s,agents\nA01,2026-03-10,258,",
				"agents_2026-03-09_2026-03-11.csv":        "date,agents\n2026-03-09,1\n2026-03-10,1\n",
				"interval_2026-03-09_2026-03-11.csv":      "agent_id,date,interval_start,interval_start_utc,logged_in_s",
			}},
		{name: "byte-order mark and a label that reads as a formula",
			args: []string{"report", "rest_reasons", "--from", "yesterday", "--to", "today"},
			env:  []string{"AGENTBILL_REPORTS_CSV_BOM=always", `AGENTBILL_LABELS_REST=1==HYPERLINK("http://example.com")`},
			wantFiles: map[string]string{"rest_reasons_2026-03-10_2026-03-11.csv": "\ufeffagent_id,date,kind,op_cause,label,count,total_s,avg_s,max_s,share\n" +
				`A01,2026-03-10,rest,1,"'=HYPERLINK(""http://example.com"")",1,3600,3600,3600,0.5` + "\n"}},
		{name: "standard output",
			args:    []string{"report", "occupancy", "--from", "2026-03-09", "--out", "-"},
			wantOut: occupancy},
		{name: "standard output as a table",
			args:    []string{"report", "occupancy", "--from", "2026-03-09", "--out", "-", "--format", "table"},
			wantOut: "agent_id  date        logged_in_s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			env := append([]string{"AGENTBILL_LAKE=" + lakeDir, "AGENTBILL_REPORTS_OUT=" + out}, tt.env...)
			code, stdout, stderr := runAt(t, now, env, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.HasPrefix(stdout, tt.wantOut) {
				t.Errorf("standard output:\n%s\nwant it to start with\n%s", stdout, tt.wantOut)
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != len(tt.wantFiles) {
				t.Errorf("%d files in the output folder, want %d", len(entries), len(tt.wantFiles))
			}
			for name, want := range tt.wantFiles {
				got, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Error(err)
					continue
				}
				if !strings.HasPrefix(string(got), want) {
					t.Errorf("%s:\n%s\nwant it to start with\n%s", name, got, want)
				}
			}
		})
	}
}

func TestReportErrors(t *testing.T) {
	lakeDir := reportLake(t)
	clash := t.TempDir()
	if err := os.WriteFile(filepath.Join(clash, "occupancy.sql"), []byte("SELECT 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"no --from", []string{"report", "occupancy"}, nil, `"from" not set`},
		{"--to not after --from", []string{"report", "occupancy", "--from", "2026-03-09", "--to", "2026-03-09"}, nil, "is not after --from"},
		{"bad date", []string{"report", "occupancy", "--from", "09/03/2026"}, nil, "--from: date"},
		{"unknown report", []string{"report", "occupation", "--from", "2026-03-09"}, nil, `unknown report "occupation"`},
		{"table into a file", []string{"report", "occupancy", "--from", "2026-03-09", "--format", "table"}, nil, "needs --out -"},
		{"unknown format", []string{"report", "occupancy", "--from", "2026-03-09", "--out", "-", "--format", "xml"}, nil, `--format "xml"`},
		{"all to standard output", []string{"report", "all", "--from", "2026-03-09", "--out", "-"}, nil, "one file per report"},
		{"no lake", []string{"report", "occupancy", "--from", "2026-03-09", "--lake", filepath.Join(lakeDir, "missing")}, nil, "no lake folder"},
		{"site report named like a built-in", []string{"report", "occupancy", "--from", "2026-03-09"},
			[]string{"AGENTBILL_REPORTS_DIR=" + clash}, "has the name of a built-in report"},
		{"missing site folder", []string{"reports"},
			[]string{"AGENTBILL_REPORTS_DIR=" + filepath.Join(clash, "missing")}, "reports.dir"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{"AGENTBILL_LAKE=" + lakeDir, "AGENTBILL_REPORTS_OUT=" + t.TempDir()}, tt.env...)
			code, _, stderr := runAt(t, time.Now(), env, tt.args...)
			if code == 0 {
				t.Fatal("exit 0")
			}
			if !strings.Contains(logText(stderr), tt.want) {
				t.Errorf("error output %q, want it to say %q", stderr, tt.want)
			}
		})
	}
}

func TestReportsCommand(t *testing.T) {
	site := t.TempDir()
	if err := os.WriteFile(filepath.Join(site, "abandon.sql"), []byte("-- Calls abandoned in the queue.\nSELECT 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runAt(t, time.Now(), []string{"AGENTBILL_REPORTS_DIR=" + site}, "reports")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	var names []string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 3 {
			t.Fatalf("line %q: want name, source and description", l)
		}
		names = append(names, f[0]+" "+f[1])
	}
	want := "interval built-in,logout_causes built-in,occupancy built-in,rest_reasons built-in,abandon site"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if !strings.HasSuffix(lines[4], "Calls abandoned in the queue.") {
		t.Errorf("site report line %q", lines[4])
	}
}

// A report over a period with a day that is missing, stale or broken fails
// and names the day, its state and its repair; --allow-incomplete writes
// the report, warns on standard error and names the days in the log line
// of each file.
func TestReportIncompletePeriod(t *testing.T) {
	d9, d10 := mustDate(t, "2026-03-09"), mustDate(t, "2026-03-10")
	tests := []struct {
		name   string
		damage func(t *testing.T, l *lake.Lake)
		to     string
		want   string // the day's line in the error
		repair string
	}{
		{name: "missing day", to: "2026-03-12",
			want: "2026-03-11 missing: no run of 2026-03-11 in the lake", repair: "repair: agentbill ingest --date 2026-03-11"},
		{name: "stale day", to: "2026-03-11",
			damage: func(t *testing.T, l *lake.Lake) {
				// 03-09 ingested again with another open table: 03-10 was
				// built on a state the lake no longer holds.
				open, _, err := l.ReadOpen(context.Background(), d9)
				if err != nil {
					t.Fatal(err)
				}
				open[0].LastEvent = open[0].LastEvent.Add(time.Minute)
				bills := readLakeBills(t, l, d9)
				writeWholeDay(t, l, d9, bills, open)
			},
			want: "2026-03-10 stale: 2026-03-09 was ingested again", repair: "repair: agentbill ingest --date 2026-03-10 --cascade"},
		{name: "broken day", to: "2026-03-11",
			damage: func(t *testing.T, l *lake.Lake) {
				// The bills file of 03-10 replaced by other bytes.
				data, err := os.ReadFile(l.Path(lake.Bills.Name, d9))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(l.Path(lake.Bills.Name, d10), data, 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: "2026-03-10 broken: bills/date=2026-03-10/bills.parquet is not the file the run wrote", repair: "repair: agentbill ingest --date 2026-03-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lakeDir := reportLake(t)
			if tt.damage != nil {
				tt.damage(t, &lake.Lake{Dir: lakeDir, Location: time.UTC})
			}
			out := filepath.Join(t.TempDir(), "out")
			env := []string{"AGENTBILL_LAKE=" + lakeDir, "AGENTBILL_REPORTS_OUT=" + out}
			args := []string{"report", "all", "--from", "2026-03-09", "--to", tt.to}
			code, _, stderr := runAt(t, time.Now(), env, args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1:\n%s", code, stderr)
			}
			for _, want := range []string{tt.want, tt.repair, "--allow-incomplete"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("error lacks %q:\n%s", want, stderr)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("%d files written over a period with a hole", len(entries))
			}

			code, _, stderr = runAt(t, time.Now(), env, append(args, "--allow-incomplete")...)
			if code != 0 {
				t.Fatalf("--allow-incomplete: exit %d:\n%s", code, stderr)
			}
			if warned := logLines(t, stderr, "going on with what the lake holds of these days (--allow-incomplete)"); len(warned) != 1 || !strings.Contains(warned[0]["incomplete"].(string), tt.want) {
				t.Errorf("no warning naming %q:\n%s", tt.want, stderr)
			}
			day, state, _ := strings.Cut(strings.SplitN(tt.want, ":", 2)[0], " ")
			written := logLines(t, stderr, "report written over days the lake does not hold whole")
			if len(written) != 4 {
				t.Fatalf("%d warning lines for the report files, want 4:\n%s", len(written), stderr)
			}
			for _, l := range written {
				if l["level"] != "WARN" || l["incomplete"] != day+" "+state || !strings.HasPrefix(l["file"].(string), out) {
					t.Errorf("log line %v", l)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != 4 {
				t.Errorf("%d files written, want 4", len(entries))
			}
		})
	}
}

// readLakeBills reads the bills of day from the lake's Parquet file.
func readLakeBills(t *testing.T, l *lake.Lake, day billing.Date) []billing.Bill {
	t.Helper()
	db, err := reports.OpenLake(context.Background(), l.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bills, err := reports.ReadBills(context.Background(), db, l.Dir, day)
	if err != nil {
		t.Fatal(err)
	}
	return bills
}
