package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/synth"
)

// damagedEvents writes generated events of days with damaged and
// duplicated records.
func damagedEvents(t *testing.T, path string, start billing.Date, days int) {
	t.Helper()
	writeSynth(t, path, synth.Config{Agents: 10, Start: start, Days: days, Seed: 3, BadShare: 0.03, DupShare: 0.02})
}

// readerRecords is the number of records the readers count in files.
func readerRecords(t *testing.T, files []string) int64 {
	t.Helper()
	in := make([]ingest.Input, len(files))
	for i, f := range files {
		in[i] = ingest.Input{Path: f}
	}
	c, err := ingest.Collect(context.Background(), in, ingest.Options{}, func(ctx context.Context, r io.Reader, in ingest.Input, opts ingest.Options, h ingest.Handler) (ingest.Stats, error) {
		return ingest.Read(ctx, r, in.Path, in.Format, opts, h)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.Records()
}

// verifyLake fails the test on any problem the lake's check finds, and
// returns the manifests by day.
func verifyLake(t *testing.T, dir string) map[billing.Date]lake.Manifest {
	t.Helper()
	lk := &lake.Lake{Dir: dir, Location: time.UTC}
	reports, err := lk.Verify(context.Background(), lake.VerifyOptions{Inputs: true})
	if err != nil {
		t.Fatal(err)
	}
	ms := map[billing.Date]lake.Manifest{}
	for _, r := range reports {
		for _, p := range r.Problems {
			t.Errorf("%s: %s", r.Day, p)
		}
		if r.Manifest == nil {
			t.Fatalf("%s has no manifest", r.Day)
		}
		ms[r.Day] = *r.Manifest
	}
	return ms
}

func TestManifestsBalance(t *testing.T) {
	dir := t.TempDir()
	start := billing.Date{Year: 2026, Month: time.November, Day: 19}
	events := filepath.Join(dir, "events.csv")
	damagedEvents(t, events, start, 2)
	cti, _ := filepath.Glob(filepath.Join("..", "..", "ingest", "testdata", "cti", "*.log"))
	aoi := []string{
		filepath.Join("..", "..", "ingest", "testdata", "agentoprinfo", "good.csv"),
		filepath.Join("..", "..", "ingest", "testdata", "agentoprinfo", "bad.csv"),
	}
	bad, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "bad", "*"))
	var parseable []string // the corpus files that do not stop a run
	for _, f := range bad {
		if !strings.HasSuffix(f, ".md") && !strings.Contains(f, "empty.csv") && !strings.Contains(f, "truncated_header") {
			parseable = append(parseable, f)
		}
	}
	tests := []struct {
		name  string
		files []string
		args  []string
	}{
		{"damaged events, every day", []string{events}, nil},
		{"damaged events, one day", []string{events}, []string{"--date", start.Next().String()}},
		{"CTI logs", cti, nil},
		{"agentOprInfo, good and bad", aoi, nil},
		{"every format at once", append(append([]string{events}, cti...), aoi...), nil},
		{"bad input corpus", parseable, []string{"--date", "2026-11-20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lakeDir := filepath.Join(t.TempDir(), "lake")
			// --force: these inputs are meant to hold more bad records
			// than a run commits by default.
			mustRun(t, nil, append(append([]string{"ingest", "--force", "--lake", lakeDir}, tt.args...), tt.files...)...)
			var records, rejects int64
			for d, m := range verifyLake(t, lakeDir) {
				c := m.Counts
				if n := c.Unaccounted(); n != 0 {
					t.Errorf("%s: %d records unaccounted: %+v", d, n, c)
				}
				records += c.Records + sumCounts(c.OtherDays)
				rejects += c.Rejects
			}
			if want := readerRecords(t, tt.files); records != want {
				t.Errorf("the manifests count %d records, the readers read %d", records, want)
			}
			if rejects == 0 && tt.name != "CTI logs" {
				t.Error("no rejects: the inputs should hold some")
			}
			out, _ := mustRun(t, nil, "check", "--lake", lakeDir)
			if !strings.Contains(out, "no problem") {
				t.Errorf("check:\n%s", out)
			}
		})
	}
}

