package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/synth"
)

// twoDayLake ingests the two sample days into a new lake and returns it
// with the input and the days.
func twoDayLake(t *testing.T) (lakeDir, events string, d1, d2 billing.Date) {
	t.Helper()
	events, d1, d2 = sampleEvents(t)
	lakeDir = filepath.Join(t.TempDir(), "lake")
	mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", d1.String(), events)
	return lakeDir, events, d1, d2
}

// The state a day leaves open is carried into the next only when it is the
// file the day's manifest names: a damaged or missing one stops the run,
// which names the file and the repair, and changes nothing.
func TestCarriedStateVerified(t *testing.T) {
	cases := []struct {
		name string
		harm func(t *testing.T, path string)
		want string
	}{
		{"bit flipped", func(t *testing.T, path string) {
			data := readFile(t, path)
			data[len(data)/3] ^= 0x04
			os.WriteFile(path, data, 0o644)
		}, "changed or damaged"},
		{"removed", func(t *testing.T, path string) { os.Remove(path) }, "is missing"},
		{"truncated", func(t *testing.T, path string) { os.Truncate(path, 100) }, "has 100 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lakeDir, events, d1, d2 := twoDayLake(t)
			open := filepath.Join(lakeDir, "open", "date="+d1.String(), "open.parquet")
			tc.harm(t, open)
			before := lakeFiles(t, lakeDir)
			code, _, errOut := runCLI(t, nil, "ingest", "--lake", lakeDir, "--date", d2.String(), events)
			if code != exitFailed {
				t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, errOut)
			}
			for _, want := range []string{open, tc.want, "agentbill ingest --date " + d1.String()} {
				if !strings.Contains(errOut, want) {
					t.Errorf("the error lacks %q:\n%s", want, errOut)
				}
			}
			if after := lakeFiles(t, lakeDir); !reflect.DeepEqual(after, before) {
				t.Errorf("the refused run changed the lake: %v", keysOf(after))
			}
			// Ingesting the day before again repairs it.
			mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", d1.String(), events)
			mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", d2.String(), events)
			mustRun(t, nil, "check", "--lake", lakeDir)
		})
	}
}

