package billing

import (
	"iter"
	"time"
)

// SortEvents orders events by time; events of equal time keep their order,
// which is the input order when the slice holds the inputs one after the
// other (SPEC §2: files in the order given, then line).
func SortEvents(events []Event) {
	sortStable(events, func(a, b *Event) int { return a.Time.Compare(b.Time) })
}

// Refusal is an event the rules refused, and why.
type Refusal struct {
	Source Source // the refused event's record
	Err    error
}

// BatchResult is what RunBatch produced.
type BatchResult struct {
	Bills    []Bill     // every day's bills, in the lake's order
	Open     []OpenSpan // what is still open after the last day
	Counts   Counts     // summed over the days (OpenRows: of the last day)
	Refusals []Refusal
}

// DayRange returns the first and last site-zone day of the instants, and
// false when there are none.
func DayRange(instants iter.Seq[time.Time], loc *time.Location) (first, last Date, ok bool) {
	for t := range instants {
		d := DateIn(t, loc)
		if !ok || d.Before(first) {
			first = d
		}
		if !ok || last.Before(d) {
			last = d
		}
		ok = true
	}
	return first, last, ok
}

// RunBatch runs every day from first to last, in order, each carrying into
// the next, starting from carried. events must be sorted (SortEvents);
// those outside [first, last] are refused as outside the run day.
func RunBatch(cfg Config, events []Event, first, last Date, carried []OpenSpan) (BatchResult, error) {
	var res BatchResult
	emit := func(b *Bill) { res.Bills = append(res.Bills, *b) }
	open := carried
	i := 0
	// Events before the first day.
	start := first.Start(cfg.Location)
	for ; i < len(events) && events[i].Time.Before(start); i++ {
		res.Refusals = append(res.Refusals, Refusal{events[i].Source, ErrOutsideDay})
		res.Counts.Refused++
	}
	for day := first; !last.Before(day); day = day.Next() {
		run, err := NewRun(cfg, day, open, emit)
		if err != nil {
			return res, err
		}
		_, end := run.Bounds()
		n := i
		for n < len(events) && events[n].Time.Before(end) {
			n++
		}
		for ; i < n; i++ {
			if res.Refusals, err = run.refuse(&events[i], res.Refusals); err != nil {
				return res, err
			}
		}
		open = run.Finish()
		res.Counts.add(run.Counts())
	}
	for ; i < len(events); i++ {
		res.Refusals = append(res.Refusals, Refusal{events[i].Source, ErrOutsideDay})
		res.Counts.Refused++
	}
	res.Open = open
	res.Counts.OpenRows = int64(len(open))
	SortBills(res.Bills)
	return res, nil
}

// Add adds o to c, every count including OpenRows: the sum of the counts
// of RunByAgent calls over disjoint blocks of one day's agents.
func (c *Counts) Add(o Counts) {
	open := c.OpenRows + o.OpenRows
	c.add(o)
	c.OpenRows = open
}

// add adds o to c; OpenRows becomes o's, the rows open after the later run.
func (c *Counts) add(o Counts) {
	c.Events += o.Events
	c.Duplicates += o.Duplicates
	c.ZeroLength += o.ZeroLength
	c.Continued += o.Continued
	c.OverlayAlreadyOpen += o.OverlayAlreadyOpen
	c.StopWithoutOverlay += o.StopWithoutOverlay
	c.Refused += o.Refused
	c.Bills += o.Bills
	c.TimedOut += o.TimedOut
	c.OpenRows = o.OpenRows
}
