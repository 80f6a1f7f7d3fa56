package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/agentbill/agentbill/billing"
)

const usNoUse = int32(billing.USNoUse)

// Operation types the simulation uses besides those billing names.
const (
	opRing        = 5
	opDial        = 9
	opThreeParty  = 10
	opMute        = 32
	opUnmute      = 33
	opStudy       = 34
	opRetrieve    = 39
	opTransfer    = 45
	opMediaLogin  = 47
	opMediaLogout = 52
	opConference  = 58
)

// Times are Unix microseconds.
const (
	msec   = int64(1000)
	second = 1000 * msec
	minute = 60 * second
)

// raw is a compact event in an agent's buffer; the strings come from the
// agent when it is emitted.
type raw struct {
	at       int64
	obj      int32
	cause    int32
	op       uint8
	call     bool  // carries the current call's id, media and direction
	dup      bool  // emitted twice
	fault    Fault // for the first copy
	dupFault Fault // for the second copy
}

// itemKind is something an agent does at a planned time of its shift.
type itemKind uint8

const (
	itemRest itemKind = iota
	itemStudy
	itemRelogin
	itemDisconnect
)

// item is a planned activity; it starts when the agent is next free after at.
type item struct {
	at    int64
	dur   int64
	cause int32
	kind  itemKind
}

const (
	bufSize  = 16 // the longest episode (a call) writes 12 events
	maxItems = 8
)

// agent generates one agent's events, shift after shift, an episode (a
// contact, a break, a busy spell) at a time into a small buffer. The fields
// every event touches come first.
type agent struct {
	cur      raw   // the next event to emit, kept by the merge
	link     int32 // the next agent in the merge's waiting list
	head, n  uint8
	skill    uint8 // index into skills
	location uint8 // index into locations
	media    uint8 // the current call's media, index into mediaTypes
	out      bool  // the current call is outbound
	id       string
	phone    string
	callID   string
	buf      [bufSize]raw

	g        *gen
	rng      rand.Rand // draws from pcg
	pcg      rand.PCG
	side     rand.PCG // duplicates and faults, apart so they change nothing else
	t        int64    // when the agent is next free
	end      int64    // planned end of the shift
	last     int64    // time of the last event written
	waitMean float64
	outP     float64 // share of outbound contacts
	idx      int
	day      int // index of the next day to plan
	calls    int
	nItems   int
	nextItem int
	items    [maxItems]item
	shift    *shiftKind
	text     uint8 // the chat agent's text media type, or mediaVoice
	workID   int32
	inShift  bool
	noLogout bool
	dateTag  [8]byte
}

// init sets a up as agent idx of g; a must not move afterwards.
func (a *agent) init(g *gen, idx int) {
	*a = agent{g: g, idx: idx, workID: workID(idx)}
	a.rng = *rand.New(&a.pcg)
	a.id = "A" + pad(int64(a.workID), g.idWidth)

	// Agent-level traits come from a stream of their own.
	a.pcg.Seed(g.seeds(streamTraits, idx, 0))
	a.shift = shiftRota[(idx+g.rotShift)%len(shiftRota)]
	a.text = textRota[(idx+g.rotText)%len(textRota)]
	a.outP = strayOutbound
	if a.rng.Float64() < outboundAgents {
		a.outP = outboundRate
	}
	a.skill = uint8(idx % voiceSkills)
	if a.text != mediaVoice {
		a.skill = uint8(voiceSkills + idx%(len(skills)-voiceSkills))
	}
	a.phone = "8" + pad(int64(a.workID), g.idWidth)
	a.location = uint8(idx % len(locations))
	a.last = math.MinInt64
}

// workID is the numeric work id of agent idx, skipping 65535 (US_NO_USE).
func workID(idx int) int32 {
	if id := int32(idx) + 1; id < usNoUse {
		return id
	}
	return int32(idx) + 2
}

