package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// TestRunProgress: Run tells Progress the days it commits, and the readers
// tell ReadOptions.Progress every byte of the inputs.
func TestRunProgress(t *testing.T) {
	in := inputs(t)
	var size int64
	for _, f := range in {
		fi, err := os.Stat(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		size += fi.Size()
	}
	var read atomic.Int64
	var calls [][3]int64
	p := Plan{
		Lake:         &lake.Lake{Dir: filepath.Join(t.TempDir(), "lake"), Location: time.UTC},
		Billing:      billing.DefaultConfig(),
		Inputs:       in,
		MemoryBudget: 64 << 20,
		Progress: func(stage string, done, total int64) {
			if stage != "days" {
				t.Errorf("stage %q", stage)
			}
			calls = append(calls, [3]int64{done, total, read.Load()})
		},
	}
	p.ReadOptions.Progress = func(n int) { read.Add(int64(n)) }
	res, err := Run(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(res.Days))
	want := [][3]int64{{0, n, size}}
	for i := range n {
		want = append(want, [3]int64{i + 1, n, size})
	}
	if n == 0 || !slices.Equal(calls, want) {
		t.Errorf("progress (done, total, bytes read) %v, want %v", calls, want)
	}
}
