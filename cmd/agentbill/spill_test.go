package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/synth"
)

// parquetFiles is the Parquet files of a lake by path within it.
func parquetFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p, data := range lakeFiles(t, dir) {
		if strings.HasSuffix(p, ".parquet") {
			rel, _ := filepath.Rel(dir, p)
			out[rel] = data
		}
	}
	return out
}

// An ingest that sorts on disk (1 MiB of memory: several runs of events
// and of one agent's bills) writes the same lake, byte for byte, as one
// that sorts in memory, for events over several days and for imported
// bills, and leaves no spilled file behind.
func TestIngestSpillsToDisk(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "events.csv")
	first := billing.Date{Year: 2026, Month: time.November, Day: 16}
	writeSynth(t, events, synth.Config{Agents: 40, Start: first, Days: 3, Seed: 11, DupShare: 0.01, BadShare: 0.01})
	// One agent with many events in a day: its bills alone pass the budget.
	busy := filepath.Join(dir, "busy.csv")
	var sb strings.Builder
	sb.WriteString("time,agent_id,op_type,op_object,op_cause,call_id,media_type\n")
	start := first.Start(time.UTC).Add(time.Hour)
	sb.WriteString(start.Format(time.RFC3339Nano) + ",Z999,1,,,,\n")
	for i := range 12000 {
		at := start.Add(time.Duration(i+1) * 2 * time.Second).Format(time.RFC3339Nano)
		if i%2 == 0 {
			sb.WriteString(at + ",Z999,4,,,call" + strings.Repeat("x", i%7) + ",voice\n")
		} else {
			sb.WriteString(at + ",Z999,26,,3,,\n")
		}
	}
	if err := os.WriteFile(busy, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	inMemory, onDisk := filepath.Join(dir, "mem"), filepath.Join(dir, "disk")
	mustRun(t, nil, "ingest", "--lake", inMemory, events, busy)
	small := []string{"AGENTBILL_INGEST_MEMORY_MB=1"}
	_, log := mustRun(t, small, "ingest", "--lake", onDisk, events, busy)
	if !strings.Contains(log, "events sorted on disk") {
		t.Fatalf("the events were not sorted on disk; the test means them to be:\n%s", log)
	}
	want, got := parquetFiles(t, inMemory), parquetFiles(t, onDisk)
	if len(want) != 9 {
		t.Fatalf("%d files, want the three tables of three days", len(want))
	}
	for name, data := range want {
		if got[name] != data {
			t.Errorf("%s differs when the ingest sorts on disk", name)
		}
	}
	if _, err := os.Stat(filepath.Join(onDisk, ".spill")); err == nil {
		t.Errorf("the spill folder is left behind")
	}

	// The lake's bills as agentOprInfo, imported again.
	var exported []string
	for d := first; !first.AddDays(2).Before(d); d = d.Next() {
		path := filepath.Join(dir, "agentoprinfo-"+d.String()+".csv")
		mustRun(t, nil, "export", "--lake", inMemory, "--date", d.String(), "--out", path)
		exported = append(exported, path)
	}
	importMem, importDisk := filepath.Join(dir, "import-mem"), filepath.Join(dir, "import-disk")
	mustRun(t, nil, append([]string{"ingest", "--lake", importMem, "--format", "agentoprinfo"}, exported...)...)
	mustRun(t, small, append([]string{"ingest", "--lake", importDisk, "--format", "agentoprinfo"}, exported...)...)
	want, got = parquetFiles(t, importMem), parquetFiles(t, importDisk)
	if len(want) != 9 {
		t.Fatalf("%d files from the import, want nine", len(want))
	}
	for name, data := range want {
		if !bytes.Equal([]byte(got[name]), []byte(data)) {
			t.Errorf("imported %s differs when the ingest sorts on disk", name)
		}
	}
}

// The spill folder of a run that was killed is removed by the next run;
// that of a live one is not.
func TestIngestRemovesDeadRunsSpill(t *testing.T) {
	events, day, _ := sampleEvents(t)
	lakeDir := filepath.Join(t.TempDir(), "lake")
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Skip("no true(1) to take a dead process id from")
	}
	dead := filepath.Join(lakeDir, ".spill", fmt.Sprintf("ingest-%d-1", done.Process.Pid))
	live := filepath.Join(lakeDir, ".spill", "ingest-1-1") // pid 1 is always running
	for _, d := range []string{dead, live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "run-1"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", day.String(), events)
	if _, err := os.Stat(dead); err == nil {
		t.Error("the killed run's spill folder is still there")
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("a live run's spill folder went: %v", err)
	}
}