// objectOf is the op_object that names the agent with work id id. op_object
// holds 0..65535 and 65535 is US_NO_USE, so a work id above 65534 (a centre
// of more agents) is folded into 1..65534: the id itself up to 65534, then
// 65536 → 2, 65537 → 3 and so on.
func objectOf(id int32) int32 {
	if id < usNoUse {
		return id
	}
	return (id-1)%(usNoUse-1) + 1
}

// otherObject is the op_object of an agent other than a, when there is one.
func (a *agent) otherObject() int32 {
	if a.g.agents < 2 {
		return objectOf(a.workID)
	}
	return objectOf(workID((a.idx + 1 + a.rng.IntN(a.g.agents-1)) % a.g.agents))
}

// next returns the agent's next event, false when it has no more.
func (a *agent) next() (raw, bool) {
	if a.head == a.n && !a.refill() {
		return raw{}, false
	}
	r := a.buf[a.head]
	a.head++
	return r, true
}

// event turns a buffered event into a canonical one.
func (a *agent) event(r raw) billing.Event {
	ev := billing.Event{
		Time:     time.UnixMicro(r.at).UTC(),
		AgentID:  a.id,
		OpType:   int(r.op),
		OpObject: int(r.obj),
		OpCause:  int(r.cause),
		Attrs: billing.Attrs{
			SkillID:    skills[a.skill],
			VDNID:      vdnID,
			CCID:       ccID,
			AgentType:  agentType,
			PhoneNo:    a.phone,
			LocationID: locations[a.location],
		},
	}
	if r.call {
		ev.CallID = a.callID
		ev.MediaType = mediaTypes[a.media]
		ev.CallInOut = directions[b2i(a.out)]
	}
	return ev
}

// refill writes the next episode into the empty buffer.
func (a *agent) refill() bool {
	a.head, a.n = 0, 0
	for a.n == 0 {
		if !a.inShift {
			if !a.startShift() {
				return false
			}
		} else {
			a.step()
		}
	}
	a.seal()
	return true
}

// seal puts the episode in time order, strictly after the agent's previous
// event.
func (a *agent) seal() {
	b := a.buf[:a.n]
	for i := 1; i < len(b); i++ {
		for j := i; j > 0 && b[j].at < b[j-1].at; j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
	for i := range b {
		if b[i].at <= a.last {
			b[i].at = a.last + 1
		}
		a.last = b[i].at
	}
}

func (a *agent) push(at int64, op uint8, obj, cause int32, call bool) {
	r := raw{at: at, op: op, obj: obj, cause: cause, call: call}
	if a.g.dupShare > 0 && a.sideFloat() < a.g.dupShare {
		r.dup = true
	}
	if a.g.badShare > 0 {
		r.fault = a.sideFault()
		if r.dup {
			r.dupFault = a.sideFault()
		}
	}
	a.buf[a.n] = r
	a.n++
}

func (a *agent) sideFloat() float64 { return float64(a.side.Uint64()>>11) / (1 << 53) }

func (a *agent) sideFault() Fault {
	if a.sideFloat() >= a.g.badShare {
		return FaultNone
	}
	return Fault(1 + a.side.Uint64()%uint64(len(faultNames)-1))
}

// between is a uniform time in [lo, hi].
func (a *agent) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + a.rng.Int64N(hi-lo+1)
}

func (a *agent) within(s span) int64 {
	return a.between(int64(s.lo*float64(second)), int64(s.hi*float64(second)))
}

// longTail is a log-normal duration around median seconds, kept in
// [lo, hi] seconds without piling up at the bounds.
func (a *agent) longTail(median, sigma, lo, hi float64) int64 {
	x := median * math.Exp(sigma*a.rng.NormFloat64())
	switch {
	case x > hi:
		x = hi * (0.75 + 0.25*a.rng.Float64())
	case x < lo:
		x = lo * (1 + 0.2*a.rng.Float64())
	}
	return int64(x * float64(second))
}

func (a *agent) chance(p float64) bool { return a.rng.Float64() < p }

