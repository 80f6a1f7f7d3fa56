package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
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
	tally
	events []*spill.EventSorter // one a shard of agents (see sortInBackground)
	bills  []*spill.BillSorter  // imported bills, the same shards
	bg     *sortInBackground
	// undated holds the rejects and skips of files with no dated record,
	// when every day of the inputs runs: they go to the first day.
	undated dayRecords
	// bySource orders records equal in their sort keys by their input
	// file, then line, instead of the order they were handed over in, so
	// that files can be read in parts at once (see readInputs). It is set
	// when no path is given twice.
	bySource bool
}

// tally is what the records read give each day: the counts, rejects,
// skips and notes of the run days, the records of other days, and the
// first and last day seen. Each part of a file read in parts has a tally
// of its own, joined into the dayInputs' once the file is read.
type tally struct {
	loc     *time.Location
	only    *billing.Date // the one day to run; nil: every day of the inputs
	onlyNum int32         // its spill.DayNumber
	// What belongs to each run day, by spill.DayNumber: the records, and of
	// them the rejects and skipped ones (by kind).
	perDay map[int32]int64
	// curN records of day curDay are counted here and not yet in perDay:
	// most records in a row are of one day, and a map update each would
	// cost more than the rest of the counting.
	curDay  int32
	curN    int64
	rejects map[int32][]ingest.Reject
	skipped map[int32]map[string]int64
	// notes counts what the readers noted about the events of each run
	// day, by kind and name (ingest.Handler.Note).
	notes map[int32]map[string]map[string]int64
	// otherDays counts the records of days not run (with only).
	otherDays map[int32]int64
	// the first and last day seen, and the first record of each
	first, last       int32
	firstSrc, lastSrc billing.Source
	seen              bool
	// the day of the last time looked up, to skip the zone arithmetic
	// while times stay within it
	dayStart, dayEnd time.Time
	dayNum           int32
}

func newTally(loc *time.Location, only *billing.Date) tally {
	var onlyNum int32
	if only != nil {
		onlyNum = spill.DayNumber(*only)
	}
	return tally{
		loc: loc, only: only, onlyNum: onlyNum,
		perDay:    map[int32]int64{},
		rejects:   map[int32][]ingest.Reject{},
		skipped:   map[int32]map[string]int64{},
		notes:     map[int32]map[string]map[string]int64{},
		otherDays: map[int32]int64{},
	}
}

// join adds what the tally p of a later part or file counted.
func (t *tally) join(p *tally) {
	p.flushDay()
	for day, n := range p.perDay {
		t.perDay[day] += n
	}
	for day, n := range p.otherDays {
		t.otherDays[day] += n
	}
	for day, rs := range p.rejects {
		t.rejects[day] = append(t.rejects[day], rs...)
	}
	for day, byKind := range p.skipped {
		for kind, n := range byKind {
			t.addSkipped(day, kind, n)
		}
	}
	for day, byKind := range p.notes {
		t.addNotes(day, byKind)
	}
	if p.seen {
		if !t.seen || p.first < t.first {
			t.first, t.firstSrc = p.first, p.firstSrc
		}
		if !t.seen || p.last > t.last {
			t.last, t.lastSrc = p.last, p.lastSrc
		}
		t.seen = true
	}
}

// dayRecords are rejects and skipped records waiting for their day.
type dayRecords struct {
	rejects []ingest.Reject
	skipped map[string]int64
	n       int64
	notes   map[string]map[string]int64 // of a run day's events
}

// add takes the rejects and skipped records of o after r's.
func (r *dayRecords) add(o *dayRecords) {
	r.rejects = append(r.rejects, o.rejects...)
	for kind, n := range o.skipped {
		if r.skipped == nil {
			r.skipped = map[string]int64{}
		}
		r.skipped[kind] += n
	}
	r.n += o.n
}

func (r *dayRecords) skip(kind string) {
	if r.skipped == nil {
		r.skipped = map[string]int64{}
	}
	r.skipped[kind]++
	r.n++
}

