package billing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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
// are written, in no particular order; sort them with SortBills. A Run
// belongs to one goroutine at a time; Runs share nothing, so several may
// run at once.
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

	bill   Bill // the bill being emitted, unless slot gives a place
	slot   func() *Bill
	marks  markClock  // the site clock's five-minute marks
	idents Identifier // keeps the base name of the last source file
	ids    idArena
	// deferIDs leaves the bills emitted without an ID (see
	// AgentBills.DeferIDs).
	deferIDs bool
}

// NewRun starts the run of day from the spans the previous day left open
// (none: from nothing). emit receives each bill; the pointer is valid only
// during the call.
func NewRun(cfg Config, day Date, carried []OpenSpan, emit func(*Bill)) (*Run, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := newRun(cfg, day, emit)
	r.agents = map[string]*agent{}
	if err := r.carryIn(carried); err != nil {
		return nil, err
	}
	return r, nil
}

// newRun starts the run of day with no agents; cfg must be valid.
func newRun(cfg Config, day Date, emit func(*Bill)) *Run {
	r := &Run{cfg: cfg, billed: cfg.billedTypes(), day: day, emit: emit}
	r.start, r.end = day.Bounds(cfg.Location)
	r.marks.loc = cfg.Location
	return r
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
	if err := r.admit(e); err != nil {
		return err
	}
	a := r.agents[e.AgentID]
	if a == nil {
		a = &agent{id: e.AgentID}
		r.agents[e.AgentID] = a
	}
	return r.step(a, e)
}

// admit checks what Apply checks before it knows the agent: a known type
// and a time inside the day.
func (r *Run) admit(e *Event) error {
	if !Known(e.OpType) {
		return ErrUnknownOpType
	}
	if e.Time.Before(r.start) || !e.Time.Before(r.end) {
		r.counts.Refused++
		return ErrOutsideDay
	}
	return nil
}

// step applies an admitted event of agent a.
func (r *Run) step(a *agent, e *Event) error {
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
	return refused(e, r.Apply(e), refusals)
}

// refused adds e to refusals when the rules refused it (err is one of
// theirs) and returns a caller's mistake as an error.
func refused(e *Event, err error, refusals []Refusal) ([]Refusal, error) {
	if err != nil {
		if errors.Is(err, ErrOutOfOrder) || errors.Is(err, ErrUnknownOpType) {
			return refusals, err
		}
		refusals = append(refusals, Refusal{e.Source, err})
	}
	return refusals, nil
}

// newBill is the place the next bill is built in: the receiver's own
// (AgentBills.Slot), which saves copying the bill there, else the run's.
func (r *Run) newBill() *Bill {
	if r.slot != nil {
		return r.slot()
	}
	return &r.bill
}

// emitBill completes a bill with the agent's session and identity and
// hands it on.
func (r *Run) emitBill(a *agent, b *Bill) {
	b.AgentID = a.id
	b.LogonSN = a.logonSN
	if !r.deferIDs {
		r.assignID(b)
	}
	r.counts.Bills++
	r.emit(b)
}

// assignID is b.AssignID, with the base name of the last source file kept:
// the bills of a run come from few files.
func (r *Run) assignID(b *Bill) {
	sum := r.idents.sum(b)
	b.ID = r.ids.id(sum[:])
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
		open = r.finishAgent(r.agents[id], open)
	}
	r.counts.OpenRows = int64(len(open))
	return open
}