// startShift plans the agent's next working day and writes its login; false
// when no day is left.
func (a *agent) startShift() bool {
	g := a.g
	for a.day < g.days {
		d := g.start.AddDays(a.day)
		a.day++
		dn := dayNumber(d)
		a.pcg.Seed(g.seeds(streamDay, a.idx, dn))
		a.side.Seed(g.seeds(streamSide, a.idx, dn))
		if a.chance(absentRate) {
			continue
		}
		a.plan(d)
		return true
	}
	return false
}

func (a *agent) plan(d billing.Date) {
	sh := a.shift
	start := time.Date(d.Year, d.Month, d.Day, sh.hour, sh.minute, 0, 0, a.g.loc).UnixMicro()
	length := int64(sh.length / time.Microsecond)

	login := start + a.between(-12*minute, 3*minute)
	if a.chance(lateLoginRate) {
		login = start + a.between(5*minute, 30*minute)
	}
	if login <= a.last {
		login = a.last + a.between(30*second, 2*minute)
	}
	a.end = start + length + a.between(-5*minute, 10*minute)
	a.waitMean = 30 + 120*a.rng.Float64()
	a.noLogout = a.chance(missingLogoutRate)
	a.calls = 0
	y, m, day := d.Year, int(d.Month), d.Day
	copy(a.dateTag[:], pad(int64(y*10000+m*100+day), 8))

	// The day's plan: two short breaks and lunch, and now and then
	// training, study, a re-login or a forced logout.
	a.nItems, a.nextItem = 0, 0
	at := func(f float64, jitter int64) int64 {
		return start + int64(f*float64(length)) + a.between(-jitter, jitter)
	}
	a.addRest(at(0.25, 20*minute), restBreak)
	a.addRest(at(0.50, 30*minute), restLunch)
	a.addRest(at(0.78, 20*minute), restBreak)
	if a.chance(trainingRate) {
		a.addRest(start+a.between(length/10, length*8/10), restTraining)
	}
	if a.chance(studyRate) {
		a.addItem(item{at: start + a.between(length/10, length*9/10), dur: a.within(studySpell.dur), cause: usNoUse, kind: itemStudy})
	}
	if a.chance(reloginRate) {
		a.addItem(item{at: start + a.between(length/20, length*19/20), kind: itemRelogin})
	}
	if a.chance(disconnectRate) {
		a.addItem(item{at: start + a.between(length/20, length*19/20), kind: itemDisconnect})
	}
	it := a.items[:a.nItems]
	for i := 1; i < len(it); i++ {
		for j := i; j > 0 && it[j].at < it[j-1].at; j-- {
			it[j], it[j-1] = it[j-1], it[j]
		}
	}

	// Login, the media server for chat agents, maybe a few minutes of
	// setting up, then ready.
	a.inShift = true
	t := login
	a.push(t, billing.OpLogin, usNoUse, usNoUse, false)
	if a.text != mediaVoice {
		t += a.between(500*msec, 3*second)
		a.push(t, opMediaLogin, usNoUse, usNoUse, false)
	}
	if a.chance(setUpBusyRate) {
		t += a.between(2*second, 5*second)
		a.push(t, billing.OpBusy, usNoUse, 1, false)
		t += a.between(1*minute, 5*minute)
	} else {
		t += a.between(1*second, 8*second)
	}
	a.push(t, billing.OpIdle, usNoUse, usNoUse, false)
	a.t = t
}

func (a *agent) addRest(at int64, r reason) {
	a.addItem(item{at: at, dur: a.within(r.dur), cause: r.cause, kind: itemRest})
}

func (a *agent) addItem(it item) {
	if a.nItems < maxItems {
		a.items[a.nItems] = it
		a.nItems++
	}
}