func newDayInputs(loc *time.Location, only *billing.Date, spillDir string, budget int, inputs []ingest.Input) *dayInputs {
	d := &dayInputs{tally: newTally(loc, only)}
	d.events, d.bills = shardSorters(spillDir, budget)
	paths := make(map[string]bool, len(inputs))
	d.bySource = true
	for _, in := range inputs {
		if paths[in.Path] {
			d.bySource = false
		}
		paths[in.Path] = true
	}
	if d.bySource {
		for i := range d.events {
			d.events[i].OrderBySource()
			d.bills[i].OrderBySource()
		}
	}
	return d
}

// shardSorters are the sorters of the shards of agents, one a core: of
// their events and of their imported bills. The shards share the budget.
func shardSorters(dir string, budget int) ([]*spill.EventSorter, []*spill.BillSorter) {
	n := runtime.GOMAXPROCS(0)
	events := make([]*spill.EventSorter, n)
	bills := make([]*spill.BillSorter, n)
	for i := range n {
		events[i] = spill.NewEventSorter(dir, budget/n)
		bills[i] = spill.NewBillSorter(dir, budget/n)
	}
	return events, bills
}

// sortedBills are the imported bills of every shard, in the order of
// spill.CompareDayBills: each shard's are read and decoded on a goroutine
// of its own while the day's writer writes them.
func (d *dayInputs) sortedBills() *billMerge {
	m := &billMerge{stop: make(chan struct{})}
	for _, s := range d.bills {
		sh := &billShard{cursor: s.Sorted(), batches: make(chan billBatch, 2), free: make(chan billBatch, 4)}
		m.shards = append(m.shards, sh)
		m.wg.Go(func() { sh.fill(m.stop) })
	}
	for _, sh := range m.shards {
		m.load(sh)
	}
	m.pick()
	return m
}

// billMerge walks the shards' sorted imported bills as one stream. A shard
// holds all the bills of its agents, so no two shards hold equal bills and
// an agent's bills of a day come from one shard in a row: the shards are
// compared only where the agent or the day changes.
type billMerge struct {
	shards []*billShard
	cur    *billShard // the shard of the current bill
	stop   chan struct{}
	wg     sync.WaitGroup
	err    error
}

// billShard is one shard's sorted bills, read in batches on a goroutine of
// its own (fill).
type billShard struct {
	cursor  *spill.Cursor[spill.DayBill] // fill's, until it returns
	batches chan billBatch
	free    chan billBatch // batches read, to fill again
	batch   billBatch      // the batch being read
	i       int            // its current bill
	ids     billing.IDAssigner
	named   []*billing.Bill
}

// billBatch is a run of sorted bills, or the error that ended the shard.
type billBatch struct {
	bills []spill.DayBill
	// text holds the strings of the bills: a cursor lends those of bills
	// read back from a run only until it moves on.
	text []byte
	err  error
}

// fill reads the shard into batches until it is all read or stop is
// closed.
func (sh *billShard) fill(stop <-chan struct{}) {
	defer close(sh.batches)
	c := sh.cursor
	// Bills of a shard that spilled nothing point into its sorter's
	// memory, which stays: only those read back from runs are lent.
	_, inMemory := c.BucketLen()
	for {
		var batch billBatch
		select {
		case batch = <-sh.free:
		default:
			batch.bills = make([]spill.DayBill, 0, batchSize)
		}
		for ; len(batch.bills) < batchSize && c.Valid(); c.Advance() {
			batch.bills = append(batch.bills, *c.Value())
			if !inMemory {
				batch.text = keepBill(batch.text, &batch.bills[len(batch.bills)-1].Bill)
			}
		}
		batch.err = c.Err()
		batch.text = sh.assignIDs(batch.text, batch.bills)
		n := len(batch.bills)
		if n == 0 && batch.err == nil {
			return
		}
		select {
		case sh.batches <- batch:
		case <-stop:
			return
		}
		if n < batchSize || batch.err != nil {
			return
		}
	}
}

