package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/spill"
)

// dayInputs takes what the readers hand on and sorts it for the day runs:
// events by day, agent and time, imported bills by day and the lake's
// order, both spilled to disk past a memory budget. Every record read
// belongs to one site-zone day: an event to the day of its time, an
// imported bill to the day it ended, and a reject or skipped record to the
// day of the dated record before it in its file (the one after it, at the
// head of a file). A record belongs to one day whichever run reads it, so a
// day run again from the inputs of a run over several days counts its own
// records and no others. With one day to run, records of other days are
// only counted (otherDays); they are billed, rejected or skipped by the run
// of their own day. Its memory grows with agents and the run days'
// rejects, not with events.
type dayInputs struct {
	loc     *time.Location
	only    *billing.Date                  // the one day to run; nil: every day of the inputs
	onlyNum int32                          // its spill.DayNumber
	events  []*spill.EventSorter           // one a shard of agents (see sortInBackground)
	bills   []*spill.Sorter[spill.DayBill] // imported bills, the same shards
	bg      *sortInBackground
	// What belongs to each run day, by spill.DayNumber: the records, and of
	// them the rejects and skipped ones (by kind).
	perDay  map[int32]int64
	rejects map[int32][]ingest.Reject
	skipped map[int32]map[string]int64
	// notes counts what the readers noted about the events of each run
	// day, by kind and name (ingest.Handler.Note).
	notes map[int32]map[string]map[string]int64
	// otherDays counts the records of days not run (with only).
	otherDays map[int32]int64
	// undated holds the rejects and skips of files with no dated record,
	// when every day of the inputs runs: they go to the first day.
	undated dayRecords
	// the first and last day seen, and the first record of each
	first, last       int32
	firstSrc, lastSrc billing.Source
	seen              bool
	// the day of the last time looked up, to skip the zone arithmetic
	// while times stay within it
	dayStart, dayEnd time.Time
	dayNum           int32
}

// dayRecords are rejects and skipped records waiting for their day.
type dayRecords struct {
	rejects []ingest.Reject
	skipped map[string]int64
	n       int64
	notes   map[string]map[string]int64 // of a run day's events
}

func (r *dayRecords) skip(kind string) {
	if r.skipped == nil {
		r.skipped = map[string]int64{}
	}
	r.skipped[kind]++
	r.n++
}

func newDayInputs(loc *time.Location, only *billing.Date, spillDir string, budget int) *dayInputs {
	var onlyNum int32
	if only != nil {
		onlyNum = spill.DayNumber(*only)
	}
	return &dayInputs{
		loc: loc, only: only, onlyNum: onlyNum,
		events:    eventSorters(spillDir, budget),
		bills:     billSorters(spillDir, budget),
		perDay:    map[int32]int64{},
		rejects:   map[int32][]ingest.Reject{},
		skipped:   map[int32]map[string]int64{},
		notes:     map[int32]map[string]map[string]int64{},
		otherDays: map[int32]int64{},
	}
}

// eventSorters are the sorters of the shards of agents, one a core, that
// share the budget.
func eventSorters(dir string, budget int) []*spill.EventSorter {
	n := runtime.GOMAXPROCS(0)
	sorters := make([]*spill.EventSorter, n)
	for i := range sorters {
		sorters[i] = spill.NewEventSorter(dir, budget/n)
	}
	return sorters
}

// compareDayBills orders imported bills by day, then in the lake's order.
func compareDayBills(a, b *spill.DayBill) int {
	return cmp.Or(cmp.Compare(a.Day, b.Day), billing.CompareBills(&a.Bill, &b.Bill))
}

// billSorters are the sorters of the imported bills of the shards, one a
// core, that share the budget.
func billSorters(dir string, budget int) []*spill.Sorter[spill.DayBill] {
	n := runtime.GOMAXPROCS(0)
	sorters := make([]*spill.Sorter[spill.DayBill], n)
	for i := range sorters {
		sorters[i] = spill.NewSorter(dir, billsInMemory(budget/n), compareDayBills, &spill.DayBillCodec{})
	}
	return sorters
}

