package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
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
// order, both spilled to disk past a memory budget. Records of no run day
// become rejects at once. Its memory grows with agents and rejects, not
// with events.
type dayInputs struct {
	loc     *time.Location
	only    *billing.Date // the one day to run; nil: every day of the inputs
	onlyNum int32         // its spill.DayNumber
	events  *spill.EventSorter
	bills   *spill.Sorter[spill.DayBill]
	rejects []ingest.Reject // reader rejects (the reading side's)
	outside []ingest.Reject // records of no run day (the sorting side's)
	skipped map[string]int64
	// records (events and imported bills) per run day, as spill.DayNumber
	perDay map[int32]int64
	// the first and last day seen, and the first record of each
	first, last       int32
	firstSrc, lastSrc billing.Source
	seen              bool
	// the day of the last time looked up, to skip the zone arithmetic
	// while times stay within it
	dayStart, dayEnd time.Time
	dayNum           int32
}

func newDayInputs(loc *time.Location, only *billing.Date, spillDir string, budget int) *dayInputs {
	compare := func(a, b *spill.DayBill) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), billing.CompareBills(&a.Bill, &b.Bill))
	}
	var onlyNum int32
	if only != nil {
		onlyNum = spill.DayNumber(*only)
	}
	return &dayInputs{
		loc: loc, only: only, onlyNum: onlyNum,
		events:  spill.NewEventSorter(spillDir, budget),
		bills:   spill.NewSorter(spillDir, billsInMemory(budget), compare, &spill.DayBillCodec{}),
		skipped: map[string]int64{},
		perDay:  map[int32]int64{},
	}
}

// billsInMemory is how many bills fit a budget: about 400 bytes each.
func billsInMemory(budget int) int { return max(budget/400, 1024) }

// handler reads into d; the events and imported bills are sorted on a
// goroutine of their own until finish is called with the reading's error.
func (d *dayInputs) handler() (h ingest.Handler, finish func(readErr error) error) {
	bg := newSortInBackground(d)
	return ingest.Handler{
		Event:  bg.event,
		Bill:   bg.bill,
		Reject: func(r ingest.Reject) error { d.rejects = append(d.rejects, r); return nil },
		Skip:   func(kind string) { d.skipped[kind]++ },
	}, bg.finish
}

func (d *dayInputs) addEvent(e *billing.Event) error {
	day, ok := d.runDay(e.Time, e.Source)
	if !ok {
		return nil
	}
	d.perDay[day]++
	return d.events.Add(day, e)
}

func (d *dayInputs) addBill(b *billing.Bill) error {
	day, ok := d.runDay(b.End, b.Source)
	if !ok {
		return nil
	}
	d.perDay[day]++
	return d.bills.Add(&spill.DayBill{Day: day, Bill: *b})
}

// runDay is the run day of a record at t, or false when it belongs to no
// run (outside the one day asked for) and has become a reject.
func (d *dayInputs) runDay(t time.Time, src billing.Source) (int32, bool) {
	if t.Before(d.dayStart) || !t.Before(d.dayEnd) {
		date := billing.DateIn(t, d.loc)
		d.dayStart, d.dayEnd = date.Bounds(d.loc)
		d.dayNum = spill.DayNumber(date)
	}
	day := d.dayNum
	if d.only != nil && day != d.onlyNum {
		d.outside = append(d.outside, ingest.Reject{File: src.File, Line: src.Line, Reason: billing.ErrOutsideDay.Error()})
		return 0, false
	}
	if !d.seen || day < d.first {
		d.first, d.firstSrc = day, src
	}
	if !d.seen || day > d.last {
		d.last, d.lastSrc = day, src
	}
	d.seen = true
	return day, true
}

// records is the number of events and imported bills of run day day.
func (d *dayInputs) records(day billing.Date) int64 { return d.perDay[spill.DayNumber(day)] }

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
		return nil, fmt.Errorf("the inputs span %d days, from %s (%s line %d) to %s (%s line %d), more than %d: give --date D to ingest one day (records of other days become rejects)",
			n, spill.DayOfNumber(d.first), d.firstSrc.File, d.firstSrc.Line, spill.DayOfNumber(d.last), d.lastSrc.File, d.lastSrc.Line, maxDaysWithoutDate)
	}
	var days []billing.Date
	for n := d.first; n <= d.last; n++ {
		days = append(days, spill.DayOfNumber(n))
	}
	return days, nil
}

func (d *dayInputs) close() error {
	return cmp.Or(d.events.Close(), d.bills.Close())
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
