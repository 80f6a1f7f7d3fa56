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
}

// RunByAgent runs day one agent at a time. events must come by agent, then
// time, events of one agent at one time in input order; carried must be in
// the lake's order (by agent first). An event pointer need be valid only
// until the next.
// It hands on each agent's bills before it starts the next agent, so that
// neither the events nor the bills of a day need all be in memory. The
// bills and open spans are those NewRun and Apply would give.
func RunByAgent(cfg Config, day Date, carried []OpenSpan, events iter.Seq[*Event], out AgentBills) (DayResult, error) {
	var res DayResult
	if err := cfg.Validate(); err != nil {
		return res, err
	}
	var emitErr error
	base := Run{cfg: cfg, billed: cfg.billedTypes(), day: day}
	base.start, base.end = day.Bounds(cfg.Location)
	base.emit = func(b *Bill) {
		if emitErr == nil {
			emitErr = out.Bill(b)
		}
	}
	var (
		r       *Run // the current agent's run
		current string
		j       int // the next carried span
	)
	// start begins the run of agent id from what it carried in.
	start := func(id string) error {
		run := base
		run.agents = make(map[string]*agent, 1)
		r, current = &run, id
		k := j
		for k < len(carried) && carried[k].AgentID == id {
			k++
		}
		err := r.carryIn(carried[j:k])
		j = k
		return err
	}
	finish := func() error {
		res.Open = append(res.Open, r.Finish()...)
		res.Counts.add(r.Counts())
		r = nil
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
		if r == nil || e.AgentID != current {
			if r != nil {
				if e.AgentID < current {
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
		if res.Refusals, err = r.refuse(e, res.Refusals); err != nil {
			break
		}
		if emitErr != nil {
			err = emitErr
			break
		}
	}
	if err != nil {
		return res, err
	}
	if r != nil {
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