// assignIDs gives the bills read without an id theirs: the readers leave
// them to be hashed here, many at once (ingest.Options.DeferBillIDs).
func (sh *billShard) assignIDs(text []byte, bills []spill.DayBill) []byte {
	sh.named = sh.named[:0]
	for i := range bills {
		if bills[i].Bill.ID == "" {
			sh.named = append(sh.named, &bills[i].Bill)
		}
	}
	return sh.ids.Assign(text, sh.named)
}

// load takes the shard's next batch once its current one is read.
func (m *billMerge) load(sh *billShard) {
	for sh.i >= len(sh.batch.bills) {
		if sh.batch.bills != nil {
			select {
			case sh.free <- billBatch{bills: sh.batch.bills[:0], text: sh.batch.text[:0]}:
			default:
			}
		}
		b, ok := <-sh.batches
		sh.batch, sh.i = b, 0
		if b.err != nil && m.err == nil {
			m.err = b.err
		}
		if !ok {
			return
		}
	}
}

// pick makes the shard whose next bill comes first current.
func (m *billMerge) pick() {
	m.cur = nil
	for _, sh := range m.shards {
		if sh.i < len(sh.batch.bills) && (m.cur == nil || spill.CompareDayBills(&sh.batch.bills[sh.i], m.Value()) < 0) {
			m.cur = sh
		}
	}
}

// Valid reports whether there is a current bill.
func (m *billMerge) Valid() bool { return m.err == nil && m.cur != nil }

// Value is the current bill, valid until Advance.
func (m *billMerge) Value() *spill.DayBill { return &m.cur.batch.bills[m.cur.i] }

// Advance moves to the next bill.
func (m *billMerge) Advance() {
	sh := m.cur
	v := &sh.batch.bills[sh.i]
	sh.i++
	if sh.i < len(sh.batch.bills) {
		if n := &sh.batch.bills[sh.i]; n.Day == v.Day && n.Bill.AgentID == v.Bill.AgentID {
			return
		}
		m.pick()
		return
	}
	// The next bill is the first of another batch: this one goes back to
	// be filled again, its text with it.
	day, agent := v.Day, strings.Clone(v.Bill.AgentID)
	m.load(sh)
	if sh.i < len(sh.batch.bills) {
		if n := &sh.batch.bills[sh.i]; n.Day == day && n.Bill.AgentID == agent {
			return
		}
	}
	m.pick()
}

// Err is the error that ended the walk early, if any.
func (m *billMerge) Err() error { return m.err }

