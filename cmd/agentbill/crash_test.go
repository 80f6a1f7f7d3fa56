package main

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/synth"
)

// crashArgsEnv, when set, makes TestCrashChild run the agentbill command
// line it holds (one argument a line) through run, as main does, and exit
// with its code. The crash tests start the test binary so and kill it.
const crashArgsEnv = "AGENTBILLTEST_CRASH_ARGS"

func TestCrashChild(t *testing.T) {
	args := os.Getenv(crashArgsEnv)
	if args == "" {
		t.Skip("runs only as the child of a crash test")
	}
	os.Exit(run(context.Background(), strings.Split(args, "\n"), io.Discard, io.Discard))
}

// startChild starts the test binary as a child running args.
func startChild(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestCrashChild$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AGENTBILL_") { // the child's config is its arguments
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, crashArgsEnv+"="+strings.Join(args, "\n"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() && stderr.Len() > 0 {
			t.Logf("child stderr:\n%s", stderr.String())
		}
	})
	return cmd
}

// runChild runs args in a child to the end and returns how long it took.
func runChild(t *testing.T, args ...string) time.Duration {
	t.Helper()
	start := time.Now()
	if err := startChild(t, args...).Wait(); err != nil {
		t.Fatalf("child %v: %v", args, err)
	}
	return time.Since(start)
}

// killChild runs args in a child and kills it (SIGKILL) delay after ready
// reports true (polled every 200µs; nil: at once). It reports whether the
// child finished first.
func killChild(t *testing.T, ready func() bool, delay time.Duration, args ...string) (finished bool) {
	t.Helper()
	cmd := startChild(t, args...)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if ready != nil {
		tick := time.NewTicker(200 * time.Microsecond)
		defer tick.Stop()
	wait:
		for !ready() {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("child %v: %v", args, err)
				}
				return true
			case <-tick.C:
				continue wait
			}
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child %v: %v", args, err)
		}
		return true
	case <-time.After(delay):
		cmd.Process.Kill()
		return <-done == nil // nil: it finished as it was killed
	}
}

// writing reports whether a run has begun to write day into the lake: a
// temporary bills file is there, or the bills file is new.
func writing(dir string, day billing.Date, old []byte) func() bool {
	p := (&lake.Lake{Dir: dir}).Path(lake.Bills.Name, day)
	return func() bool {
		entries, _ := os.ReadDir(filepath.Dir(p))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".bills.parquet.tmp-") {
				return true
			}
		}
		data, err := os.ReadFile(p)
		return err == nil && !bytes.Equal(data, old)
	}
}

// crashRounds is how many times each crash test kills a child.
func crashRounds(t *testing.T) int {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	return 14
}

