package billing

import "iter"

// DayResult is what RunByAgent leaves besides the bills.
type DayResult struct {
	Open     []OpenSpan // in the lake's order
	Counts   Counts
	Refusals []Refusal
}

// AgentBills receives a day's bills agent by agent: Bill each bill of the
// current agent, in no particular order (the pointer is valid only during
// the call), then Done once the agent has no more.
type AgentBills struct {
	Bill func(*Bill) error
	Done func() error
	// Slot, when set, gives the place each bill is built in, every field
	// of it written: Bill then gets that pointer, and the receiver has
	// the bill already where it wants it.
	Slot func() *Bill
	// DeferIDs hands the bills on without their ID, for the receiver to
	// give them many at once with an IDAssigner (the open spans keep
	// theirs).
	DeferIDs bool
}

// RunByAgent runs day one agent at a time. events must come by agent, then
// time, events of one agent at one time in input order; carried must be in
// the lake's order (by agent first). An event pointer need be valid only
// until the next.
// It hands on each agent's bills before it starts the next agent, so that
// neither the events nor the bills of a day need all be in memory. The
// bills and open spans are those NewRun and Apply would give.
//
// RunByAgent keeps no state outside the call, and the package has none
// that it changes: calls may run at once on several goroutines, each with
// its own events, carried spans and AgentBills, as long as no agent's
// events or carried spans go to two of them (cfg may be shared). To bill a
// day that way, split its agents into ranges by id, one call per range;
// then the ranges' Open put together in id order are the lake's order, and
// Counts.Add sums their Counts.
func RunByAgent(cfg Config, day Date, carried []OpenSpan, events iter.Seq[*Event], out AgentBills) (DayResult, error) {
	var res DayResult
	if err := cfg.Validate(); err != nil {
		return res, err
	}
	var emitErr error
	// One run and one agent's state serve every agent in turn: the run's
	// counts are the current agent's, added to res when it is done.
	r := newRun(cfg, day, func(b *Bill) {
		if emitErr == nil {
			emitErr = out.Bill(b)
		}
	})
	r.deferIDs = out.DeferIDs
	r.slot = out.Slot
	var (
		a      = new(agent) // the current agent's state
		active bool         // a holds an agent
		j      int          // the next carried span
	)
	// start begins the run of agent id from what it carried in.
	start := func(id string) error {
		a.reset(id)
		active = true
		r.counts = Counts{}
		k := j
		for k < len(carried) && carried[k].AgentID == id {
			k++
		}
		err := r.carryAgent(a, carried[j:k])
		j = k
		return err
	}
	finish := func() error {
		n := len(res.Open)
		res.Open = r.finishAgent(a, res.Open)
		r.counts.OpenRows = int64(len(res.Open) - n)
		res.Counts.add(r.counts)
		active = false
		if emitErr != nil {
			return emitErr
		}
		return out.Done()
	}
	// carriedOnly runs the agents before id (all when id is empty) that
	// carried state in but have no events.
	carriedOnly := func(id string) error {
		for j < len(carried) && (id == "" || carried[j].AgentID < id) {
			if err := start(carried[j].AgentID); err != nil {
				return err
			}
			if err := finish(); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	for e := range events {
		if !active || e.AgentID != a.id {
			if active {
				if e.AgentID < a.id {
					err = ErrOutOfOrder // events not sorted by agent
					break
				}
				if err = finish(); err != nil {
					break
				}
			}
			if err = carriedOnly(e.AgentID); err != nil {
				break
			}
			if err = start(e.AgentID); err != nil {
				break
			}
		}
		applied := r.admit(e)
		if applied == nil {
			applied = r.step(a, e)
		}
		if applied != nil {
			if res.Refusals, err = refused(e, applied, res.Refusals); err != nil {
				break
			}
		}
		if emitErr != nil {
			err = emitErr
			break
		}
	}
	if err != nil {
		return res, err
	}
	if active {
		if err := finish(); err != nil {
			return res, err
		}
	}
	if err := carriedOnly(""); err != nil {
		return res, err
	}
	res.Counts.OpenRows = int64(len(res.Open))
	return res, nil
}
