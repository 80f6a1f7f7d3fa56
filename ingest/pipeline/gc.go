package pipeline

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// While a run reads its inputs, the heap grows by the records the sorters
// keep, which no collection can free: a day of 25,000 agents went through
// seven collections while it was read, 3 % of its time, for a few MB. So
// the collector is paused while inputs are read, as long as the heap stays
// under a bound (gcPauseBound of the run's memory budget), and runs as
// set again once the last reading under way in the process ends, or the
// heap passes the bound: memory is no more than the bound above what it
// would be.
var gcPause struct {
	sync.Mutex
	readers int           // readings under way
	percent int           // the collector's setting to restore
	paused  bool          // the collector is off
	bound   uint64        // the heap at which it runs again
	stop    chan struct{} // stops the watch
}

// gcPauseBound is the heap, in bytes, up to which the collector is paused
// while a run with the given memory budget reads: two budgets (what the
// sorters hold in memory, and what they write to disk from) and 64 MiB
// for the rest (agents, buffers). A reader that makes garbage (CTI text)
// reaches it; one that does not (canonical events) keeps under it.
func gcPauseBound(budget int) uint64 { return uint64(2*max(budget, 0)) + 64<<20 }

// gcWatchEvery is how often the heap is looked at while the collector is
// paused.
const gcWatchEvery = 5 * time.Millisecond

// pauseGC pauses the collector while a run reads, until the heap passes
// bound bytes, and returns the function that ends the pause.
func pauseGC(bound uint64) (resume func()) {
	p := &gcPause
	p.Lock()
	defer p.Unlock()
	p.readers++
	if p.readers == 1 {
		p.bound = bound
		p.percent = debug.SetGCPercent(-1)
		p.paused = true
		p.stop = make(chan struct{})
		go watchHeap(p.stop)
	} else {
		p.bound = min(p.bound, bound)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			p.Lock()
			defer p.Unlock()
			if p.readers--; p.readers == 0 {
				close(p.stop)
				endGCPause()
			}
		})
	}
}

// endGCPause sets the collector as it was. Called with gcPause held.
func endGCPause() {
	p := &gcPause
	if p.paused {
		debug.SetGCPercent(p.percent)
		p.paused = false
	}
}

// watchHeap ends the pause once the heap passes the bound.
func watchHeap(stop chan struct{}) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(gcWatchEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		p := &gcPause
		p.Lock()
		over := sample[0].Value.Uint64() > p.bound
		if over {
			endGCPause()
		}
		p.Unlock()
		if over {
			return
		}
	}
}
