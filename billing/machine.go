package billing

import "time"

// span is an open main state or overlay.
type span struct {
	opType         int // the state's type (37 is stored as 2)
	object, cause  int
	attrs          Attrs
	begin          time.Time // entry; for a conversation, the end of its last billed piece
	source         Source
	sourceCause    int32
	hasSourceCause bool
}

func spanOf(e *Event, opType int) span {
	return span{
		opType: opType, object: e.OpObject, cause: e.OpCause, attrs: e.Attrs, begin: e.Time,
		source: e.Source, sourceCause: e.SourceCause, hasSourceCause: e.HasSourceCause,
	}
}

// continuedBy is rule 5: an event of type opType equal in object, cause
// and call id continues the current state.
func (s *span) continuedBy(e *Event, opType int) bool {
	return s.opType == opType && s.object == e.OpObject && s.cause == e.OpCause && s.attrs.CallID == e.CallID
}

// agent is one agent's state between events.
type agent struct {
	id        string
	loggedIn  bool
	login     time.Time
	logonSN   int64 // login in Unix milliseconds (rule 1)
	loginSrc  Source
	main      span
	overlays  []span
	lastEvent time.Time

	// Keys of the events seen at dupTime, to drop duplicates: a duplicate
	// has the same time, and events arrive in time order.
	dupTime time.Time
	dupKeys []dupKey
}

type dupKey struct {
	opType, object, cause int
	callID                string
}

// isDuplicate records e and reports whether an identical event came before.
func (a *agent) isDuplicate(e *Event) bool {
	k := dupKey{e.OpType, e.OpObject, e.OpCause, e.CallID}
	if !e.Time.Equal(a.dupTime) {
		a.dupTime = e.Time
		a.dupKeys = append(a.dupKeys[:0], k)
		return false
	}
	for _, seen := range a.dupKeys {
		if seen == k {
			return true
		}
	}
	a.dupKeys = append(a.dupKeys, k)
	return false
}

// reset makes a the state of agent id with nothing carried in, keeping
// the room its lists have grown.
func (a *agent) reset(id string) {
	*a = agent{id: id, main: span{opType: -1}, overlays: a.overlays[:0], dupKeys: a.dupKeys[:0]}
}

// startSession opens a's session at t (rule 1).
func (a *agent) startSession(t time.Time, src Source) {
	a.loggedIn, a.login, a.logonSN, a.loginSrc = true, t, t.UnixMilli(), src
}

// opRule is what the state machine needs of an operation type, packed
// for the per-event path.
type opRule struct {
	class  Class
	closes uint64 // bit t set: an event of this type closes overlay type t
}

// opRules holds the rule of every code of the table.
var opRules = func() (rules [maxOpType + 1]opRule) {
	for _, t := range opTypes {
		rules[t.Code].class = t.Class
		for _, c := range t.Closes {
			rules[t.Code].closes |= 1 << c
		}
	}
	return rules
}()

// apply runs the rules of SPEC §2 for one event of the agent.
func (r *Run) apply(a *agent, e *Event) error {
	rule := opRules[e.OpType]
	t := e.Time
	if rule.class == ClassSession {
		if e.OpType == OpLogout {
			if !a.loggedIn {
				return ErrLogoutWithoutSession
			}
			a.lastEvent = t
			r.logout(a, t, logoutFrom(e), 0)
			return nil
		}
		a.lastEvent = t
		if a.loggedIn {
			// Rule 3: a login while logged in first logs the session out.
			r.logout(a, t, logoutBy{object: USNoUse, cause: CauseRelogin, source: e.Source}, FlagImplicitLogout)
		}
		r.login(a, e, 0)
		return nil
	}
	a.lastEvent = t
	if !a.loggedIn {
		// Rule 4: anything but a session event opens a session first.
		r.login(a, e, FlagImplicitLogin)
	}
	switch rule.class {
	case ClassMain:
		r.enterMain(a, e)
	case ClassOverlay:
		for i := range a.overlays {
			if a.overlays[i].opType == e.OpType {
				r.counts.OverlayAlreadyOpen++
				return nil
			}
		}
		a.overlays = append(a.overlays, spanOf(e, e.OpType))
	case ClassStop:
		if r.closeOverlays(a, t, rule.closes) == 0 {
			r.counts.StopWithoutOverlay++
		}
	case ClassInstant:
		if r.billed[e.OpType] {
			b := r.newBill()
			*b = Bill{
				OpType: int32(e.OpType), OpObject: int32(e.OpObject), OpCause: int32(e.OpCause),
				Begin: t, End: t, Attrs: e.Attrs, Source: e.Source,
				SourceCause: e.SourceCause, HasSourceCause: e.HasSourceCause,
			}
			r.emitBill(a, b)
		}
		if rule.closes != 0 {
			r.closeOverlays(a, t, rule.closes)
		}
	}
	return nil
}

// login opens a session (rule 1): an instant type-1 bill, and idle as the
// main state. An implicit login (rule 4) has no event of its own: its bill
// has no object, cause or strings.
func (r *Run) login(a *agent, e *Event, flags Flags) {
	a.startSession(e.Time, e.Source)
	a.overlays = a.overlays[:0]
	b := r.newBill()
	*b = Bill{
		OpType: OpLogin, OpObject: USNoUse, OpCause: USNoUse,
		Begin: e.Time, End: e.Time, Source: e.Source, Flags: flags,
	}
	if flags&FlagImplicitLogin == 0 {
		// Rule 6: the login event opened the idle state too.
		b.OpObject, b.OpCause, b.Attrs = int32(e.OpObject), int32(e.OpCause), e.Attrs
		b.SourceCause, b.HasSourceCause = e.SourceCause, e.HasSourceCause
		a.main = spanOf(e, OpIdle)
	} else {
		a.main = span{opType: OpIdle, object: USNoUse, cause: USNoUse, begin: e.Time, source: e.Source}
	}
	r.emitBill(a, b)
}

