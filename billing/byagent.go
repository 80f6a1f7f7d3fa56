package billing

import (
	"cmp"
	"strings"
)

// SortEventsByAgent orders events by agent, then time; events of one agent
// at one time keep their order (the input order).
func SortEventsByAgent(events []Event) {
	sortStable(events, func(a, b *Event) int {
		return cmp.Or(strings.Compare(a.AgentID, b.AgentID), a.Time.Compare(b.Time))
	})
}

// DayResult is what RunByAgent leaves besides the bills.
type DayResult struct {
	Open     []OpenSpan // in the lake's order
	Counts   Counts
	Refusals []Refusal
}

// RunByAgent runs day one agent at a time: events must be sorted with
// SortEventsByAgent and carried in the lake's order (by agent first). It
// hands each agent's bills to emit, in the lake's order, before it starts
// the next agent, so that the bills of a day are never all in memory; the
// emitted slice is reused afterwards. The bills and open spans are those
// NewRun and Apply would give.
func RunByAgent(cfg Config, day Date, carried []OpenSpan, events []Event, emit func([]Bill) error) (DayResult, error) {
	var res DayResult
	if err := cfg.Validate(); err != nil {
		return res, err
	}
	var bills []Bill
	base := Run{cfg: cfg, billed: cfg.billedTypes(), day: day}
	base.start, base.end = day.Bounds(cfg.Location)
	base.emit = func(b *Bill) { bills = append(bills, *b) }
	i, j := 0, 0
	for i < len(events) || j < len(carried) {
		var id string
		switch {
		case j == len(carried):
			id = events[i].AgentID
		case i == len(events):
			id = carried[j].AgentID
		default:
			id = min(events[i].AgentID, carried[j].AgentID)
		}
		r := base
		r.agents = make(map[string]*agent, 1)
		k := j
		for k < len(carried) && carried[k].AgentID == id {
			k++
		}
		if err := r.carryIn(carried[j:k]); err != nil {
			return res, err
		}
		j = k
		n := i
		for n < len(events) && events[n].AgentID == id {
			n++
		}
		var err error
		if res.Refusals, err = r.applyAll(events[i:n], res.Refusals); err != nil {
			return res, err
		}
		i = n
		if i < len(events) && events[i].AgentID < id {
			return res, ErrOutOfOrder // events not sorted by agent
		}
		res.Open = append(res.Open, r.Finish()...)
		res.Counts.add(r.Counts())
		SortBills(bills)
		if err := emit(bills); err != nil {
			return res, err
		}
		bills = bills[:0]
	}
	res.Counts.OpenRows = int64(len(res.Open))
	return res, nil
}