// step writes the agent's next episode of the shift; it may write nothing
// when the agent only waits.
func (a *agent) step() {
	switch {
	case a.t >= a.end:
		a.logout()
	case a.nextItem < a.nItems && a.items[a.nextItem].at <= a.t:
		a.nextItem++
		a.do(a.items[a.nextItem-1])
	case a.chance(busyRate):
		r := pick(&a.rng, busyReasons)
		t := a.t + a.between(1*second, 10*second)
		a.push(t, billing.OpBusy, usNoUse, r.cause, false)
		a.t = t + a.within(r.dur)
		a.push(a.t, billing.OpIdle, usNoUse, usNoUse, false)
	default:
		a.contact()
	}
}

// logout ends the shift.
func (a *agent) logout() {
	a.inShift = false
	if a.noLogout {
		return
	}
	t := a.t + a.between(1*second, 30*second)
	if a.text != mediaVoice {
		a.push(t, opMediaLogout, usNoUse, usNoUse, false)
		t += a.between(200*msec, 2*second)
	}
	a.push(t, billing.OpLogout, usNoUse, pick(&a.rng, logoutCauses).cause, false)
	a.t = t
}

// do carries out a planned activity.
func (a *agent) do(it item) {
	t := max(a.t, it.at) + a.between(1*second, 20*second)
	switch it.kind {
	case itemRest:
		a.push(t, billing.OpRest, objectOf(a.workID), it.cause, false)
		t += it.dur
	case itemStudy:
		a.push(t, opStudy, usNoUse, usNoUse, false)
		t += it.dur
	case itemRelogin:
		a.push(t, billing.OpLogin, usNoUse, usNoUse, false)
		t += a.between(2*second, 10*second)
	case itemDisconnect:
		r := pick(&a.rng, disconnectCauses)
		a.push(t, billing.OpLogout, usNoUse, r.cause, false)
		t += a.within(r.dur)
		a.push(t, billing.OpLogin, usNoUse, usNoUse, false)
		t += a.between(2*second, 15*second)
	}
	a.push(t, billing.OpIdle, usNoUse, usNoUse, false)
	a.t = t
}

// contact waits for the next contact and handles it, unless a planned
// activity or the end of the shift comes first.
func (a *agent) contact() {
	wait := min(int64(a.rng.ExpFloat64()*a.waitMean*float64(second)), 20*minute) + 500*msec
	at := a.t + wait
	if a.nextItem < a.nItems && a.items[a.nextItem].at < at {
		a.t = max(a.t, a.items[a.nextItem].at)
		return
	}
	if at >= a.end {
		a.t = a.end
		return
	}

	a.calls++
	a.callID = a.newCallID()
	a.media = mediaVoice
	if a.text != mediaVoice && a.chance(textContactRate) {
		a.media = a.text
	}
	text := a.media != mediaVoice
	a.out = !text && a.chance(a.outP)

	if a.out {
		a.push(at, opDial, usNoUse, usNoUse, true)
		at += a.between(5*second, 30*second)
		if a.chance(dialNoAnswerRate) {
			a.push(at, billing.OpIdle, usNoUse, usNoUse, false)
			a.t = at
			return
		}
		a.talk(at, text)
		return
	}

	a.push(at, opRing, usNoUse, usNoUse, true)
	switch p := a.rng.Float64(); {
	case p < noAnswerRate:
		at += a.between(15*second, 20*second)
		a.push(at, billing.OpBusy, usNoUse, 2, true)
		a.t = at + a.between(30*second, 3*minute)
		a.push(a.t, billing.OpIdle, usNoUse, usNoUse, false)
		return
	case p < noAnswerRate+rejectRate:
		at += a.between(2*second, 6*second)
		a.push(at, billing.OpBusy, usNoUse, 7, true)
		a.t = at + a.between(20*second, 2*minute)
		a.push(a.t, billing.OpIdle, usNoUse, usNoUse, false)
		return
	}
	if text {
		at += a.between(1*second, 5*second)
	} else {
		at += a.between(2*second, 15*second)
	}
	a.talk(at, text)
}

