package synth

import (
	"math/rand/v2"
	"time"
)

// The behaviour of the simulated contact centre is data: shift patterns,
// reason codes with their weights and durations, and the rates of the rarer
// things agents do.

// shiftKind is a shift pattern on the site zone's wall clock.
type shiftKind struct {
	name         string
	hour, minute int           // wall-clock start
	length       time.Duration // planned length
}

var (
	shiftEarly = shiftKind{"early", 6, 0, 8*time.Hour + 30*time.Minute}
	shiftDay   = shiftKind{"day", 8, 0, 9 * time.Hour}
	shiftLate  = shiftKind{"late", 14, 0, 8*time.Hour + 30*time.Minute}
	shiftNight = shiftKind{"night", 22, 0, 8*time.Hour + 30*time.Minute}
)

// shiftRota hands out shifts: agent i works shiftRota[(i+r) % 10] every day,
// r chosen by the seed, so any ten consecutive agents hold five day, two
// early, two late and one night shift.
var shiftRota = [...]*shiftKind{
	&shiftDay, &shiftEarly, &shiftDay, &shiftLate, &shiftDay,
	&shiftNight, &shiftEarly, &shiftDay, &shiftLate, &shiftDay,
}

// textRota says which agents are blended chat agents: agent i is one when
// textRota[(i+r) % 7] is not mediaVoice, and it then names the agent's text
// media type.
var textRota = [...]uint8{mediaVoice, mediaText, mediaVoice, mediaVoice, mediaChat, mediaVoice, mediaVoice}

// The strings of the canonical events; agents and calls hold indexes into
// these tables.
const (
	vdnID     = "1"
	ccID      = "1"
	agentType = "4"
	inbound   = "inbound"
	outbound  = "outbound"
	voice     = "voice"
)

const (
	mediaVoice = iota
	mediaText
	mediaChat
)

var (
	mediaTypes = [...]string{mediaVoice: voice, mediaText: "text", mediaChat: "chat"}
	directions = [...]string{inbound, outbound}
	// skills: voice agents have one of the first voiceSkills, chat agents
	// one of the rest.
	skills    = [...]string{"101", "102", "103", "104", "201", "202"}
	locations = [...]string{"1", "1", "2"}
)

const voiceSkills = 4

// Rates, as probabilities per agent-day, per contact, or per idle moment.
const (
	absentRate        = 0.04 // agent-day: not at work
	lateLoginRate     = 0.05 // agent-day: logs in 5 to 30 minutes late
	setUpBusyRate     = 0.40 // agent-day: busy for a few minutes after login
	missingLogoutRate = 0.01 // agent-day: the client dies, no logout is written
	trainingRate      = 0.08 // agent-day: a training rest (26 cause 3)
	studyRate         = 0.10 // agent-day: a study spell (34)
	reloginRate       = 0.03 // agent-day: logs in again while logged in
	disconnectRate    = 0.02 // agent-day: forced or system logout, then back

	busyRate         = 0.05 // idle moment: goes busy instead of taking a contact
	textContactRate  = 0.80 // chat agent's contact: text rather than voice
	outboundRate     = 0.30 // outbound agent's contact is outbound
	outboundAgents   = 0.20 // share of agents who also dial out
	strayOutbound    = 0.02 // other agents' contacts that are outbound
	noAnswerRate     = 0.02 // inbound ring not answered: busy 2
	rejectRate       = 0.01 // inbound ring rejected: busy 7
	dialNoAnswerRate = 0.25 // outbound call not answered
	holdRate         = 0.15 // voice conversation with a hold
	secondHoldRate   = 0.25 // of those, with a second hold
	qcHoldRate       = 0.02 // hold made by a QC inspector (cause 1)
	muteRate         = 0.03 // voice conversation with a mute
	conferenceRate   = 0.02 // voice conversation turned conference (58)
	threePartyRate   = 0.01 // voice conversation turned three-party (10)
	transferRate     = 0.06 // conversation ended by an internal transfer (45)
	noWorkRate       = 0.05 // no after-call work
	endWorkRate      = 0.20 // after-call work ended by 37 rather than 2
)

// span is a duration range in seconds.
type span struct{ lo, hi float64 }

// reason is a reason code with its weight and how long the state lasts.
type reason struct {
	cause  int32
	weight int32
	dur    span
}

// busyReasons are the busy (3) spells an agent chooses when idle.
var busyReasons = []reason{
	{1, 40, span{30, 300}},
	{4, 10, span{120, 600}},
	{5, 8, span{60, 480}},
	{200, 10, span{120, 900}},
	{201, 8, span{120, 900}},
	{202, 7, span{60, 600}},
	{203, 7, span{60, 600}},
	{204, 5, span{300, 1200}},
	{205, 5, span{300, 1200}},
}

// Rest (26) reasons; the weights are unused.
var (
	restLunch    = reason{1, 0, span{30 * 60, 60 * 60}}
	restBreak    = reason{2, 0, span{5 * 60, 15 * 60}}
	restTraining = reason{3, 0, span{30 * 60, 90 * 60}}
	studySpell   = reason{usNoUse, 0, span{10 * 60, 40 * 60}}
)

// logoutCauses end a shift: mostly the agent's own logout (258), sometimes
// the system (256, 260..263), a QC inspector (257), a login elsewhere (264)
// or a code the client sends (1..255).
var logoutCauses = []reason{
	{258, 850, span{}},
	{256, 30, span{}},
	{257, 15, span{}},
	{264, 15, span{}},
	{260, 8, span{}},
	{261, 7, span{}},
	{262, 8, span{}},
	{263, 7, span{}},
	{1, 25, span{}},
	{2, 15, span{}},
	{3, 10, span{}},
	{11, 10, span{}},
}

// disconnectCauses end a session in the middle of a shift; the agent logs
// in again a little later.
var disconnectCauses = []reason{
	{256, 40, span{60, 300}},
	{257, 15, span{120, 600}},
	{264, 15, span{5, 30}},
	{260, 8, span{60, 300}},
	{261, 7, span{60, 300}},
	{262, 8, span{60, 300}},
	{263, 7, span{60, 300}},
}

// pick chooses a reason by weight.
func pick(r *rand.Rand, rs []reason) reason {
	var total int32
	for _, x := range rs {
		total += x.weight
	}
	n := r.Int32N(total)
	for _, x := range rs {
		if n < x.weight {
			return x
		}
		n -= x.weight
	}
	return rs[len(rs)-1]
}
