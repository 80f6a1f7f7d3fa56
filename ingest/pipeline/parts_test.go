package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
)

// partsInputs writes files whose parts, cut small, begin with rejects and
// skipped records of no day, cut duplicates and events of equal time apart,
// and change day in the middle; one file holds rejects only, another
// begins with them.
func partsInputs(t *testing.T) []ingest.Input {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var b strings.Builder
	b.WriteString("time,agent_id,op_type,op_object,op_cause,call_id,media_type\n")
	// Rejects at the head of the file: they take the first event's day.
	b.WriteString("not a time,A1,1,,,,\n2026-11-19 00:00:00,,1,,,,\n")
	day := firstDay.Start(time.UTC)
	for i := range 9000 {
		at := day.Add(time.Duration(i) * 28 * time.Second) // three days
		agent := fmt.Sprintf("A%d", i%7)
		ts := at.Format("2006-01-02 15:04:05")
		switch i % 11 {
		case 0:
			// Events of equal time and agent whose order decides the
			// bills, and rejects between them.
			fmt.Fprintf(&b, "%s,%s,26,,%d,,\n", ts, agent, i%5)
			fmt.Fprintf(&b, "%s,%s,bad,,,,\n", ts, agent)
			fmt.Fprintf(&b, "%s,%s,60,,,c%d,voice\n", ts, agent, i)
			fmt.Fprintf(&b, "%s,%s,3,,,,\n", ts, agent)
			fmt.Fprintf(&b, "%s,%s,26,,%d,,\n", ts, agent, i%3)
		case 3:
			// A duplicate, and a run of rejects.
			fmt.Fprintf(&b, "%s,%s,38,,,,\n%s,%s,38,,,,\n", ts, agent, ts, agent)
			fmt.Fprintf(&b, "x\ny,z\n%s,%s,99,,,,\n", ts, agent)
		case 7:
			fmt.Fprintf(&b, "%s,%s,1,,,,\n", ts, agent)
		default:
			fmt.Fprintf(&b, "%s,%s,%d,,,,\n", ts, agent, []int{2, 4, 5, 39, 60, 27, 0}[i%7])
		}
	}
	events := write("events.csv", b.String())
	undated := write("undated.csv", "time,agent_id,op_type,op_object,op_cause,call_id,media_type\n"+strings.Repeat("garbage,,,,,,\n", 300))
	// Imported bills of equal sort keys, in an order the sort keeps.
	b.Reset()
	b.WriteString("nonsense\n")
	for i := range 600 {
		begin := day.Add(24*time.Hour + time.Duration(i/4)*time.Minute).Format("2006-01-02 15:04:05")
		end := day.Add(24*time.Hour + time.Duration(i/4+1)*time.Minute).Format("2006-01-02 15:04:05")
		fmt.Fprintf(&b, "%d,700,acc,B%d,svc,1,call%d,%s,%s,60,65535,%d,5,1,1,4,8888,1,0,1763629200000,7\n", 9000+i, i%3, i, begin, end, i%2)
		if i%50 == 0 {
			b.WriteString("9,9,9\n")
		}
	}
	imported := write("imported.csv", b.String())
	return []ingest.Input{{Path: undated}, {Path: events}, {Path: imported, Format: ingest.FormatAgentOprInfo}}
}

// A file read in many parts at once gives the lake and the manifests that
// reading it in one piece gives: every record its day, the same counts,
// rejects and duplicates, events and bills of equal keys in input order,
// with the events sorted in memory or on disk, for every day or one.
func TestRunPartsAsSequential(t *testing.T) {
	in := partsInputs(t)
	defer func(n, h int) { maxParts, handoffSize = n, h }(maxParts, handoffSize)
	handoffSize = 2 // the parts' records reach the shards interleaved
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(2)
	clock := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	run := func(t *testing.T, parts int, budget int, day *billing.Date) (map[string]string, []lake.Manifest) {
		maxParts = parts
		dir := filepath.Join(t.TempDir(), "lake")
		p := Plan{
			Lake:           &lake.Lake{Dir: dir, Location: time.UTC},
			Billing:        billing.DefaultConfig(),
			Day:            day,
			Inputs:         in,
			ReadOptions:    ingest.Options{MinPartSize: 200},
			MemoryBudget:   budget,
			MaxRejectShare: 1,
			Version:        "test",
			Now:            clock,
		}
		res, err := Run(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		return lakeFiles(t, dir), res.Days
	}
	one := firstDay.Next()
	for _, tc := range []struct {
		name   string
		budget int
		day    *billing.Date
	}{
		{"every day", 64 << 20, nil},
		{"one day", 64 << 20, &one},
		{"sorted on disk", 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantFiles, wantDays := run(t, 1, tc.budget, tc.day)
			var rejects, dups int64
			for _, m := range wantDays {
				rejects += m.Counts.Rejects
				dups += m.Counts.Duplicates
			}
			if rejects < 300 || dups == 0 {
				t.Fatalf("%d rejects, %d duplicates: the inputs should give many of both", rejects, dups)
			}
			gotFiles, gotDays := run(t, 64, tc.budget, tc.day)
			if !reflect.DeepEqual(gotDays, wantDays) {
				t.Errorf("manifests differ:\nparts:      %+v\nsequential: %+v", gotDays, wantDays)
			}
			if len(gotFiles) != len(wantFiles) {
				t.Errorf("%d files, want %d", len(gotFiles), len(wantFiles))
			}
			for name, data := range wantFiles {
				if gotFiles[name] != data {
					t.Errorf("%s differs from the sequential read's", name)
				}
			}
		})
	}
}