// Close stops the shards' reading and releases their runs.
func (m *billMerge) Close() error {
	close(m.stop)
	m.wg.Wait()
	var err error
	for _, sh := range m.shards {
		err = cmp.Or(err, sh.cursor.Close())
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

// BucketLen is the number of events of the current agent and day from the
// current one on, when its shard holds them in memory; ok is false
// otherwise (see spill.Cursor.BucketLen).
func (m *shardMerge) BucketLen() (n int, ok bool) { return m.cur.BucketLen() }

// TakeBucket hands over the current agent's events of the day from the
// current one on, for another goroutine to decode, and moves past them.
// It may be called only when BucketLen reports ok.
func (m *shardMerge) TakeBucket() spill.Bucket[spill.DayEvent] {
	b := m.cur.TakeBucket()
	m.pick()
	return b
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

// maxParts, when set, is the most parts a file of any format that can be
// cut is read in at once (tests set it); otherwise agentOprInfo files are
// read in one part a core and events in one piece.
var maxParts int

// readInputs reads the inputs in order into d, with their records given
// their days, and returns what ReadInputs would. The events and imported
// bills are sorted on goroutines of their own meanwhile. An agentOprInfo
// file is read in parts on every core (ingest.ReadPartsBy) when d orders
// records by source, as its reader alone is slower than the shards'
// sorting (it parses every field): each part gives its
// records their days as far as it can on its own, and once the file is
// read, the parts are joined in file order, the rejects and skips at the
// head of a part taking the day of the last dated record of the parts
// before it. Every record gets the day, and every day the counts, that
// reading the file in one piece gives.
func (d *dayInputs) readInputs(ctx context.Context, inputs []ingest.Input, opts ingest.Options) ([]ingest.FileStat, error) {
	d.bg = newSortInBackground(d)
	// The handoffs copy the text of each record they keep; the imported
	// bills get their ids when read back in order (billShard.fill).
	opts.Borrowed = true
	opts.DeferBillIDs = true
	partsOf := func(f ingest.Format) int {
		switch {
		case !d.bySource:
			return 1
		case maxParts > 0:
			return maxParts
		case f == ingest.FormatAgentOprInfo:
			return runtime.GOMAXPROCS(0)
		default:
			// Events: the reader parses a CSV line in about the time a
			// shard takes to sort the event, so one reader and the
			// shards keep every core busy already; parts add work.
			return 1
		}
	}
	var files []ingest.FileStat
	var err error
	for _, in := range inputs {
		var parts []*partDays
		var st ingest.FileStat
		st, err = ingest.ReadPartsBy(ctx, in, opts, partsOf, func(int) ingest.Handler {
			p := &partDays{t: newTally(d.loc, d.only), out: d.bg.newHandoff()}
			parts = append(parts, p)
			return ingest.Handler{Event: p.event, Bill: p.bill, Reject: p.reject, Skip: p.skip, Note: p.note}
		})
		if err == nil {
			err = d.joinParts(parts)
		}
		if err != nil {
			break
		}
		files = append(files, st)
	}
	if err := cmp.Or(d.bg.finish(), err); err != nil {
		return nil, err
	}
	return files, nil
}

// joinParts takes the records of a file's parts, in file order, into d,
// and hands on what each part has not yet handed to the sorters.
func (d *dayInputs) joinParts(parts []*partDays) error {
	var (
		dated   bool  // a part before had a dated record
		day     int32 // the day of the last one
		pending dayRecords
	)
	for _, p := range parts {
		if dated {
			d.addPending(day, &p.head)
			for kind, byName := range p.headNotes {
				d.note(day, kind, byName)
			}
		} else {
			// At the head of the file: they wait for its first dated
			// record, and notes with no dated record before them count
			// for no day.
			pending.add(&p.head)
		}
		if p.dated {
			if !dated {
				d.addPending(p.firstDay, &pending)
				dated = true
			}
			day = p.day
		}
		d.join(&p.t)
		if err := p.out.flush(); err != nil {
			return err
		}
	}
	// The rejects and skips of a file without a dated record go to the day
	// run, or, when every day of the inputs runs, to the first.
	switch {
	case dated:
	case d.only != nil:
		d.addPending(d.onlyNum, &pending)
	default:
		d.undated.add(&pending)
	}
	return nil
}

// partDays gives the records of one part of a file their days, in the
// part's order, counting them in a tally of its own. What comes before
// the part's first dated record waits in head for joinParts.
type partDays struct {
	t         tally
	out       *handoff
	dated     bool  // the part has a dated record
	firstDay  int32 // the day of the first
	day       int32 // the day of the last
	head      dayRecords
	headNotes map[string]map[string]int64
}

func (p *partDays) event(e *billing.Event) error {
	day := p.dayOfRecord(e.Time)
	if !p.t.take(day, e.Source) {
		return nil
	}
	return p.out.event(day, e)
}

func (p *partDays) bill(b billing.Bill) error {
	day := p.dayOfRecord(b.End)
	if !p.t.take(day, b.Source) {
		return nil
	}
	return p.out.bill(day, &b)
}

func (p *partDays) reject(r ingest.Reject) error {
	if p.dated {
		p.t.addReject(p.day, r)
	} else {
		p.head.rejects = append(p.head.rejects, r)
		p.head.n++
	}
	return nil
}

func (p *partDays) skip(kind string) {
	if p.dated {
		p.t.addSkip(p.day, kind, 1)
	} else {
		p.head.skip(kind)
	}
}

// note counts a note about the event just handed on, on that event's day
// when it is run.
func (p *partDays) note(kind, name string) {
	if !p.dated {
		if p.headNotes == nil {
			p.headNotes = map[string]map[string]int64{}
		}
		if p.headNotes[kind] == nil {
			p.headNotes[kind] = map[string]int64{}
		}
		p.headNotes[kind][name]++
		return
	}
	p.t.noteOne(p.day, kind, name)
}

// dayOfRecord notes a dated record at t and returns its day.
func (p *partDays) dayOfRecord(t time.Time) int32 {
	day := p.t.dayOf(t)
	p.day = day
	if !p.dated {
		p.dated = true
		p.firstDay = day
	}
	return day
}

// note counts notes of kind by name on day, when it is run.
func (t *tally) note(day int32, kind string, byName map[string]int64) {
	if t.only != nil && day != t.onlyNum {
		return
	}
	counts := t.notesOf(day, kind)
	for name, n := range byName {
		counts[name] += n
	}
}

// noteOne counts one note of kind and name on day, when it is run.
func (t *tally) noteOne(day int32, kind, name string) {
	if t.only != nil && day != t.onlyNum {
		return
	}
	t.notesOf(day, kind)[name]++
}

func (t *tally) addNotes(day int32, notes map[string]map[string]int64) {
	for kind, byName := range notes {
		t.note(day, kind, byName)
	}
}

// notesOf is the count by name of day's notes of kind, made when missing.
func (t *tally) notesOf(day int32, kind string) map[string]int64 {
	byKind := t.notes[day]
	if byKind == nil {
		byKind = map[string]map[string]int64{}
		t.notes[day] = byKind
	}
	if byKind[kind] == nil {
		byKind[kind] = map[string]int64{}
	}
	return byKind[kind]
}

// dayOf is the spill.DayNumber of the site-zone day of t.
func (d *tally) dayOf(t time.Time) int32 {
	if t.Before(d.dayStart) || !t.Before(d.dayEnd) {
		date := billing.DateIn(t, d.loc)
		d.dayStart, d.dayEnd = date.Bounds(d.loc)
		d.dayNum = spill.DayNumber(date)
	}
	return d.dayNum
}

// runs reports whether day is run; a record of another day is counted in
// otherDays.
func (d *tally) runs(day int32) bool {
	if d.only != nil && day != d.onlyNum {
		d.otherDays[day]++
		return false
	}
	if d.curN > 0 && day == d.curDay {
		d.curN++
		return true
	}
	d.flushDay()
	d.curDay, d.curN = day, 1
	return true
}

// flushDay adds the records counted in curN to perDay.
func (d *tally) flushDay() {
	if d.curN > 0 {
		d.perDay[d.curDay] += d.curN
		d.curN = 0
	}
}

// take counts an event or imported bill of day and reports whether it
// goes to a day run.
func (d *tally) take(day int32, src billing.Source) bool {
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

func (d *tally) addReject(day int32, r ingest.Reject) {
	if d.runs(day) {
		d.rejects[day] = append(d.rejects[day], r)
	}
}

func (d *tally) addSkip(day int32, kind string, n int64) {
	if d.only != nil && day != d.onlyNum {
		d.otherDays[day] += n
		return
	}
	d.perDay[day] += n
	d.addSkipped(day, kind, n)
}

// addSkipped counts n skipped records of kind on run day day.
func (d *tally) addSkipped(day int32, kind string, n int64) {
	m := d.skipped[day]
	if m == nil {
		m = map[string]int64{}
		d.skipped[day] = m
	}
	m[kind] += n
}

func (d *tally) addPending(day int32, p *dayRecords) {
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
	d.flushDay()
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
	d.flushDay()
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