// finishAgent ends the day for agent a as Finish does, and appends what is
// still open of it to open, in the lake's order.
func (r *Run) finishAgent(a *agent, open []OpenSpan) []OpenSpan {
	if !a.loggedIn {
		return open
	}
	if r.end.Sub(a.lastEvent) > r.cfg.SessionTimeout {
		r.timeOut(a)
		return open
	}
	if IsConversation(a.main.opType) {
		r.cutConversation(a, &a.main, r.end, false, 0)
	}
	n := len(open)
	open = r.appendOpen(open, a)
	// One agent's few rows, sorted stably by insertion.
	for i := n + 1; i < len(open); i++ {
		for j := i; j > n && CompareBills(&open[j].Bill, &open[j-1].Bill) < 0; j-- {
			open[j], open[j-1] = open[j-1], open[j]
		}
	}
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
	n := len(open)
	open = slices.Grow(open, 2+len(a.overlays))[:n+2+len(a.overlays)]
	rows := open[n:]
	rows[0] = OpenSpan{Bill: Bill{OpType: OpLogout, OpObject: USNoUse, OpCause: USNoUse, Begin: a.login, Source: a.loginSrc}}
	a.main.fill(&rows[1].Bill, r.end, a.main.cause, 0)
	for i := range a.overlays {
		a.overlays[i].fill(&rows[2+i].Bill, r.end, a.overlays[i].cause, 0)
	}
	for i := range rows {
		b := &rows[i].Bill
		b.AgentID = a.id
		b.LogonSN = a.logonSN
		b.End = r.end
		b.Flags |= FlagOpen
		// Its own string: open spans outlive the run, and an id from the
		// arena would keep its whole chunk.
		r.assignID(b)
		b.ID = strings.Clone(b.ID)
		rows[i].LastEvent = a.lastEvent
	}
	return open
}

// carryIn rebuilds the agents' state from the previous day's open spans.
func (r *Run) carryIn(carried []OpenSpan) error {
	for i := range carried {
		o := &carried[i]
		if err := r.checkCarried(i, o); err != nil {
			return err
		}
		a := r.agents[o.AgentID]
		if a == nil {
			a = &agent{id: o.AgentID, main: span{opType: -1}}
			r.agents[o.AgentID] = a
		}
		if err := carryRow(a, o); err != nil {
			return err
		}
	}
	for _, a := range r.agents {
		if err := carriedWhole(a); err != nil {
			return err
		}
	}
	return nil
}

// carryAgent rebuilds the state of agent a, fresh from reset, from its
// rows of the previous day's open spans.
func (r *Run) carryAgent(a *agent, rows []OpenSpan) error {
	if len(rows) == 0 {
		return nil
	}
	for i := range rows {
		if err := r.checkCarried(i, &rows[i]); err != nil {
			return err
		}
		if err := carryRow(a, &rows[i]); err != nil {
			return err
		}
	}
	return carriedWhole(a)
}

// checkCarried checks row i of the carried spans against the run.
func (r *Run) checkCarried(i int, o *OpenSpan) error {
	if o.Flags&FlagOpen == 0 {
		return fmt.Errorf("carried state: row %d of agent %q is not flagged open", i+1, o.AgentID)
	}
	if !o.End.Equal(r.start) {
		return fmt.Errorf("carried state: agent %q is open until %s, but day %s starts at %s",
			o.AgentID, o.End.Format(time.RFC3339), r.day, r.start.Format(time.RFC3339))
	}
	if code := int(o.OpType); !Known(code) {
		return fmt.Errorf("carried state: agent %q: op_type %d is not an operation type", o.AgentID, code)
	}
	return nil
}

// carryRow adds one checked carried span to a's state.
func carryRow(a *agent, o *OpenSpan) error {
	code := int(o.OpType)
	a.lastEvent = o.LastEvent
	s := span{
		opType: code, object: int(o.OpObject), cause: int(o.OpCause), attrs: o.Attrs,
		begin: o.Begin, source: o.Source, sourceCause: o.SourceCause, hasSourceCause: o.HasSourceCause,
	}
	switch opRules[code].class {
	case ClassSession:
		if a.loggedIn {
			return fmt.Errorf("carried state: agent %q has two sessions", o.AgentID)
		}
		a.startSession(o.Begin, o.Source)
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
	return nil
}

// carriedWhole checks that a carried agent came in with a session and a
// main state.
func carriedWhole(a *agent) error {
	if !a.loggedIn || a.main.opType < 0 {
		return fmt.Errorf("carried state: agent %q needs one session row and one main-state row", a.id)
	}
	return nil
}
