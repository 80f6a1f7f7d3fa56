package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
)

// feedFiles generates days of a small centre (site zone UTC) and writes
// each day's events to a file of its own, as a nightly feed has them.
func feedFiles(t *testing.T, dir string, gen synth.Config) []string {
	t.Helper()
	files := make([]string, gen.Days)
	writers := make([]*ingest.EventCSVWriter, gen.Days)
	closers := make([]*os.File, gen.Days)
	for i := range gen.Days {
		files[i] = filepath.Join(dir, "events-"+gen.Start.AddDays(i).String()+".csv")
		f, err := os.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		closers[i], writers[i] = f, ingest.NewEventCSVWriter(f)
	}
	err := synth.Generate(context.Background(), gen, func(e billing.Event) error {
		return writers[billing.DateOf(e.Time.UTC()).DaysSince(gen.Start)].Write(e)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if err := writers[i].Flush(); err != nil {
			t.Fatal(err)
		}
		if err := closers[i].Close(); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// statusLines runs agentbill status and returns "date state" per day.
func statusLines(t *testing.T, lakeDir string) []string {
	t.Helper()
	out, _ := mustRun(t, nil, "status", "--lake", lakeDir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "date ") {
		t.Fatalf("status has no header:\n%s", out)
	}
	var got []string
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) < 6 {
			t.Fatalf("status line %q", line)
		}
		got = append(got, f[0]+" "+f[1])
	}
	return got
}

func TestStatusAndCascade(t *testing.T) {
	dir := t.TempDir()
	start := billing.Date{Year: 2026, Month: time.November, Day: 16}
	gen := synth.Config{Agents: 15, Start: start, Days: 4, Seed: 11, DupShare: 0.01}
	files := feedFiles(t, dir, gen)
	days := []billing.Date{start, start.Next(), start.AddDays(2), start.AddDays(3)}
	// The first day again, as a later delivery of its log has it: with an
	// agent who logged in late and stays logged in (the session timeout is
	// long), so that every later day carries a state that changed.
	late := filepath.Join(dir, "late", filepath.Base(files[0]))
	if err := os.MkdirAll(filepath.Dir(late), 0o755); err != nil {
		t.Fatal(err)
	}
	data := append(readFile(t, files[0]), "2026-11-16T23:00:00Z,Z999,1,,,,,,,,,,,\n"...)
	if err := os.WriteFile(late, data, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"AGENTBILL_BILLING_SESSION_TIMEOUT=120h"}

	lakeDir := filepath.Join(dir, "lake")
	for i, f := range files {
		mustRun(t, env, "ingest", "--lake", lakeDir, "--date", days[i].String(), f)
	}
	// What cascading must give: every day run in order from the late log.
	want := filepath.Join(dir, "want")
	for i, f := range append([]string{late}, files[1:]...) {
		mustRun(t, env, "ingest", "--lake", want, "--date", days[i].String(), f)
	}

	okAll := []string{"2026-11-16 ok", "2026-11-17 ok", "2026-11-18 ok", "2026-11-19 ok"}
	if got := statusLines(t, lakeDir); strings.Join(got, ", ") != strings.Join(okAll, ", ") {
		t.Fatalf("status %v", got)
	}
	mustRun(t, env, "ingest", "--lake", lakeDir, "--date", days[0].String(), late)
	staleAll := []string{"2026-11-16 ok", "2026-11-17 stale", "2026-11-18 stale", "2026-11-19 stale"}
	if got := statusLines(t, lakeDir); strings.Join(got, ", ") != strings.Join(staleAll, ", ") {
		t.Fatalf("after running the first day again: status %v, want %v", got, staleAll)
	}
	out, _ := mustRun(t, nil, "status", "--lake", lakeDir)
	if !strings.Contains(out, "2026-11-16 was ingested again after this day") || !strings.Contains(out, "built on 2026-11-17, which is stale") {
		t.Errorf("status gives no reasons:\n%s", out)
	}
	// check fails on a stale day, and names the repair.
	code, out, _ := runCLI(t, nil, "check", "--lake", lakeDir)
	if code != exitFailed || !strings.Contains(out, "2026-11-17 FAIL: stale:") || !strings.Contains(out, "2026-11-18 FAIL: stale:") || !strings.Contains(out, "agentbill ingest --date 2026-11-17 --cascade") {
		t.Errorf("check over stale days: exit %d\n%s", code, out)
	}

	t.Run("cascade stops at a day whose input is gone", func(t *testing.T) {
		gone := filepath.Join(dir, "gone")
		if err := os.CopyFS(gone, os.DirFS(lakeDir)); err != nil {
			t.Fatal(err)
		}
		moved := files[2] + ".moved"
		if err := os.Rename(files[2], moved); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(moved, files[2])
		code, _, errOut := runCLI(t, env, "ingest", "--lake", gone, "--date", days[0].String(), "--cascade", late)
		if code == 0 || !strings.Contains(errOut, "2026-11-18 needs input "+files[2]+", which is gone") {
			t.Errorf("exit %d:\n%s", code, errOut)
		}
		want := []string{"2026-11-16 ok", "2026-11-17 ok", "2026-11-18 stale", "2026-11-19 stale"}
		if got := statusLines(t, gone); strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("status %v, want %v", got, want)
		}
	})

	t.Run("cascade stops at a day whose input changed", func(t *testing.T) {
		changed := filepath.Join(dir, "changed")
		if err := os.CopyFS(changed, os.DirFS(lakeDir)); err != nil {
			t.Fatal(err)
		}
		old := readFile(t, files[1])
		defer os.WriteFile(files[1], old, 0o644)
		if err := os.WriteFile(files[1], append(old, old[len(old)-100:]...), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := runCLI(t, env, "ingest", "--lake", changed, "--date", days[0].String(), "--cascade", late)
		if code == 0 || !strings.Contains(errOut, "2026-11-17 needs input "+files[1]+" as it was read") {
			t.Errorf("exit %d:\n%s", code, errOut)
		}
	})

	_, errOut := mustRun(t, env, "ingest", "--lake", lakeDir, "--date", days[0].String(), "--cascade", late)
	for _, d := range days[1:] {
		if !strings.Contains(errOut, `"msg":"ingesting a stale day again","day":"`+d.String()+`"`) {
			t.Errorf("cascade did not say it ran %s again:\n%s", d, errOut)
		}
	}
	if got := statusLines(t, lakeDir); strings.Join(got, ", ") != strings.Join(okAll, ", ") {
		t.Errorf("after the cascade: status %v", got)
	}
	for _, d := range days {
		for _, table := range []string{"bills", "open", "rejects"} {
			rel := filepath.Join(table, "date="+d.String(), table+".parquet")
			if !bytes.Equal(readFile(t, filepath.Join(lakeDir, rel)), readFile(t, filepath.Join(want, rel))) {
				t.Errorf("%s after the cascade differs from running the days in order", rel)
			}
		}
	}
	// A second cascade finds nothing stale.
	_, errOut = mustRun(t, env, "ingest", "--lake", lakeDir, "--date", days[0].String(), "--cascade", late)
	if strings.Contains(errOut, "ingesting a stale day again") {
		t.Errorf("cascade over a lake without stale days ran one:\n%s", errOut)
	}
	mustRun(t, nil, "check", "--lake", lakeDir)

	if code, _, errOut := runCLI(t, env, "ingest", "--lake", lakeDir, "--cascade", late); code == 0 || !strings.Contains(errOut, "--cascade needs --date") {
		t.Errorf("--cascade without --date: exit %d, %s", code, errOut)
	}
}

func TestStatusEmpty(t *testing.T) {
	dir := t.TempDir()
	out, _ := mustRun(t, nil, "status", "--lake", dir)
	if !strings.Contains(out, "holds no day") {
		t.Errorf("status of an empty lake: %q", out)
	}
	if code, _, errOut := runCLI(t, nil, "status", "--lake", filepath.Join(dir, "nope")); code == 0 || !strings.Contains(errOut, "no lake at") {
		t.Errorf("status of no lake: exit %d, %s", code, errOut)
	}
}