// A second writer stops at once with exit status 75 and is told who holds
// the lake; a reader reads the lake without finishing the holder's commit.
func TestOneWriterAtATime(t *testing.T) {
	lakeDir, events, d1, d2 := twoDayLake(t)
	lk := &lake.Lake{Dir: lakeDir}
	held, err := lk.Lock(lake.Holder{Command: "agentbill ingest", Day: d2.String()})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	before := lakeFiles(t, lakeDir)
	for _, args := range [][]string{
		{"ingest", "--lake", lakeDir, "--date", d2.String(), events},
		{"ingest", "--lake", lakeDir, "--date", d1.String(), "--cascade", events},
	} {
		code, _, errOut := runCLI(t, nil, args...)
		if code != exitLakeBusy {
			t.Errorf("%v: exit %d, want %d:\n%s", args, code, exitLakeBusy, errOut)
		}
		for _, want := range []string{"is busy", `"agentbill ingest"`, "pid ", "day " + d2.String()} {
			if !strings.Contains(logText(errOut), want) {
				t.Errorf("%v: the error lacks %q:\n%s", args, want, errOut)
			}
		}
	}
	// The holder is between its journal and its renames: a reader leaves
	// the journal to it.
	journal := filepath.Join(lakeDir, "runs", d1.String()+".commit")
	if err := os.WriteFile(journal, []byte(`{"date":"`+d1.String()+`","renames":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut := mustRun(t, nil, "check", "--lake", lakeDir, "--date", d1.String())
	if !strings.Contains(out, "is busy") || !strings.Contains(errOut, "another run is writing the lake") {
		t.Errorf("check during a commit does not say so:\n%s\n%s", out, errOut)
	}
	mustRun(t, nil, "status", "--lake", lakeDir)
	mustRun(t, nil, "query", "--lake", lakeDir, "SELECT count(*) FROM bills")
	if _, err := os.Stat(journal); err != nil {
		t.Errorf("a reader finished the live writer's commit: %v", err)
	}
	os.Remove(journal)
	if after := lakeFiles(t, lakeDir); !reflect.DeepEqual(after, before) {
		t.Errorf("the lake changed under its writer: %v", keysOf(after))
	}
}

// A run that looks wrong keeps the day as it was, says why and how to
// force it, and keeps what it refused.
func TestSuspectRunKeepsTheDay(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	first := billing.Date{Year: 2026, Month: time.November, Day: 3}
	writeSynth(t, good, synth.Config{Agents: 8, Start: first, Days: 1, Seed: 11})
	later := filepath.Join(dir, "events-2026-11-05.csv")
	writeSynth(t, later, synth.Config{Agents: 8, Start: first.AddDays(2), Days: 1, Seed: 12})
	damaged := filepath.Join(dir, "damaged.csv")
	writeSynth(t, damaged, synth.Config{Agents: 8, Start: first, Days: 1, Seed: 11, BadShare: 0.2})

	cases := []struct {
		name string
		args []string
		want []string
		kept bool   // the refused records are written out
		note string // what check says once the run is forced
	}{
		{"a wrong day's file", []string{later}, []string{"used no event of", "belong to other days: 2026-11-05"}, false,
			"record(s) of 2026-11-05 were read, and 2026-11-05 has no run in the lake"},
		{"a wrong format", []string{"--format", "cti", good}, []string{"used no event of", "skipped as carrying no operation: is the format right?"}, false, ""},
		{"too many rejects", []string{damaged}, []string{"more than max_reject_share 5.0 %"}, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lakeDir := filepath.Join(t.TempDir(), "lake")
			mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", first.String(), good)
			before := lakeFiles(t, lakeDir)
			args := append([]string{"ingest", "--lake", lakeDir, "--date", first.String()}, tc.args...)
			code, _, errOut := runCLI(t, nil, args...)
			if code != exitFailed {
				t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, errOut)
			}
			for _, want := range append(tc.want, "was not committed", "--force") {
				if !strings.Contains(errOut, want) {
					t.Errorf("the error lacks %q:\n%s", want, errOut)
				}
			}
			refused := filepath.Join(lakeDir, "refused", first.String()+".rejects.csv")
			after := lakeFiles(t, lakeDir)
			if tc.kept {
				rows, err := csv.NewReader(strings.NewReader(after[refused])).ReadAll()
				if err != nil || len(rows) < 2 || !strings.Contains(errOut, refused) {
					t.Errorf("refused records not kept in %s (%v): %d rows", refused, err, len(rows))
				}
				delete(after, refused)
			}
			if !reflect.DeepEqual(after, before) {
				t.Errorf("the refused run changed the day: %v", keysOf(after))
			}
			mustRun(t, nil, "check", "--lake", lakeDir)
			// --force commits it.
			mustRun(t, nil, append([]string{args[0], "--force"}, args[1:]...)...)
			if reflect.DeepEqual(lakeFiles(t, lakeDir), after) {
				t.Error("--force did not commit the run")
			}
			if out, _ := mustRun(t, nil, "check", "--lake", lakeDir); !strings.Contains(out, tc.note) {
				t.Errorf("check after the forced run lacks %q:\n%s", tc.note, out)
			}
		})
	}
	t.Run("the share is the config's", func(t *testing.T) {
		lakeDir := filepath.Join(t.TempDir(), "lake")
		mustRun(t, []string{"AGENTBILL_MAX_REJECT_SHARE=0.5"}, "ingest", "--lake", lakeDir, "--date", first.String(), damaged)
	})
}

// Every record read is counted in exactly one day, whichever runs read it:
// a day run again from the inputs of a run over several days counts its
// own records and rejects, and no other day's.
func TestRecordsCountedOnce(t *testing.T) {
	dir := t.TempDir()
	start := billing.Date{Year: 2026, Month: time.November, Day: 19}
	events := filepath.Join(dir, "events.csv")
	writeSynth(t, events, synth.Config{Agents: 10, Start: start, Days: 3, Seed: 5, BadShare: 0.02, DupShare: 0.01})
	lakeDir := filepath.Join(dir, "lake")
	mustRun(t, nil, "ingest", "--lake", lakeDir, events)
	// rejects is the number of rows of the rejects view and of distinct
	// records among them.
	rejects := func() string {
		out, _ := mustRun(t, nil, "query", "--lake", lakeDir, "--format", "csv",
			"SELECT count(*) || ',' || count(DISTINCT (file, line)) FROM rejects")
		return strings.Trim(strings.Split(strings.TrimSpace(out), "\n")[1], `"`)
	}
	want := rejects()
	if n, d, _ := strings.Cut(want, ","); n != d || n == "0" {
		t.Fatalf("rejects (rows, distinct) = %s: want some, each once", want)
	}
	all := readerRecords(t, []string{events})
	for _, d := range []billing.Date{start.Next(), start.AddDays(2), start} {
		mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", d.String(), events)
		if got := rejects(); got != want {
			t.Errorf("after a re-run of %s: rejects (rows, distinct) %s, want %s", d, got, want)
		}
		var records int64
		for day, m := range verifyLake(t, lakeDir) {
			if n := m.Counts.Unaccounted(); n != 0 {
				t.Errorf("%s: %d unaccounted", day, n)
			}
			records += m.Counts.Records
		}
		if records != all {
			t.Errorf("after a re-run of %s: the manifests count %d records, the input holds %d", d, records, all)
		}
	}
	// A run of one day counts the other days' records apart.
	data := readFile(t, filepath.Join(lakeDir, "runs", start.String()+".json"))
	var m lake.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Counts.OtherDays) != 2 {
		t.Errorf("other_days = %v, want the two other days", m.Counts.OtherDays)
	}
}

