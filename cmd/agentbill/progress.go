package main

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress draws bars on standard error while a long command works. It is
// nil, and draws nothing, unless standard error is a terminal and the log
// is text: a JSON log, or a file, keeps its one format.
//
// Work counts into meters (an atomic add, cheap anywhere); a ticker copies
// the counts into the bars a few times a second, so the work never waits
// for the drawing.
type progress struct {
	p       *mpb.Progress
	out     *logWriter
	mu      sync.Mutex
	meters  []*meter
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
}

// meter is one bar's count and total. A nil meter counts nothing.
type meter struct {
	bar      *mpb.Bar
	n, total atomic.Int64
	shown    [2]int64 // the count and total last drawn
}

// progressTick is how often the bars are brought up to date.
const progressTick = 150 * time.Millisecond

// startProgress starts drawing bars on standard error when it is a
// terminal and the log is text; nil otherwise. While the bars are drawn,
// log lines are written above them.
func (a *app) startProgress() *progress {
	if a.logJSON || !isTerminal(a.stderr) {
		return nil
	}
	return newProgress(a.stderr, a.logOut)
}

// newProgress draws bars on w, which is a terminal (or taken for one), and
// sends the log of out above them while they are drawn.
func newProgress(w io.Writer, out *logWriter, opts ...mpb.ContainerOption) *progress {
	opts = append([]mpb.ContainerOption{mpb.WithOutput(w), mpb.WithWidth(32), mpb.WithRefreshRate(progressTick)}, opts...)
	pr := &progress{
		p:    mpb.New(opts...),
		out:  out,
		stop: make(chan struct{}),
	}
	pr.out.set(pr.p)
	pr.stopped.Add(1)
	go pr.tick()
	return pr
}

// What a bar's counts are.
const (
	unitCount = iota // shown as "3 / 10"
	unitBytes        // shown as sizes, "1.2 GiB / 3.4 GiB"
	unitNone         // not shown: the bar and its percentage say it
)

// add adds a bar called name with total units (0: not known yet).
func (pr *progress) add(name string, total int64, unit int) *meter {
	if pr == nil {
		return nil
	}
	decorators := []decor.Decorator{decor.Name(name, decor.WCSyncSpaceR)}
	switch unit {
	case unitCount:
		decorators = append(decorators, decor.CountersNoUnit("%d / %d", decor.WCSyncWidth))
	case unitBytes:
		decorators = append(decorators, decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncWidth))
	}
	m := &meter{}
	m.total.Store(total)
	m.bar = pr.p.AddBar(total,
		mpb.PrependDecorators(decorators...),
		mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)),
	)
	pr.mu.Lock()
	pr.meters = append(pr.meters, m)
	pr.mu.Unlock()
	return m
}

// Add counts n more units.
func (m *meter) Add(n int64) {
	if m != nil {
		m.n.Add(n)
	}
}

// Set sets the count and, when total is positive, the total.
func (m *meter) Set(n, total int64) {
	if m == nil {
		return
	}
	m.n.Store(n)
	if total > 0 {
		m.total.Store(total)
	}
}

// show brings the bar up to date with the count.
func (m *meter) show() {
	n, total := m.n.Load(), m.total.Load()
	if total != m.shown[1] {
		m.bar.SetTotal(total, false)
	}
	if n != m.shown[0] {
		m.bar.SetCurrent(n)
	}
	m.shown = [2]int64{n, total}
}

func (pr *progress) tick() {
	defer pr.stopped.Done()
	t := time.NewTicker(progressTick)
	defer t.Stop()
	for {
		select {
		case <-pr.stop:
			return
		case <-t.C:
			pr.mu.Lock()
			for _, m := range pr.meters {
				m.show()
			}
			pr.mu.Unlock()
		}
	}
}

// finish draws the bars a last time, complete when ok, and stops; the log
// goes to standard error again. Only the first call does anything.
func (pr *progress) finish(ok bool) {
	if pr == nil {
		return
	}
	pr.once.Do(func() { pr.end(ok) })
}

func (pr *progress) end(ok bool) {
	close(pr.stop)
	pr.stopped.Wait()
	for _, m := range pr.meters {
		m.show()
		if ok {
			m.bar.SetTotal(-1, true) // complete at the count reached
		} else {
			m.bar.Abort(false)
		}
	}
	pr.out.set(nil)
	pr.p.Wait()
}