// talk writes a conversation from t0 with what may happen inside it, and
// the after-call work.
func (a *agent) talk(t0 int64, text bool) {
	var dur int64
	if text {
		a.push(t0, billing.OpTextTalk, usNoUse, usNoUse, true)
		dur = a.longTail(300, 0.6, 30, 1200)
	} else {
		a.push(t0, billing.OpConversation, usNoUse, usNoUse, true)
		dur = a.longTail(200, 0.75, 30, 1200)
	}
	end := t0 + dur

	if !text {
		if dur >= 40*second && a.chance(holdRate) {
			lo := t0 + 5*second
			for range 2 {
				hi := end - 15*second
				if lo >= hi {
					break
				}
				hs := a.between(lo, lo+(hi-lo)/2)
				he := min(hs+a.between(10*second, 120*second), end-2*second)
				obj, cause := usNoUse, usNoUse
				if a.chance(qcHoldRate) {
					obj, cause = a.otherObject(), 1
				}
				a.push(hs, billing.OpHold, obj, cause, true)
				a.push(he, opRetrieve, usNoUse, usNoUse, true)
				lo = he + 5*second
				if !a.chance(secondHoldRate) {
					break
				}
			}
		}
		if dur >= 30*second && a.chance(muteRate) {
			ms := a.between(t0+2*second, end-10*second)
			a.push(ms, opMute, usNoUse, usNoUse, true)
			a.push(min(ms+a.between(3*second, 60*second), end-1*second), opUnmute, usNoUse, usNoUse, true)
		}
		switch p := a.rng.Float64(); {
		case p < conferenceRate:
			a.push(a.between(t0+dur/5, t0+dur*7/10), opConference, a.otherObject(), usNoUse, true)
		case p < conferenceRate+threePartyRate:
			a.push(a.between(t0+dur/5, t0+dur*7/10), opThreeParty, a.otherObject(), usNoUse, true)
		}
	}

	if a.chance(transferRate) {
		a.push(end, opTransfer, a.otherObject(), usNoUse, true)
		end += a.between(300*msec, 2*second)
	}
	if !a.chance(noWorkRate) {
		a.push(end, billing.OpWork, usNoUse, 0, true)
		end += a.longTail(40, 0.8, 10, 180)
	}
	idle := uint8(billing.OpIdle)
	if a.chance(endWorkRate) {
		idle = billing.OpEndWork
	}
	a.push(end, idle, usNoUse, usNoUse, false)
	a.t = end
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// newCallID is C<yyyymmdd>-<work id>-<n>, unique per agent-day and call.
func (a *agent) newCallID() string {
	b := make([]byte, 0, 1+8+1+a.g.idWidth+1+5)
	b = append(b, 'C')
	b = append(b, a.dateTag[:]...)
	b = append(b, '-')
	b = appendPad(b, int64(a.workID), a.g.idWidth)
	b = append(b, '-')
	b = appendPad(b, int64(a.calls), 4)
	return string(b)
}

func pad(n int64, width int) string { return string(appendPad(nil, n, width)) }

func appendPad(b []byte, n int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// dayNumber counts days from 1970-01-01.
func dayNumber(d billing.Date) int64 {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// The random streams of an agent.
const (
	streamTraits = iota + 1 // what the agent is: outbound or not
	streamDay               // what the agent does on a day
	streamSide              // which of a day's events are duplicated or spoiled
)

// seeds are the PCG seeds of one stream of agent idx on day (days since
// 1970-01-01; 0 for streams that do not change by day).
func (g *gen) seeds(stream, idx int, day int64) (uint64, uint64) {
	s := mix(g.seed, uint64(idx), uint64(day))
	return s, mix(uint64(stream), g.seed, s)
}

// mix hashes three words into a seed (SplitMix64 finaliser rounds).
func mix(a, b, c uint64) uint64 {
	h := splitmix(a ^ 0x243f6a8885a308d3)
	h = splitmix(h ^ b)
	return splitmix(h ^ c)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
