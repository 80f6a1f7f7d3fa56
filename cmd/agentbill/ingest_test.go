package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
)

// sampleEvents writes two generated days of a small centre and returns the
// file and the days.
func sampleEvents(t *testing.T) (string, billing.Date, billing.Date) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := ingest.NewEventCSVWriter(f)
	first := billing.Date{Year: 2026, Month: time.November, Day: 19}
	gen := synth.Config{Agents: 12, Start: first, Days: 2, Seed: 7, DupShare: 0.01}
	if err := synth.Generate(context.Background(), gen, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, first, first.Next()
}

func mustRun(t *testing.T, env []string, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := runCLI(t, env, args...)
	if code != 0 {
		t.Fatalf("agentbill %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out, errOut
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sortedLines returns the lines of a CSV body without its header, sorted.
func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")[1:]
	slices.Sort(lines)
	return lines
}

func TestIngestLake(t *testing.T) {
	events, day1, day2 := sampleEvents(t)
	oneShot := filepath.Join(t.TempDir(), "lake")
	mustRun(t, nil, "ingest", "--lake", oneShot, events)

	t.Run("lake holds the engine's bills, field by field", func(t *testing.T) {
		want, _ := mustRun(t, nil, "bills", events)
		cols := strings.Join(ingest.BillColumns, ", ")
		got, _ := mustRun(t, nil, "query", "--lake", oneShot, "--format", "csv",
			"SELECT "+cols+" FROM bills UNION ALL SELECT "+cols+" FROM open WHERE date = DATE '"+day2.String()+"'")
		w, g := sortedLines(want), sortedLines(got)
		if len(w) < 500 {
			t.Fatalf("only %d bills: the sample is too small to mean much", len(w))
		}
		if !slices.Equal(w, g) {
			t.Errorf("lake and engine differ: %d rows from the engine, %d from the lake", len(w), len(g))
		}
	})

	t.Run("day by day equals one shot", func(t *testing.T) {
		byDay := filepath.Join(t.TempDir(), "lake")
		mustRun(t, nil, "ingest", "--lake", byDay, "--date", day1.String(), events)
		mustRun(t, nil, "ingest", "--lake", byDay, "--date", day2.String(), events)
		for _, day := range []billing.Date{day1, day2} {
			for _, table := range []string{"bills", "open"} {
				rel := filepath.Join(table, "date="+day.String(), table+".parquet")
				if !bytes.Equal(readFile(t, filepath.Join(oneShot, rel)), readFile(t, filepath.Join(byDay, rel))) {
					t.Errorf("%s differs between one run over both days and one run per day", rel)
				}
			}
		}
	})

	t.Run("re-run is byte-identical and warns only of really stale successors", func(t *testing.T) {
		again := filepath.Join(t.TempDir(), "lake")
		mustRun(t, nil, "ingest", "--lake", again, events)
		_, errOut := mustRun(t, nil, "ingest", "--lake", again, "--date", day1.String(), events)
		if strings.Contains(errOut, "stale") {
			t.Errorf("a re-run that wrote the same open table warned of stale days:\n%s", errOut)
		}
		for _, day := range []billing.Date{day1, day2} {
			for _, table := range []string{"bills", "open", "rejects"} {
				rel := filepath.Join(table, "date="+day.String(), table+".parquet")
				if day == day1 && table == "rejects" {
					continue // the one-day run rejects the other day's events
				}
				if !bytes.Equal(readFile(t, filepath.Join(oneShot, rel)), readFile(t, filepath.Join(again, rel))) {
					t.Errorf("%s differs between two runs over the same input", rel)
				}
			}
		}
		// A late login on day one changes what day two starts from.
		changed := filepath.Join(t.TempDir(), "changed.csv")
		late := day1.Start(time.UTC).Add(23 * time.Hour).Format(ingest.EventTimeLayout)
		data := append(readFile(t, events), []byte(late+",Z999,1,,,,,,,,,,,\n")...)
		if err := os.WriteFile(changed, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut = mustRun(t, nil, "ingest", "--lake", again, "--date", day1.String(), changed)
		if !strings.Contains(errOut, "stale") || !strings.Contains(errOut, day2.String()) {
			t.Errorf("no stale warning for %s:\n%s", day2, errOut)
		}
	})

	t.Run("manifest accounts for every record", func(t *testing.T) {
		out, _ := mustRun(t, nil, "query", "--lake", oneShot, "--format", "csv", "SELECT count(*) FROM rejects")
		if strings.TrimSpace(out) != "count_star()\n0" {
			t.Errorf("unexpected rejects: %s", out)
		}
		var records int64
		for _, day := range []billing.Date{day1, day2} {
			m := readFile(t, filepath.Join(oneShot, "runs", day.String()+".json"))
			if !bytes.Contains(m, []byte(`"sha256"`)) || !bytes.Contains(m, []byte(`"version"`)) {
				t.Errorf("manifest of %s lacks checksums or version", day)
			}
			records += countOf(t, m, "records")
			if day == day2 && !bytes.Contains(m, []byte(`"carried_in": {`)) {
				t.Errorf("manifest of %s names no carried state", day)
			}
		}
		lines := int64(strings.Count(string(readFile(t, events)), "\n") - 1)
		if records != lines {
			t.Errorf("manifests count %d records, the input has %d", records, lines)
		}
	})
}

// countOf reads an integer field of a manifest's counts.
func countOf(t *testing.T, manifest []byte, key string) int64 {
	t.Helper()
	i := bytes.Index(manifest, []byte(`"`+key+`": `))
	if i < 0 {
		t.Fatalf("manifest has no %s", key)
	}
	var n int64
	for _, c := range manifest[i+len(key)+4:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestIngestInputsFromConfig(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "billing", "testdata", "session_basic", "events.csv")
	if err := os.WriteFile(filepath.Join(dir, "2026-11-20.csv"), readFile(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	lakeDir := filepath.Join(dir, "lake")
	env := []string{"AGENTBILL_INPUTS=" + filepath.Join(dir, "{date}.csv"), "AGENTBILL_LAKE=" + lakeDir}
	mustRun(t, env, "ingest", "--date", "2026-11-20")
	out, _ := mustRun(t, env, "query", "--format", "csv", "SELECT count(*) AS n FROM bills")
	if strings.TrimSpace(out) != "n\n7" {
		t.Errorf("bills: %s", out)
	}
	if code, _, errOut := runCLI(t, env, "ingest", "--date", "2026-11-21"); code == 0 || !strings.Contains(errOut, "matches no file") {
		t.Errorf("a missing input passed: exit %d, %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, env, "ingest"); code == 0 || !strings.Contains(errOut, "--date") {
		t.Errorf("{date} inputs without --date passed: exit %d, %s", code, errOut)
	}
}
