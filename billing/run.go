package billing

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Reasons a run refuses an event; the caller records them as rejects.
var (
	ErrOutsideDay           = errors.New("outside run day")
	ErrLogoutWithoutSession = errors.New("logout without session")
	ErrUnknownOpType        = errors.New("unknown op_type")
	ErrOutOfOrder           = errors.New("event earlier than the agent's previous event")
)

// Counts are what a run counted besides its bills.
type Counts struct {
	Events             int64 // events the state machine used
	Duplicates         int64 // events identical to an earlier one, dropped
	ZeroLength         int64 // spans that ended where they began, not billed
	Continued          int64 // main-state events that continued the same state (rule 5)
	OverlayAlreadyOpen int64 // overlay openings ignored because it was open
	StopWithoutOverlay int64 // stops with no overlay to close
	Refused            int64 // events refused by the rules (outside the day, logout without session)
	Bills              int64
	TimedOut           int64 // stale sessions closed (rule 9)
	OpenRows           int64 // rows of the open table
}

// Run is the run of one site-zone day: feed it the day's events in time
// order with Apply, then call Finish. Bills go to the emit function as they
// are written, in no particular order; sort them with SortBills.
type Run struct {
	cfg        Config
	billed     [maxOpType + 1]bool
	day        Date
	start, end time.Time
	agents     map[string]*agent
	emit       func(*Bill)
	counts     Counts
	convTypes  [2]int32
	finished   bool
}

// NewRun starts the run of day from the spans the previous day left open
// (none: from nothing). emit receives each bill; the pointer is valid only
// during the call.
func NewRun(cfg Config, day Date, carried []OpenSpan, emit func(*Bill)) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Run{cfg: cfg, billed: cfg.billedTypes(), day: day, agents: map[string]*agent{}, emit: emit}
	r.start, r.end = day.Bounds(cfg.Location)
	if err := r.carryIn(carried); err != nil {
		return nil, err
	}
	return r, nil
}

// Day is the day of the run.
func (r *Run) Day() Date { return r.day }

// Bounds returns the run's [start, end) as UTC instants.
func (r *Run) Bounds() (start, end time.Time) { return r.start, r.end }

// Counts returns what the run has counted so far.
func (r *Run) Counts() Counts { return r.counts }

// Apply feeds one event. Events of one agent must come in time order, and
// events of equal time in input order. It returns ErrOutsideDay or
// ErrLogoutWithoutSession for an event the rules refuse (the run goes on),
// and ErrOutOfOrder or ErrUnknownOpType for a caller's mistake.
func (r *Run) Apply(e *Event) error {
	if !Known(e.OpType) {
		return ErrUnknownOpType
	}
	if e.Time.Before(r.start) || !e.Time.Before(r.end) {
		r.counts.Refused++
		return ErrOutsideDay
	}
	a := r.agents[e.AgentID]
	if a == nil {
		a = &agent{id: e.AgentID}
		r.agents[e.AgentID] = a
	}
	if e.Time.Before(a.dupTime) || e.Time.Before(a.lastEvent) {
		return ErrOutOfOrder
	}
	if a.isDuplicate(e) {
		r.counts.Duplicates++
		return nil
	}
	if err := r.apply(a, e); err != nil {
		r.counts.Refused++
		return err
	}
	r.counts.Events++
	return nil
}

// refuse applies e. What the rules refuse is added to refusals and the run
// goes on; a caller's mistake (an event out of order, an unknown type) is
// returned.
func (r *Run) refuse(e *Event, refusals []Refusal) ([]Refusal, error) {
	if err := r.Apply(e); err != nil {
		if errors.Is(err, ErrOutOfOrder) || errors.Is(err, ErrUnknownOpType) {
			return refusals, err
		}
		refusals = append(refusals, Refusal{e.Source, err})
	}
	return refusals, nil
}

// emitBill completes a bill with the agent's session and identity and
// hands it on.
func (r *Run) emitBill(a *agent, b *Bill) {
	b.AgentID = a.id
	b.LogonSN = a.logonSN()
	b.AssignID()
	r.counts.Bills++
	r.emit(b)
}