// sortedBills are the imported bills of every shard, in the order of
// compareDayBills, merged and decoded on a goroutine of their own while
// the day's writer writes them.
func (d *dayInputs) sortedBills() *billMerge {
	m := &billMerge{
		batches: make(chan billBatch, 2),
		free:    make(chan []spill.DayBill, 4),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	for _, s := range d.bills {
		m.cursors = append(m.cursors, s.Sorted())
	}
	go m.fill()
	m.load()
	return m
}

// billMerge walks the shards' sorted imported bills as one stream. A shard
// holds all the bills of its agents, so no two shards hold equal bills.
// The shards are merged in batches on a goroutine of its own (fill).
type billMerge struct {
	cursors []*spill.Cursor[spill.DayBill] // fill's, until done
	batches chan billBatch
	free    chan []spill.DayBill // batches read, to fill again
	stop    chan struct{}        // closed by Close
	done    chan struct{}        // closed when fill returns
	batch   []spill.DayBill      // the batch being read
	i       int                  // its current bill
	err     error
}

// billBatch is a run of merged bills, or the error that ended the merge.
type billBatch struct {
	bills []spill.DayBill
	err   error
}

// fill merges the shards into batches until they are all read or Close
// is called.
func (m *billMerge) fill() {
	defer close(m.done)
	defer close(m.batches)
	for {
		var batch []spill.DayBill
		select {
		case batch = <-m.free:
		default:
			batch = make([]spill.DayBill, 0, batchSize)
		}
		var err error
		for len(batch) < batchSize {
			var c *spill.Cursor[spill.DayBill]
			if c, err = m.first(); c == nil || err != nil {
				break
			}
			batch = append(batch, *c.Value())
			c.Advance()
		}
		if len(batch) == 0 && err == nil {
			return
		}
		select {
		case m.batches <- billBatch{bills: batch, err: err}:
		case <-m.stop:
			return
		}
		if len(batch) < batchSize || err != nil {
			return
		}
	}
}

// first is the shard whose next bill comes first; nil when all are read.
func (m *billMerge) first() (*spill.Cursor[spill.DayBill], error) {
	var first *spill.Cursor[spill.DayBill]
	for _, c := range m.cursors {
		if err := c.Err(); err != nil {
			return nil, err
		}
		if c.Valid() && (first == nil || compareDayBills(c.Value(), first.Value()) < 0) {
			first = c
		}
	}
	return first, nil
}

// load takes the next batch once the current one is read.
func (m *billMerge) load() {
	for m.err == nil && m.i >= len(m.batch) {
		if m.batch != nil {
			select {
			case m.free <- m.batch[:0]:
			default:
			}
		}
		b, ok := <-m.batches
		m.batch, m.i = b.bills, 0
		if b.err != nil {
			m.err = b.err
		}
		if !ok {
			return
		}
	}
}

// Valid reports whether there is a current bill.
func (m *billMerge) Valid() bool { return m.err == nil && m.i < len(m.batch) }

// Value is the current bill, valid until Advance.
func (m *billMerge) Value() *spill.DayBill { return &m.batch[m.i] }

// Advance moves to the next bill.
func (m *billMerge) Advance() {
	m.i++
	m.load()
}

// Err is the error that ended the walk early, if any.
func (m *billMerge) Err() error { return m.err }

// Close stops the merge and releases every shard's runs.
func (m *billMerge) Close() error {
	close(m.stop)
	<-m.done
	var err error
	for _, c := range m.cursors {
		err = cmp.Or(err, c.Close())
	}
	return err
}

// sortedEvents are the events of every shard, in the order of
// spill.CompareDayEvents, and the number of runs spilled to disk.
func (d *dayInputs) sortedEvents() (*shardMerge, int) {
	m := &shardMerge{}
	spilled := 0
	for _, s := range d.events {
		m.cursors = append(m.cursors, s.Sorted())
		spilled += s.Spilled()
	}
	m.pick()
	return m, spilled
}

// shardMerge walks the shards' sorted events as one stream. A shard holds
// all the events of its agents, so an agent's events of a day come from one
// shard in a row: the shards are compared only where the agent or the day
// changes.
type shardMerge struct {
	cursors []*spill.Cursor[spill.DayEvent]
	cur     *spill.Cursor[spill.DayEvent] // the shard of the current agent
	err     error
}

// pick makes the shard whose next event comes first current.
func (m *shardMerge) pick() {
	m.cur = nil
	for _, c := range m.cursors {
		if err := c.Err(); err != nil {
			m.err = err
		}
		if !c.Valid() {
			continue
		}
		if m.cur == nil || spill.CompareDayEvents(c.Value(), m.cur.Value()) < 0 {
			m.cur = c
		}
	}
}

// Valid reports whether there is a current event.
func (m *shardMerge) Valid() bool { return m.err == nil && m.cur != nil }

// Value is the current event, valid until Advance.
func (m *shardMerge) Value() *spill.DayEvent { return m.cur.Value() }

// Advance moves to the next event.
func (m *shardMerge) Advance() {
	v := m.cur.Value()
	day, agent := v.Day, v.Event.AgentID
	m.cur.Advance()
	if m.cur.Valid() {
		if n := m.cur.Value(); n.Day == day && n.Event.AgentID == agent {
			return
		}
	}
	m.pick()
}

// Err is the error that ended the walk early, if any.
func (m *shardMerge) Err() error { return m.err }

// Close releases every shard's runs.
func (m *shardMerge) Close() error {
	var err error
	for _, c := range m.cursors {
		err = cmp.Or(err, c.Close())
	}
	return err
}

// billsInMemory is how many bills fit a budget: about 400 bytes each.
func billsInMemory(budget int) int { return max(budget/400, 1024) }

// read is the reader of each input file: it reads the file into d, with
// the file's records given their days. The events and imported bills are
// sorted on a goroutine of their own until finish is called with the
// reading's error.
func (d *dayInputs) read() (read func(context.Context, io.Reader, ingest.Input, ingest.Options, ingest.Handler) (ingest.Stats, error), finish func(readErr error) error) {
	d.bg = newSortInBackground(d)
	return func(ctx context.Context, r io.Reader, in ingest.Input, opts ingest.Options, _ ingest.Handler) (ingest.Stats, error) {
		f := &fileDays{d: d}
		st, err := ingest.Read(ctx, r, in.Path, in.Format, opts, ingest.Handler{Event: f.event, Bill: f.bill, Reject: f.reject, Skip: f.skip, Note: f.note})
		if err == nil {
			f.end()
		}
		return st, err
	}, d.bg.finish
}

// fileDays gives the records of one file their days, in the file's order.
type fileDays struct {
	d       *dayInputs
	day     int32 // the day of the last dated record
	dated   bool
	pending dayRecords // rejects and skips before the first dated record
}

func (f *fileDays) event(e billing.Event) error {
	day := f.dayOfRecord(e.Time)
	if !f.d.take(day, e.Source) {
		return nil
	}
	return f.d.bg.event(day, &e)
}

func (f *fileDays) bill(b billing.Bill) error {
	day := f.dayOfRecord(b.End)
	if !f.d.take(day, b.Source) {
		return nil
	}
	return f.d.bg.bill(day, &b)
}

func (f *fileDays) reject(r ingest.Reject) error {
	if f.dated {
		f.d.addReject(f.day, r)
	} else {
		f.pending.rejects = append(f.pending.rejects, r)
		f.pending.n++
	}
	return nil
}

func (f *fileDays) skip(kind string) {
	if f.dated {
		f.d.addSkip(f.day, kind, 1)
	} else {
		f.pending.skip(kind)
	}
}

// note counts a note about the event just handed on, on that event's day
// when it is run.
func (f *fileDays) note(kind, name string) {
	d := f.d
	if !f.dated || d.only != nil && f.day != d.onlyNum {
		return
	}
	byKind := d.notes[f.day]
	if byKind == nil {
		byKind = map[string]map[string]int64{}
		d.notes[f.day] = byKind
	}
	if byKind[kind] == nil {
		byKind[kind] = map[string]int64{}
	}
	byKind[kind][name]++
}

// dated1 notes a dated record at t and returns its day; the rejects and
// skips before the first one go to its day.
func (f *fileDays) dayOfRecord(t time.Time) int32 {
	day := f.d.dayOf(t)
	f.day = day
	if !f.dated {
		f.dated = true
		f.d.addPending(day, &f.pending)
	}
	return day
}

// end gives the rejects and skips of a file without a dated record to the
// day run, or, when every day of the inputs runs, to the first.
func (f *fileDays) end() {
	switch {
	case f.dated:
	case f.d.only != nil:
		f.d.addPending(f.d.onlyNum, &f.pending)
	default:
		u := &f.d.undated
		u.rejects = append(u.rejects, f.pending.rejects...)
		for kind, n := range f.pending.skipped {
			if u.skipped == nil {
				u.skipped = map[string]int64{}
			}
			u.skipped[kind] += n
		}
		u.n += f.pending.n
	}
	f.pending = dayRecords{}
}

// dayOf is the spill.DayNumber of the site-zone day of t.
func (d *dayInputs) dayOf(t time.Time) int32 {
	if t.Before(d.dayStart) || !t.Before(d.dayEnd) {
		date := billing.DateIn(t, d.loc)
		d.dayStart, d.dayEnd = date.Bounds(d.loc)
		d.dayNum = spill.DayNumber(date)
	}
	return d.dayNum
}

// runs reports whether day is run; a record of another day is counted in
// otherDays.
func (d *dayInputs) runs(day int32) bool {
	if d.only != nil && day != d.onlyNum {
		d.otherDays[day]++
		return false
	}
	d.perDay[day]++
	return true
}

// take counts an event or imported bill of day and reports whether it
// goes to a day run.
func (d *dayInputs) take(day int32, src billing.Source) bool {
	if !d.runs(day) {
		return false
	}
	if !d.seen || day < d.first {
		d.first, d.firstSrc = day, src
	}
	if !d.seen || day > d.last {
		d.last, d.lastSrc = day, src
	}
	d.seen = true
	return true
}

func (d *dayInputs) addReject(day int32, r ingest.Reject) {
	if d.runs(day) {
		d.rejects[day] = append(d.rejects[day], r)
	}
}

func (d *dayInputs) addSkip(day int32, kind string, n int64) {
	if d.only != nil && day != d.onlyNum {
		d.otherDays[day] += n
		return
	}
	d.perDay[day] += n
	m := d.skipped[day]
	if m == nil {
		m = map[string]int64{}
		d.skipped[day] = m
	}
	m[kind] += n
}

func (d *dayInputs) addPending(day int32, p *dayRecords) {
	for _, r := range p.rejects {
		d.addReject(day, r)
	}
	for kind, n := range p.skipped {
		d.addSkip(day, kind, n)
	}
	*p = dayRecords{}
}

// dayRecords is what belongs to run day day: its number of records, its
// reader rejects and its skipped records by kind.
func (d *dayInputs) dayRecords(day billing.Date) dayRecords {
	n := spill.DayNumber(day)
	return dayRecords{rejects: d.rejects[n], skipped: d.skipped[n], n: d.perDay[n], notes: d.notes[n]}
}

// otherDayCounts are the records of days not run, by date.
func (d *dayInputs) otherDayCounts() map[string]int64 {
	if len(d.otherDays) == 0 {
		return nil
	}
	m := make(map[string]int64, len(d.otherDays))
	for n, c := range d.otherDays {
		m[spill.DayOfNumber(n).String()] = c
	}
	return m
}

// attributed is the number of records given a day, or held as undated.
func (d *dayInputs) attributed() int64 {
	n := d.undated.n
	for _, c := range d.perDay {
		n += c
	}
	for _, c := range d.otherDays {
		n += c
	}
	return n
}

// days is the day asked for, or every day from the first to the last of
// the inputs.
func (d *dayInputs) days() ([]billing.Date, error) {
	if d.only != nil {
		return []billing.Date{*d.only}, nil
	}
	if !d.seen {
		return nil, fmt.Errorf("the inputs hold no event or bill: give --date to record an empty day")
	}
	if n := int(d.last-d.first) + 1; n > maxDaysWithoutDate {
		return nil, fmt.Errorf("the inputs span %d days, from %s (%s line %d) to %s (%s line %d), more than %d: give --date D to ingest one day",
			n, spill.DayOfNumber(d.first), d.firstSrc.File, d.firstSrc.Line, spill.DayOfNumber(d.last), d.lastSrc.File, d.lastSrc.Line, maxDaysWithoutDate)
	}
	var days []billing.Date
	for n := d.first; n <= d.last; n++ {
		days = append(days, spill.DayOfNumber(n))
	}
	return days, nil
}

func (d *dayInputs) close() error {
	var err error
	for _, s := range d.bills {
		err = cmp.Or(err, s.Close())
	}
	for _, s := range d.events {
		err = cmp.Or(err, s.Close())
	}
	return err
}

// spillDir makes a folder for one run's spilled records under parent
// (LAKE/.spill unless the config names one), after removing those of runs
// that were killed: their process is gone.
func spillDir(parent string) (string, error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("spill folder: %w", err)
	}
	if entries, err := os.ReadDir(parent); err == nil {
		for _, e := range entries {
			rest, ok := strings.CutPrefix(e.Name(), "ingest-")
			pidText, _, _ := strings.Cut(rest, "-")
			pid, err := strconv.Atoi(pidText)
			if ok && err == nil && pid != os.Getpid() && syscall.Kill(pid, 0) == syscall.ESRCH {
				os.RemoveAll(filepath.Join(parent, e.Name()))
			}
		}
	}
	dir, err := os.MkdirTemp(parent, fmt.Sprintf("ingest-%d-", os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("spill folder: %w", err)
	}
	return dir, nil
}
