package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/synth"
)

var firstDay = billing.Date{Year: 2026, Month: time.November, Day: 19}

// inputs writes three generated days of a small centre, one agent with
// more events in a day than a block takes under a small budget, and the
// agentOprInfo test file (bills of 2026-11-20 to import).
func inputs(t *testing.T) []ingest.Input {
	t.Helper()
	dir := t.TempDir()
	events := filepath.Join(dir, "events.csv")
	f, err := os.Create(events)
	if err != nil {
		t.Fatal(err)
	}
	w := ingest.NewEventCSVWriter(f)
	gen := synth.Config{Agents: 60, Start: firstDay, Days: 3, Seed: 5, DupShare: 0.01}
	if err := synth.Generate(context.Background(), gen, w.Write); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var b strings.Builder
	b.WriteString("time,agent_id,op_type,op_object,op_cause,call_id,media_type\n")
	start := firstDay.Next().Start(time.UTC).Add(time.Hour)
	b.WriteString(start.Format(time.RFC3339Nano) + ",A0030x,1,,,,\n")
	for i := range 3000 {
		at := start.Add(time.Duration(i+1) * 3 * time.Second).Format(time.RFC3339Nano)
		if i%2 == 0 {
			fmt.Fprintf(&b, "%s,A0030x,60,,,call%d,text\n", at, i/10)
		} else {
			b.WriteString(at + ",A0030x,26,,3,,\n")
		}
	}
	busy := filepath.Join(dir, "busy.csv")
	if err := os.WriteFile(busy, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	aoi, err := filepath.Abs(filepath.Join("..", "testdata", "agentoprinfo", "good.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// Imported bills of agents the engine bills too, so that they merge
	// into the middle of the day's file.
	mine := filepath.Join(dir, "imported.csv")
	err = os.WriteFile(mine, []byte(`9001,700,acc01,A0030,svc9,12,1680,2026-11-20 09:00:14,2026-11-20 09:05:00,60,65535,1,5,1,1,4,8888,1,0,1763629200000,7
9002,700,acc01,A0030,svc9,12,1680,2026-11-20 09:05:00,2026-11-20 09:06:41,60,-1,0,5,1,1,4,8888,1,0,1763629200000,7
9003,700,acc01,A0012,svc9,,,2026-11-20 13:06:41,2026-11-20 13:08:00,27,65535,0,,1,1,4,8888,,0,1763629200000,
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return []ingest.Input{{Path: events}, {Path: busy}, {Path: aoi, Format: ingest.FormatAgentOprInfo}, {Path: mine, Format: ingest.FormatAgentOprInfo}}
}

// lakeFiles maps the Parquet files of a lake to their bytes.
func lakeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		data, err := os.ReadFile(p)
		files[strings.TrimPrefix(p, dir)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// The day's file is the same however the day is cut into blocks, on any
// number of cores, whether an agent is billed in a block or on its own,
// and whether the events are sorted in memory or on disk.
func TestRunSameFileAnyBlocks(t *testing.T) {
	in := inputs(t)
	defer func(n int) { blockEvents = n }(blockEvents)
	defer func(n int) { maxAgentEvents = n }(maxAgentEvents)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	cases := []struct {
		name   string
		block  int
		budget int
		procs  int
	}{
		{"one block a day", 1 << 30, 64 << 20, 2},
		{"default blocks", 1 << 13, 64 << 20, 2},
		{"an agent a block", 1, 64 << 20, 2},
		{"small blocks, one core", 7, 64 << 20, 1},
		{"small blocks, four cores", 7, 64 << 20, 4},
		{"sorted in memory, busy agent alone", 7, 64 << 20, 2},
		{"sorted on disk, busy agent alone", 7, 1 << 20, 2},
		// The busy agent's shard spills, the other does not: blocks mix
		// events decoded from runs with buckets of memory.
		{"some shards on disk", 7, 4 << 20, 2},
		{"some shards on disk, one block a day", 1 << 30, 4 << 20, 2},
	}
	// The events of the blocks in flight stay within their bound, and
	// every block sent is accounted for by the end.
	var mu sync.Mutex
	var inFlight, peak, bound int64
	defer func(h func(int64, int64)) { inFlightHook = h }(inFlightHook)
	inFlightHook = func(n, b int64) {
		mu.Lock()
		defer mu.Unlock()
		inFlight += n
		peak, bound = max(peak, inFlight), b
	}
	var want map[string]string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			inFlight, peak, bound = 0, 0, 0
			mu.Unlock()
			defer func() {
				mu.Lock()
				defer mu.Unlock()
				if inFlight != 0 || peak == 0 || peak > bound {
					t.Errorf("events in flight: %d left at the end, at most %d, bound %d", inFlight, peak, bound)
				}
			}()
			blockEvents = tc.block
			maxAgentEvents = 1 << 18
			if strings.Contains(tc.name, "in memory, busy agent alone") {
				maxAgentEvents = 1000 // the busy agent has 3,001
			}
			runtime.GOMAXPROCS(tc.procs)
			dir := filepath.Join(t.TempDir(), "lake")
			p := Plan{
				Lake:         &lake.Lake{Dir: dir, Location: time.UTC},
				Billing:      billing.DefaultConfig(),
				Inputs:       in,
				MemoryBudget: tc.budget,
				Version:      "test",
			}
			res, err := Run(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Days) != 3 {
				t.Fatalf("%d days, want 3", len(res.Days))
			}
			var imported, bills int64
			for _, m := range res.Days {
				if n := m.Counts.Unaccounted(); n != 0 {
					t.Errorf("%s: %d records unaccounted", m.Date, n)
				}
				imported += m.Counts.Imported
				bills += m.Counts.Bills
			}
			if imported == 0 || bills < 10000 {
				t.Fatalf("%d bills, %d imported: the inputs should give many, some imported", bills, imported)
			}
			got := lakeFiles(t, dir)
			if want == nil {
				want = got
				return
			}
			for name, data := range want {
				if got[name] != data {
					t.Errorf("%s differs from the run with one block a day", name)
				}
			}
		})
	}
}

// A day the lake refuses to carry from stops the run with the lake's
// error, before anything of the day is written.
func TestRunStopsOnDamagedState(t *testing.T) {
	in := inputs(t)
	dir := filepath.Join(t.TempDir(), "lake")
	day := firstDay
	p := Plan{Lake: &lake.Lake{Dir: dir, Location: time.UTC}, Billing: billing.DefaultConfig(), Inputs: in, MemoryBudget: 64 << 20, Day: &day, Force: true}
	if _, err := Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	os.Truncate(p.Lake.Path(lake.Open.Name, day), 10)
	next := day.Next()
	p.Day = &next
	_, err := Run(context.Background(), p)
	var cse *lake.CarriedStateError
	if !errors.As(err, &cse) {
		t.Fatalf("Run = %v, want a CarriedStateError", err)
	}
	if _, err := os.Stat(p.Lake.Path(lake.Bills.Name, next)); !os.IsNotExist(err) {
		t.Errorf("the refused day was written: %v", err)
	}
}