func TestCheckCommand(t *testing.T) {
	events, day1, day2 := sampleEvents(t)
	base := filepath.Join(t.TempDir(), "lake")
	mustRun(t, nil, "ingest", "--lake", base, events)
	rel := func(table string, d billing.Date) string {
		return filepath.Join(table, "date="+d.String(), table+".parquet")
	}
	editManifest := func(t *testing.T, dir string, d billing.Date, edit func(*lake.Manifest)) {
		t.Helper()
		p := filepath.Join(dir, "runs", d.String()+".json")
		var m lake.Manifest
		if err := json.Unmarshal(readFile(t, p), &m); err != nil {
			t.Fatal(err)
		}
		edit(&m)
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name     string
		damage   func(t *testing.T, dir string)
		args     []string
		wantCode int
		want     []string // lines of the output, in order
	}{
		{
			name: "whole lake",
			want: []string{day1.String() + " ok", day2.String() + " ok", "checked 2 day(s) of "},
		},
		{
			name: "one day",
			args: []string{"--date", day2.String()},
			want: []string{day2.String() + " ok", "checked 1 day(s) of "},
		},
		{
			name: "bills of another day",
			damage: func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, rel("bills", day2)), readFile(t, filepath.Join(dir, rel("bills", day1))), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantCode: 1,
			want: []string{
				day1.String() + " ok",
				day2.String() + " FAIL: bills/date=" + day2.String() + "/bills.parquet is not the file the run wrote: ",
				day2.String() + " FAIL: bills/date=" + day2.String() + "/bills.parquet has ",
			},
		},
		{
			name:     "open table gone",
			damage:   func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, rel("open", day1))) },
			wantCode: 1,
			want: []string{
				day1.String() + " FAIL: open/date=" + day1.String() + "/open.parquet is missing",
				day2.String() + " note: gap: carried in the open table of " + day1.String() + ", which the lake no longer holds",
			},
		},
		{
			name: "counts that do not balance",
			damage: func(t *testing.T, dir string) {
				editManifest(t, dir, day1, func(m *lake.Manifest) { m.Counts.Duplicates++ })
			},
			wantCode: 1,
			want:     []string{day1.String() + " FAIL: counts do not balance: ", day2.String() + " ok"},
		},
		{
			name: "input changed",
			damage: func(t *testing.T, dir string) {
				editManifest(t, dir, day2, func(m *lake.Manifest) { m.Inputs[0].SHA256 = strings.Repeat("0", 64) })
			},
			args:     []string{"--date", day2.String()},
			wantCode: 1,
			want:     []string{day2.String() + " FAIL: input " + abs(t, events) + " changed since the run: "},
		},
		{
			name: "input gone",
			damage: func(t *testing.T, dir string) {
				editManifest(t, dir, day2, func(m *lake.Manifest) { m.Inputs[0].Path += ".gone" })
			},
			args: []string{"--date", day2.String()},
			want: []string{day2.String() + " ok", day2.String() + " note: input " + abs(t, events) + ".gone is gone: its sha256 cannot be checked"},
		},
		{
			name:     "day not in the lake",
			args:     []string{"--date", day2.Next().String()},
			wantCode: 1,
			want:     []string{day2.Next().String() + " FAIL: no run of " + day2.Next().String() + " in the lake"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "lake")
			if err := os.CopyFS(dir, os.DirFS(base)); err != nil {
				t.Fatal(err)
			}
			if tt.damage != nil {
				tt.damage(t, dir)
			}
			code, out, errOut := runCLI(t, nil, append([]string{"check", "--lake", dir}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.wantCode, out, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			i := 0
			for _, line := range lines {
				if i < len(tt.want) && strings.HasPrefix(line, tt.want[i]) {
					i++
				}
			}
			if i < len(tt.want) {
				t.Errorf("no line %q in\n%s", tt.want[i], out)
			}
			if tt.wantCode != 0 && !strings.Contains(errOut, "problem(s)") {
				t.Errorf("the error does not count the problems: %s", errOut)
			}
		})
	}
	if code, _, errOut := runCLI(t, nil, "check", "--lake", filepath.Join(t.TempDir(), "none")); code == 0 || !strings.Contains(errOut, "no lake at") {
		t.Errorf("check of no lake: exit %d, %s", code, errOut)
	}
}

func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func sumCounts(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
