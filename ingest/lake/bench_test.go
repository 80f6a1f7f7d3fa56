package lake

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// syntheticBills makes n bills of a busy site, in the lake's order: 2000
// agents, each with a day of conversations, rests and holds.
func syntheticBills(n int, loc *time.Location) []billing.Bill {
	const agents = 2000
	bills := make([]billing.Bill, 0, n)
	perAgent := (n + agents - 1) / agents
	start := testDay.Start(loc)
	types := []int32{60, 27, 26, 38, 3, 60, 60, 45}
	for a := 0; a < agents && len(bills) < n; a++ {
		agent := fmt.Sprintf("agent-%05d", a)
		logon := start.Add(time.Duration(a) * time.Second)
		t := logon
		for i := 0; i < perAgent && len(bills) < n; i++ {
			d := time.Duration(30+i%240)*time.Second + time.Duration(i%1000)*time.Microsecond
			b := billing.Bill{
				AgentID: agent, OpType: types[i%len(types)], OpObject: 65535, OpCause: int32(i % 2),
				Begin: t, End: t.Add(d), LogonSN: logon.UnixMilli(),
				Source: billing.Source{File: "/data/in/cti-2024-03-10.log", Line: int64(len(bills)*3 + 1)},
			}
			if b.OpType == 60 {
				b.Attrs = billing.Attrs{
					CallID: fmt.Sprintf("c%d-%d", a, i/3), MediaType: "voice", SkillID: fmt.Sprint(a % 40),
					VDNID: "1", CCID: "1", AgentType: "4", CallInOut: "inbound", LocationID: "KTM",
				}
				b.SourceCause, b.HasSourceCause = 4, true
			}
			b.AssignID()
			bills = append(bills, b)
			t = t.Add(d)
		}
	}
	return bills
}

// BenchmarkWriteBills reports how many bills per second go into Parquet:
// encode alone (to io.Discard), encode in blocks on every core, and a whole
// day through WriteDay (temporary file, hash, fsync, rename).
func BenchmarkWriteBills(b *testing.B) {
	loc := kathmandu(b)
	const n = 1_000_000
	bills := syntheticBills(n, loc)
	b.Run("encode", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			w := NewBillWriter(io.Discard, loc)
			for i := range bills {
				if err := w.Write(&bills[i]); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "bills/s")
		b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu).Seconds(), "bills/cpu-s")
	})
	// blocks encodes the bills as the pipeline does: in blocks of 50,000
	// bills, each BillBlock reused for the next block.
	b.Run("blocks", func(b *testing.B) {
		const blockBills = 50_000
		blocks := make([]*BillBlock, runtime.GOMAXPROCS(0))
		for i := range blocks {
			blocks[i] = NewBillBlock(loc)
		}
		cpu := cpuTime()
		for b.Loop() {
			var wg sync.WaitGroup
			for w, bb := range blocks {
				wg.Go(func() {
					for from := w * blockBills; from < n; from += len(blocks) * blockBills {
						for i := from; i < min(n, from+blockBills); i++ {
							bb.Add(&bills[i])
						}
						if _, err := bb.Encode(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "bills/s")
		b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu).Seconds(), "bills/cpu-s")
	})
	b.Run("day", func(b *testing.B) {
		l := &Lake{Dir: b.TempDir(), Location: loc}
		cpu := cpuTime()
		for b.Loop() {
			if err := l.WriteDay(context.Background(), testDay, bills, nil, nil, Manifest{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "bills/s")
		b.ReportMetric(float64(n*b.N)/(cpuTime()-cpu).Seconds(), "bills/cpu-s")
		sum, size, _ := FileSHA256(l.Path(Bills.Name, testDay))
		b.Logf("bills.parquet: %d bytes (%s)", size, sum[:12])
	})
}

// cpuTime is the CPU time the process has used, so that a busy machine
// does not hide the writer's own cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCommit times what a day's write costs past its bills: the
// last row group, the open and rejects tables, the manifest, the journal
// and the renames, each waiting on its fsync, in a new lake each time (its
// folders made as well, as on a day's first run).
func BenchmarkCommit(b *testing.B) {
	loc := kathmandu(b)
	bills := syntheticBills(40_000, loc)
	open := syntheticOpen(2000, loc)
	rejects := bigRejects(100)
	dir := b.TempDir()
	i := 0
	for b.Loop() {
		b.StopTimer()
		l := &Lake{Dir: fmt.Sprintf("%s/%d", dir, i), Location: loc}
		i++
		dw, err := l.CreateDay(context.Background(), testDay)
		if err != nil {
			b.Fatal(err)
		}
		for j := range bills {
			if err := dw.WriteBill(&bills[j]); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := dw.Commit(open, rejects, Manifest{}); err != nil {
			b.Fatal(err)
		}
	}
}

// syntheticOpen makes n open spans, one an agent.
func syntheticOpen(n int, loc *time.Location) []billing.OpenSpan {
	end := testDay.Start(loc).Add(24 * time.Hour)
	open := make([]billing.OpenSpan, n)
	for i := range open {
		b := &open[i].Bill
		b.AgentID = fmt.Sprintf("agent-%05d", i)
		b.OpType, b.OpObject, b.OpCause = 0, 65535, 65535
		b.Begin, b.End = end.Add(-time.Duration(i+1)*time.Minute), end
		b.LogonSN = b.Begin.UnixMilli()
		b.Flags = billing.FlagOpen
		b.AssignID()
		open[i].LastEvent = end.Add(-time.Second)
	}
	return open
}