// The next writer removes what a killed run left; check lists it first.
func TestLeftoversRemoved(t *testing.T) {
	lakeDir, events, d1, _ := twoDayLake(t)
	left := []string{
		filepath.Join(lakeDir, "bills", "date="+d1.String(), ".bills.parquet.tmp-4242"),
		filepath.Join(lakeDir, "runs", "."+d1.String()+".commit.tmp-77"),
	}
	for _, f := range left {
		if err := os.WriteFile(f, []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _ := mustRun(t, nil, "check", "--lake", lakeDir)
	for _, f := range left {
		if !strings.Contains(out, "leftover: "+f) {
			t.Errorf("check does not list %s:\n%s", f, out)
		}
	}
	mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", d1.Next().String(), events)
	for _, f := range left {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the next ingest", f)
		}
	}
	if out, _ := mustRun(t, nil, "check", "--lake", lakeDir); strings.Contains(out, "leftover") {
		t.Errorf("check still lists leftovers:\n%s", out)
	}
}

// check fails on a stale day and names the repair.
func TestCheckFailsOnStale(t *testing.T) {
	lakeDir, events, d1, d2 := twoDayLake(t)
	mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", d2.String(), events)
	// d1 again, from another input: d2 was built on the state it replaced.
	other := filepath.Join(t.TempDir(), "other.csv")
	writeSynth(t, other, synth.Config{Agents: 12, Start: d1, Days: 1, Seed: 99})
	mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", d1.String(), other)
	code, out, _ := runCLI(t, nil, "check", "--lake", lakeDir)
	if code != exitFailed || !strings.Contains(out, d2.String()+" FAIL: stale") || !strings.Contains(out, "agentbill ingest --date "+d2.String()+" --cascade") {
		t.Errorf("check over a stale day: exit %d\n%s", code, out)
	}
}

// A mistake in the command line exits 2, a failed command 1.
func TestExitCodes(t *testing.T) {
	t.Chdir(t.TempDir()) // a default lake ./lake must not land in the source tree
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"bills"}, exitUsage},
		{[]string{"no-such-command"}, exitUsage},
		{[]string{"ingest", "--no-such-flag"}, exitUsage},
		{[]string{"ingest", "--date", "20-11-2026", "x.csv"}, exitUsage},
		{[]string{"ingest", "--cascade", "x.csv"}, exitUsage},
		{[]string{"bills", "no-such-file.csv"}, exitFailed},
		{[]string{"ingest", "--date", "2026-11-20", "no-such-file.csv"}, exitFailed},
		{[]string{"check", "--lake", filepath.Join(t.TempDir(), "none")}, exitFailed},
	} {
		if code, _, errOut := runCLI(t, nil, tt.args...); code != tt.code {
			t.Errorf("%v: exit %d, want %d:\n%s", tt.args, code, tt.code, errOut)
		}
	}
}

// A job that ingests holds the lake for its whole run: run over a lake
// another writer holds exits 75 and records nothing.
func TestRunJobLakeBusy(t *testing.T) {
	site := newJobSite(t, nil, "")
	held, err := (&lake.Lake{Dir: site.lake}).Lock(lake.Holder{Command: "agentbill ingest", Day: "2026-11-20"})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	now := time.Date(2026, time.November, 21, 3, 0, 0, 0, time.UTC)
	code, _, errOut := runAt(t, now, nil, "--config", site.config, "run", "nightly")
	if code != exitLakeBusy || !strings.Contains(errOut, "is busy") {
		t.Fatalf("exit %d, want %d:\n%s", code, exitLakeBusy, errOut)
	}
	if _, err := os.Stat(filepath.Join(site.lake, "jobs", "nightly.json")); !os.IsNotExist(err) {
		t.Errorf("the job recorded a day it did not run: %v", err)
	}
	held.Unlock()
	if code, _, errOut := runAt(t, now, nil, "--config", site.config, "run", "nightly"); code != 0 {
		t.Errorf("after the lock is free: exit %d:\n%s", code, errOut)
	}
}