// Finish ends the day: it closes stale sessions (rule 9), cuts open
// conversations at the marks before the day's end, and returns what is
// still open, in the lake's order, for the next day's run.
func (r *Run) Finish() []OpenSpan {
	if r.finished {
		panic("billing: Finish called twice")
	}
	r.finished = true
	ids := make([]string, 0, len(r.agents))
	for id, a := range r.agents {
		if a.loggedIn {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var open []OpenSpan
	for _, id := range ids {
		a := r.agents[id]
		if r.end.Sub(a.lastEvent) > r.cfg.SessionTimeout {
			r.timeOut(a)
			continue
		}
		if IsConversation(a.main.opType) {
			r.cutConversation(a, &a.main, r.end, false, 0)
		}
		open = r.appendOpen(open, a)
	}
	slices.SortStableFunc(open, func(x, y OpenSpan) int { return CompareBills(&x.Bill, &y.Bill) })
	r.counts.OpenRows = int64(len(open))
	return open
}

// timeOut closes a stale session (rule 9) at its last event, or at the end
// of the last conversation piece already billed if that is later.
func (r *Run) timeOut(a *agent) {
	at := a.lastEvent
	if IsConversation(a.main.opType) && len(r.conversationTypes(&a.main)) > 0 && a.main.begin.After(at) {
		at = a.main.begin
	}
	r.counts.TimedOut++
	r.logout(a, at, logoutBy{object: USNoUse, cause: CauseLogoutTimeout, source: a.loginSrc}, FlagTimeout)
}

func (r *Run) appendOpen(open []OpenSpan, a *agent) []OpenSpan {
	add := func(b *Bill) {
		b.AgentID = a.id
		b.LogonSN = a.logonSN()
		b.End = r.end
		b.Flags |= FlagOpen
		b.AssignID()
		open = append(open, OpenSpan{Bill: *b, LastEvent: a.lastEvent})
	}
	add(&Bill{OpType: OpLogout, OpObject: USNoUse, OpCause: USNoUse, Begin: a.login, Source: a.loginSrc})
	add(a.main.bill(r.end, a.main.cause, 0))
	for i := range a.overlays {
		add(a.overlays[i].bill(r.end, a.overlays[i].cause, 0))
	}
	return open
}

// carryIn rebuilds the agents' state from the previous day's open spans.
func (r *Run) carryIn(carried []OpenSpan) error {
	for i := range carried {
		o := &carried[i]
		if o.Flags&FlagOpen == 0 {
			return fmt.Errorf("carried state: row %d of agent %q is not flagged open", i+1, o.AgentID)
		}
		if !o.End.Equal(r.start) {
			return fmt.Errorf("carried state: agent %q is open until %s, but day %s starts at %s",
				o.AgentID, o.End.Format(time.RFC3339), r.day, r.start.Format(time.RFC3339))
		}
		code := int(o.OpType)
		if !Known(code) {
			return fmt.Errorf("carried state: agent %q: op_type %d is not an operation type", o.AgentID, code)
		}
		a := r.agents[o.AgentID]
		if a == nil {
			a = &agent{id: o.AgentID, main: span{opType: -1}}
			r.agents[o.AgentID] = a
		}
		a.lastEvent = o.LastEvent
		s := span{
			opType: code, object: int(o.OpObject), cause: int(o.OpCause), attrs: o.Attrs,
			begin: o.Begin, source: o.Source, sourceCause: o.SourceCause, hasSourceCause: o.HasSourceCause,
		}
		switch opTypeIndex[code].Class {
		case ClassSession:
			if a.loggedIn {
				return fmt.Errorf("carried state: agent %q has two sessions", o.AgentID)
			}
			a.loggedIn, a.login, a.loginSrc = true, o.Begin, o.Source
		case ClassMain:
			if a.main.opType >= 0 {
				return fmt.Errorf("carried state: agent %q has two main states", o.AgentID)
			}
			a.main = s
		case ClassOverlay:
			a.overlays = append(a.overlays, s)
		default:
			return fmt.Errorf("carried state: agent %q: op_type %d cannot be open", o.AgentID, code)
		}
	}
	for id, a := range r.agents {
		if !a.loggedIn || a.main.opType < 0 {
			return fmt.Errorf("carried state: agent %q needs one session row and one main-state row", id)
		}
	}
	return nil
}