// writeSynth writes generated events to path, the records gen.BadShare
// asks for damaged.
func writeSynth(t *testing.T, path string, gen synth.Config) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := ingest.NewEventCSVWriter(f)
	err = synth.GenerateRecords(context.Background(), gen, func(r synth.Record) error {
		if r.Fault == synth.FaultNone {
			return w.Write(r.Event)
		}
		return w.WriteEdited(r.Event, func(row string) string { return synth.Damage(row, r.Event, r.Fault) })
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// copyLake copies the lake folder src to a new folder.
func copyLake(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "lake")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// dayFilesOf reads the three tables of day in a lake, by table.
func dayFilesOf(t *testing.T, dir string, day billing.Date) map[string][]byte {
	t.Helper()
	lk := &lake.Lake{Dir: dir}
	files := map[string][]byte{}
	for _, tb := range lake.Tables() {
		data, err := os.ReadFile(lk.Path(tb.Name, day))
		if err != nil {
			t.Fatal(err)
		}
		files[tb.Name] = data
	}
	return files
}

// TestIngestCrash kills a real ingest at random points, many times, over a
// lake that holds the day and the day after it. Every time, each file of
// the day is the old one or the new one, and so is the manifest; they
// differ only when a journal says how to finish the commit, and check
// finishes it, so the day is then the new one whole; the day after is
// stale exactly when the day's open table is the new one. Ingesting the
// day again with --cascade gives what a run never stopped gives.
func TestIngestCrash(t *testing.T) {
	rounds := crashRounds(t)
	dir := t.TempDir()
	day := billing.Date{Year: 2026, Month: time.November, Day: 19}
	next := day.Next()
	oldInput, newInput := filepath.Join(dir, "old.csv"), filepath.Join(dir, "new.csv")
	writeSynth(t, oldInput, synth.Config{Agents: 60, Start: day, Days: 2, Seed: 1})
	writeSynth(t, newInput, synth.Config{Agents: 120, Start: day, Days: 1, Seed: 2, BadShare: 0.01, DupShare: 0.01})

	oldLake := filepath.Join(dir, "old")
	mustRun(t, nil, "ingest", "--lake", oldLake, oldInput)
	newLake := copyLake(t, oldLake)
	mustRun(t, nil, "ingest", "--lake", newLake, "--date", day.String(), newInput)
	repaired := copyLake(t, newLake)
	mustRun(t, nil, "ingest", "--lake", repaired, "--date", day.String(), "--cascade", newInput)
	versions := map[string]map[string][]byte{"old": dayFilesOf(t, oldLake, day), "new": dayFilesOf(t, newLake, day)}
	manifests := map[string]lake.Manifest{}
	for name, d := range map[string]string{"old": oldLake, "new": newLake} {
		m, _, err := (&lake.Lake{Dir: d}).ReadManifest(day)
		if err != nil {
			t.Fatal(err)
		}
		manifests[name] = m
	}
	for table, data := range versions["old"] {
		if bytes.Equal(data, versions["new"][table]) {
			t.Fatalf("the old and the new %s are the same: the test would prove nothing", table)
		}
	}

	args := func(lakeDir string) []string {
		return []string{"ingest", "--lake", lakeDir, "--date", day.String(), newInput}
	}
	// How long a whole run takes, and how long its writing.
	calib := copyLake(t, oldLake)
	start := time.Now()
	cmd := startChild(t, args(calib)...)
	for begun := writing(calib, day, versions["old"]["bills"]); !begun(); time.Sleep(200 * time.Microsecond) {
	}
	wrote := time.Now()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	full, write := time.Since(start), time.Since(wrote)
	t.Logf("a whole run takes %v, %v of it writing", full.Round(time.Millisecond), write.Round(time.Millisecond))

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	seen := map[string]int{}
	for round := range rounds {
		lakeDir := copyLake(t, oldLake)
		// A third of the kills anywhere in the run, most others while it
		// writes, and some as soon as the new bills are in place, before
		// the other files follow.
		var finished bool
		var delay time.Duration
		switch round % 3 {
		case 0:
			delay = time.Duration(rng.Int64N(int64(full * 11 / 10)))
			finished = killChild(t, nil, delay, args(lakeDir)...)
		case 1:
			delay = time.Duration(rng.Int64N(int64(write * 12 / 10)))
			finished = killChild(t, writing(lakeDir, day, versions["old"]["bills"]), delay, args(lakeDir)...)
		case 2:
			bills := (&lake.Lake{Dir: lakeDir}).Path(lake.Bills.Name, day)
			renamed := func() bool {
				data, err := os.ReadFile(bills)
				return err == nil && bytes.Equal(data, versions["new"]["bills"])
			}
			finished = killChild(t, renamed, 0, args(lakeDir)...)
		}

		// Each file is whole: the old one or the new one; so is the
		// manifest.
		lk := &lake.Lake{Dir: lakeDir, Location: time.UTC}
		versionsOf := func() (map[string]string, string) {
			which := map[string]string{}
			for table, data := range dayFilesOf(t, lakeDir, day) {
				switch {
				case bytes.Equal(data, versions["old"][table]):
					which[table] = "old"
				case bytes.Equal(data, versions["new"][table]):
					which[table] = "new"
				default:
					t.Fatalf("round %d (kill at %v): %s is neither the old file nor the new one", round, delay, table)
				}
			}
			m, found, err := lk.ReadManifest(day)
			if err != nil || !found {
				t.Fatalf("round %d: manifest: %v %v", round, found, err)
			}
			for name, want := range manifests {
				if reflect.DeepEqual(m.Files, want.Files) && reflect.DeepEqual(m.Inputs, want.Inputs) {
					return which, name
				}
			}
			t.Fatalf("round %d: the manifest is neither the old one nor the new one", round)
			return nil, ""
		}
		which, mv := versionsOf()
		consistent := which["bills"] == mv && which["open"] == mv && which["rejects"] == mv
		_, err := os.Stat(filepath.Join(lakeDir, "runs", day.String()+".commit"))
		journaled := err == nil
		if !consistent && !journaled {
			t.Fatalf("round %d: files %v under the %s manifest, and no journal to finish them", round, which, mv)
		}
		if finished && mv != "new" {
			t.Errorf("round %d: the child finished, the manifest is %s", round, mv)
		}

		// check finishes a half-done commit, and then the day is the new
		// one whole.
		// It fails only when the new open table makes the next day stale.
		code, out, errOut := runCLI(t, nil, "check", "--lake", lakeDir)
		newOpen := which["open"] == "new" || journaled
		if (code != 0) != newOpen {
			t.Errorf("round %d: check exits %d for files %v and the %s manifest (journal %v):\n%s", round, code, which, mv, journaled, out)
		}
		if journaled != strings.Contains(errOut, "where a stopped run left off") {
			t.Errorf("round %d: journal %v, check says:\n%s", round, journaled, errOut)
		}
		if journaled {
			which, mv = versionsOf()
			if which["bills"] != "new" || which["open"] != "new" || which["rejects"] != "new" || mv != "new" {
				t.Errorf("round %d: after the roll forward: files %v, manifest %s", round, which, mv)
			}
		}

		reports, err := lk.Verify(context.Background(), lake.VerifyOptions{Inputs: true})
		if err != nil {
			t.Fatal(err)
		}
		states := map[billing.Date]lake.State{}
		for _, r := range reports {
			states[r.Day] = r.State
		}
		wantNext := lake.StateOK
		if which["open"] == "new" {
			wantNext = lake.StateStale
		}
		if states[day] != lake.StateOK || states[next] != wantNext {
			t.Errorf("round %d: files %v, manifest %s: states %v, want ok %s", round, which, mv, states, wantNext)
		}
		if wantNext == lake.StateStale && !strings.Contains(out, next.String()+" FAIL: stale:") {
			t.Errorf("round %d: check does not call %s stale:\n%s", round, next, out)
		}
		state := mv
		if journaled {
			state = "journaled, finished by check"
		}
		seen[state]++

		// Every fourth round, and after every journaled state: ingesting
		// the day again with --cascade gives what a run that was never
		// stopped gives.
		if round%4 == 0 || journaled {
			mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", day.String(), "--cascade", newInput)
			for _, d := range []billing.Date{day, next} {
				if got, want := dayFilesOf(t, lakeDir, d), dayFilesOf(t, repaired, d); !reflect.DeepEqual(got, want) {
					t.Errorf("round %d: %s after the repair differs from a run never stopped", round, d)
				}
			}
			if out, _ := mustRun(t, nil, "check", "--lake", lakeDir); strings.Contains(out, "note") {
				t.Errorf("round %d: after the repair:\n%s", round, out)
			}
		}
	}
	t.Logf("states after %d kills: %v", rounds, seen)
}

// TestReportCrash kills report writing at random points, many times: every
// report file in the folder is the old one or the new one, whole.
func TestReportCrash(t *testing.T) {
	rounds := crashRounds(t)
	dir := t.TempDir()
	day := billing.Date{Year: 2026, Month: time.November, Day: 19}
	oldInput, newInput := filepath.Join(dir, "old.csv"), filepath.Join(dir, "new.csv")
	writeSynth(t, oldInput, synth.Config{Agents: 20, Start: day, Days: 2, Seed: 1})
	writeSynth(t, newInput, synth.Config{Agents: 200, Start: day, Days: 2, Seed: 2})
	oldLake, newLake := filepath.Join(dir, "old"), filepath.Join(dir, "new")
	mustRun(t, nil, "ingest", "--lake", oldLake, oldInput)
	mustRun(t, nil, "ingest", "--lake", newLake, newInput)
	args := func(lakeDir, out string) []string {
		return []string{"report", "all", "--from", day.String(), "--to", day.AddDays(2).String(), "--lake", lakeDir, "--out", out}
	}
	oldOut, newOut := filepath.Join(dir, "old-reports"), filepath.Join(dir, "new-reports")
	mustRun(t, nil, args(oldLake, oldOut)...)
	full := runChild(t, args(newLake, newOut)...)
	t.Logf("a whole run takes %v", full.Round(time.Millisecond))
	old, fresh := reportFiles(t, oldOut), reportFiles(t, newOut)
	if len(old) != 4 || !slices.Equal(keysSorted(old), keysSorted(fresh)) {
		t.Fatalf("reports: %v and %v", keysSorted(old), keysSorted(fresh))
	}
	for name := range old {
		if old[name] == fresh[name] {
			t.Fatalf("the old and the new %s are the same: the test would prove nothing", name)
		}
	}

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	seen := map[string]int{}
	temps := 0
	for round := range rounds {
		out := filepath.Join(t.TempDir(), "reports")
		if err := os.CopyFS(out, os.DirFS(oldOut)); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(int64(full * 11 / 10)))
		killChild(t, nil, delay, args(newLake, out)...)
		got := reportFiles(t, out)
		if !slices.Equal(keysSorted(got), keysSorted(old)) {
			t.Fatalf("round %d: files %v, want %v", round, keysSorted(got), keysSorted(old))
		}
		news := 0
		for name, data := range got {
			switch data {
			case old[name]:
			case fresh[name]:
				news++
			default:
				t.Fatalf("round %d (kill at %v): %s is neither the old report nor the new one", round, delay, name)
			}
		}
		switch news {
		case 0:
			seen["all old"]++
		case len(got):
			seen["all new"]++
		default:
			seen["some new"]++
		}
		entries, _ := os.ReadDir(out)
		temps += len(entries) - len(got)
	}
	t.Logf("after %d kills: %v; %d temporary files left behind", rounds, seen, temps)
}

// reportFiles reads the report files of a folder, leaving out hidden
// (temporary) files.
func reportFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			files[e.Name()] = string(readFile(t, filepath.Join(dir, e.Name())))
		}
	}
	return files
}

func keysSorted[V any](m map[string]V) []string {
	keys := keysOf(m)
	slices.Sort(keys)
	return keys
}