// logoutBy is what a logout bill takes from its cause: the logout event,
// or the rule that logs the agent out.
type logoutBy struct {
	object, cause  int
	attrs          Attrs
	source         Source
	sourceCause    int32
	hasSourceCause bool
}

func logoutFrom(e *Event) logoutBy {
	return logoutBy{
		object: e.OpObject, cause: e.OpCause, attrs: e.Attrs, source: e.Source,
		sourceCause: e.SourceCause, hasSourceCause: e.HasSourceCause,
	}
}

// logout closes the overlays and the main state at t, then writes the
// type-0 bill spanning the session (rule 2). flags mark every bill it
// writes: they all end because of the rule that logs the agent out.
func (r *Run) logout(a *agent, t time.Time, by logoutBy, flags Flags) {
	r.closeAllOverlays(a, t, flags)
	r.closeMain(a, t, flags)
	b := r.newBill()
	*b = Bill{
		OpType: OpLogout, OpObject: int32(by.object), OpCause: int32(by.cause),
		Begin: a.login, End: t, Attrs: by.attrs, Source: by.source, Flags: flags,
		SourceCause: by.sourceCause, HasSourceCause: by.hasSourceCause,
	}
	r.emitBill(a, b)
	a.loggedIn = false
	a.overlays = a.overlays[:0]
}

// enterMain replaces the main state (rule 5 aside), closing the overlays
// unless the new state is a conversation.
func (r *Run) enterMain(a *agent, e *Event) {
	opType := e.OpType
	if opType == OpEndWork {
		opType = OpIdle
	}
	if a.main.continuedBy(e, opType) {
		r.counts.Continued++
		return
	}
	r.closeMain(a, e.Time, 0)
	if !IsConversation(opType) {
		r.closeAllOverlays(a, e.Time, 0)
	}
	a.main = spanOf(e, opType)
}

// closeMain ends the main state at t.
func (r *Run) closeMain(a *agent, t time.Time, flags Flags) {
	if IsConversation(a.main.opType) {
		r.cutConversation(a, &a.main, t, true, flags)
		return
	}
	r.closeSpan(a, &a.main, t, flags)
}

// closeOverlays ends the open overlays of the types in the set closes (bit
// t for type t) at t and returns how many it closed.
func (r *Run) closeOverlays(a *agent, t time.Time, closes uint64) int {
	n := 0
	kept := a.overlays[:0]
	for i := range a.overlays {
		o := &a.overlays[i]
		if closes>>o.opType&1 != 0 {
			r.closeSpan(a, o, t, 0)
			n++
			continue
		}
		kept = append(kept, *o)
	}
	a.overlays = kept
	return n
}

func (r *Run) closeAllOverlays(a *agent, t time.Time, flags Flags) {
	for i := range a.overlays {
		r.closeSpan(a, &a.overlays[i], t, flags)
	}
	a.overlays = a.overlays[:0]
}

// closeSpan writes the bill of a span that ends at t, if its type bills;
// a span with no length writes nothing and is counted (rule 6).
func (r *Run) closeSpan(a *agent, s *span, t time.Time, flags Flags) {
	if !r.billed[s.opType] {
		return
	}
	if t.Equal(s.begin) {
		r.counts.ZeroLength++
		return
	}
	r.emitSpan(a, s, int32(s.opType), t, s.cause, flags)
}

// emitSpan writes the bill of type opType of s ending at end.
func (r *Run) emitSpan(a *agent, s *span, opType int32, end time.Time, cause int, flags Flags) {
	b := r.newBill()
	s.fill(b, end, cause, flags)
	b.OpType = opType
	r.emitBill(a, b)
}

// fill makes b the bill of s ending at end.
func (s *span) fill(b *Bill, end time.Time, cause int, flags Flags) {
	*b = Bill{
		OpType: int32(s.opType), OpObject: int32(s.object), OpCause: int32(cause),
		Begin: s.begin, End: end, Attrs: s.attrs, Source: s.source, Flags: flags,
		SourceCause: s.sourceCause, HasSourceCause: s.hasSourceCause,
	}
}

// Conversation piece causes (rule 7).
const (
	causeStillTalking = 1
	causeTalkEnded    = 0
)

// conversationTypes lists the bill types a conversation writes: 60 under
// the license, and 4 as well for text.
func (r *Run) conversationTypes(s *span) []int32 {
	types := r.convTypes[:0]
	if r.cfg.ConversationAllTypes {
		types = append(types, OpConversation)
	}
	if s.opType == OpTextTalk || s.attrs.IsText() {
		types = append(types, OpTextTalk)
	}
	return types
}

// cutConversation writes the pieces of a conversation up to until: one per
// five-minute mark strictly inside, with cause 1. When final, the last
// piece ends at until with cause 0 and carries flags; otherwise the
// conversation stays open from its last mark.
func (r *Run) cutConversation(a *agent, s *span, until time.Time, final bool, flags Flags) {
	types := r.conversationTypes(s)
	for m := r.marks.next(s.begin); m.Before(until); m = r.marks.next(m) {
		for _, typ := range types {
			r.emitSpan(a, s, typ, m, causeStillTalking, 0)
		}
		s.begin = m
	}
	if !final {
		return
	}
	for _, typ := range types {
		if until.Equal(s.begin) {
			r.counts.ZeroLength++
			continue
		}
		r.emitSpan(a, s, typ, until, causeTalkEnded, flags)
	}
}
