package billing

// USNoUse is the bill table's US_NO_USE marker (0xFFFF) for an empty object
// or reason.
const USNoUse = 65535

// Class says how an operation type drives an agent's state.
type Class uint8

// The classes of operation types (SPEC §2).
const (
	// ClassInstant types begin and end at the event time and change no state.
	ClassInstant Class = iota
	// ClassSession types open (1) or close (0) a login session.
	ClassSession
	// ClassMain types replace the agent's main state.
	ClassMain
	// ClassOverlay types open a span that runs beside the main state.
	ClassOverlay
	// ClassStop types close an overlay.
	ClassStop
)

var classNames = [...]string{"instant", "session", "main", "overlay", "stop"}

func (c Class) String() string { return classNames[c] }

// OpType describes one operation type of the seed table.
type OpType struct {
	Code   int
	Class  Class
	Billed bool   // writes a bill: its object and reason in the seed table are not "-"
	Label  string // the seed's description
	Object string // what op_object holds, in the seed's words
	Reason string // what op_cause holds, in the seed's words
	// Closes lists the overlay types an event of this type closes (stops, and 44).
	Closes []int
}

// opTypes is the seed table of agent operation types (0..47, 50..60).
var opTypes = []OpType{
	{Code: 0, Class: ClassSession, Billed: true, Label: "The agent logs out of the CCS.", Object: "US_NO_USE", Reason: "logout cause (1-255 client, 256-264 system)"},
	{Code: 1, Class: ClassSession, Billed: true, Label: "The agent logs in to the CCS.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 2, Class: ClassMain, Label: "The agent indicates idle."},
	{Code: 3, Class: ClassMain, Billed: true, Label: "The agent indicates busy.", Object: "US_NO_USE", Reason: "busy reason (1-7, 200-250 service-defined)"},
	{Code: 4, Class: ClassMain, Billed: true, Label: "Conversation status (text conversations).", Object: "US_NO_USE", Reason: "1: still in conversation at a five-minute mark; 0: conversation ended"},
	{Code: 5, Class: ClassMain, Label: "Waiting for answer from an agent after distributing a call to the agent."},
	{Code: 6, Class: ClassMain, Label: "The agent waits for the connection success message after answering a call or making an outgoing call successfully."},
	{Code: 7, Class: ClassInstant, Label: "The agent releases a call."},
	{Code: 8, Class: ClassInstant, Label: "The agent requests disconnecting."},
	{Code: 9, Class: ClassMain, Label: "The agent waits for the called to ring when making an outgoing call."},
	{Code: 10, Class: ClassOverlay, Billed: true, Label: "Three-party conversation.", Object: "Work ID", Reason: "US_NO_USE"},
	{Code: 11, Class: ClassInstant, Label: "Agent channel fails or the agent is down."},
	{Code: 12, Class: ClassInstant, Label: "Agent channel or agent is restored."},
	{Code: 13, Class: ClassMain, Billed: true, Label: "The call transfers from the manual flow to the automatic flow. The agent is suspended.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 14, Class: ClassInstant, Label: "The agent is listened in to or intruded."},
	{Code: 15, Class: ClassInstant, Label: "The agent is not listened in to or intruded."},
	{Code: 16, Class: ClassInstant, Label: "The agent is recorded."},
	{Code: 17, Class: ClassInstant, Label: "The agent is not recorded."},
	{Code: 18, Class: ClassInstant, Label: "The agent is monitored."},
	{Code: 19, Class: ClassInstant, Label: "The agent is not monitored."},
	{Code: 20, Class: ClassOverlay, Billed: true, Label: "The agent is listening in or intruding or whispering.", Object: "Work ID (0: listening in to another agent; 2: listening in to a trunk)", Reason: "US_NO_USE"},
	{Code: 21, Class: ClassStop, Label: "The agent is not listening in or intruding or whispering.", Closes: []int{20}},
	{Code: 22, Class: ClassOverlay, Billed: true, Label: "Voice playing.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 23, Class: ClassStop, Label: "Stopping the voice playing.", Closes: []int{22}},
	{Code: 24, Class: ClassInstant, Label: "Monitoring."},
	{Code: 25, Class: ClassInstant, Label: "Stopping monitoring."},
	{Code: 26, Class: ClassMain, Billed: true, Label: "The agent rests.", Object: "Work ID", Reason: "rest reason given by the client (default 0)"},
	{Code: 27, Class: ClassMain, Billed: true, Label: "Work status.", Object: "US_NO_USE", Reason: "0: after-call work; 0-255: adjusting"},
	{Code: 28, Class: ClassInstant, Label: "Listening in to and intruding a call."},
	{Code: 29, Class: ClassInstant, Billed: true, Label: "Forcible logout.", Object: "Work ID", Reason: "US_NO_USE"},
	{Code: 30, Class: ClassInstant, Billed: true, Label: "Forcible idle.", Object: "Work ID", Reason: "US_NO_USE"},
	{Code: 31, Class: ClassInstant, Billed: true, Label: "Forcible busy.", Object: "Work ID", Reason: "US_NO_USE"},
	{Code: 32, Class: ClassOverlay, Billed: true, Label: "The agent is mute to the user.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 33, Class: ClassStop, Label: "The agent cancels the mute status to the user.", Closes: []int{32}},
	{Code: 34, Class: ClassMain, Billed: true, Label: "The agent enters the study status.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 35, Class: ClassMain, Label: "The agent enters the work status."},
	{Code: 36, Class: ClassMain, Label: "The agent enters the adjusting status."},
	{Code: 37, Class: ClassMain, Label: "The agent ends the work status."},
	{Code: 38, Class: ClassOverlay, Billed: true, Label: "The agent holds the call.", Object: "Work ID of a QC inspector", Reason: "1: held by a QC inspector"},
	{Code: 39, Class: ClassStop, Label: "The agent picks the held call.", Closes: []int{38}},
	{Code: 40, Class: ClassInstant, Billed: true, Label: "The agent requests an internal help.", Object: "Work ID", Reason: "help kind (0-6)"},
	{Code: 41, Class: ClassInstant, Billed: true, Label: "The agent makes an internal call.", Object: "Work ID", Reason: "US_NO_USE"},
	{Code: 42, Class: ClassStop, Label: "The agent connects a held call.", Closes: []int{38}},
	{Code: 43, Class: ClassInstant, Billed: true, Label: "The agent intercepts a call.", Object: "Work ID", Reason: "US_NO_USE"},
	{Code: 44, Class: ClassInstant, Billed: true, Label: "The agent halts the voice playing.", Object: "US_NO_USE", Reason: "US_NO_USE", Closes: []int{22}},
	{Code: 45, Class: ClassInstant, Billed: true, Label: "The agent transfers the call internally.", Object: "Work ID", Reason: "US_NO_USE"},
	{Code: 46, Class: ClassInstant, Billed: true, Label: "The agent transfers a call out.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 47, Class: ClassInstant, Billed: true, Label: "The agent logs in to the media server.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 50, Class: ClassInstant, Billed: true, Label: "Video image screening.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 51, Class: ClassInstant, Billed: true, Label: "Video and audio screening.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 52, Class: ClassInstant, Billed: true, Label: "The agent logs out of the media server.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 53, Class: ClassInstant, Billed: true, Label: "The agent transfers the call which is queuing in the common queue.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 54, Class: ClassInstant, Billed: true, Label: "Release transfer.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 55, Class: ClassInstant, Billed: true, Label: "The call is transferred to another device.", Object: "US_NO_USE", Reason: "US_NO_USE"},
	{Code: 56, Class: ClassInstant, Billed: true, Label: "Configure agent status.", Object: "US_NO_USE", Reason: "agent status code defined by the service side"},
	{Code: 57, Class: ClassInstant, Billed: true, Label: "Switch the call held during internal-help request processing.", Object: "US_NO_USE", Reason: "internal-help request switching"},
	{Code: 58, Class: ClassOverlay, Billed: true, Label: "The agent is in the conference state.", Object: "Work ID", Reason: "-"},
	{Code: 59, Class: ClassInstant, Billed: true, Label: "Multimedia collaboration.", Object: "Work ID", Reason: "0: initiating a multimedia conference; 1: joining one"},
	{Code: 60, Class: ClassMain, Billed: true, Label: "Conversation status (all call types).", Object: "US_NO_USE", Reason: "1: still in conversation at a five-minute mark; 0: conversation ended"},
}

// maxOpType is the highest code of the table.
const maxOpType = 60

// opTypeIndex maps a code to its entry; nil where the table has no such type.
var opTypeIndex = func() [maxOpType + 1]*OpType {
	var idx [maxOpType + 1]*OpType
	for i := range opTypes {
		idx[opTypes[i].Code] = &opTypes[i]
	}
	return idx
}()

// Special codes the rules name.
const (
	OpLogout       = 0
	OpLogin        = 1
	OpIdle         = 2
	OpBusy         = 3
	OpTextTalk     = 4
	OpRest         = 26
	OpWork         = 27
	OpEndWork      = 37 // means "enter idle"
	OpHold         = 38
	OpConversation = 60
)

// Lookup returns the table entry of code, and false when the seed table has
// no such type.
func Lookup(code int) (OpType, bool) {
	if code < 0 || code > maxOpType || opTypeIndex[code] == nil {
		return OpType{}, false
	}
	return *opTypeIndex[code], true
}

// Known reports whether code is an operation type of the seed table.
func Known(code int) bool {
	return code >= 0 && code <= maxOpType && opTypeIndex[code] != nil
}

// OpTypes returns the whole table in code order.
func OpTypes() []OpType {
	out := make([]OpType, len(opTypes))
	copy(out, opTypes)
	return out
}

// IsConversation reports whether code is a conversation status (4 or 60).
func IsConversation(code int) bool { return code == OpTextTalk || code == OpConversation }

// Logout causes of the seed table (type 0, op_cause).
const (
	CauseDisconnected  = 256 // agent console disconnected
	CauseForcedByQC    = 257
	CauseAgentLogout   = 258
	CauseRelogin       = 259
	CauseForcedLogin   = 264
	CauseLogoutTimeout = CauseDisconnected
)

// logoutCauseLabels are the seed's words for the system logout causes.
var logoutCauseLabels = map[int]string{
	256: "An agent console is disconnected from the call center platform.",
	257: "An agent is forced by a QC inspector to log out of the call center platform.",
	258: "An agent proactively logs out of the call center platform.",
	259: "An agent logs out of the call center platform before re-login.",
	260: "The handshake for agent control blocks between the media server and CCS times out.",
	261: "The CCS detects the time-out of the handshake for agent control blocks between the CCS and UIS.",
	262: "An agent logs out of the call center platform because the media server is disconnected from the CCS.",
	263: "The handshake between the UIS and agent console times out.",
	264: "The agent ID is being used to forcibly log in on another client. As a result, the current agent is forced to log out.",
}

// busyCauseLabels are the seed's words for the busy reasons of type 3.
var busyCauseLabels = map[int]string{
	1: "The agent indicates busy.",
	2: "The agent indicates busy forcibly for not answering the call when the phone rings for a long time.",
	3: "The agent being inspected is forced to indicate busy.",
	4: "The agent has a rest.",
	5: "The agent phone is unavailable.",
	7: "The agent rejects the call.",
}

// LogoutCauseLabel returns the seed's label of a system logout cause
// (256..264), or "" for other codes.
func LogoutCauseLabel(cause int) string { return logoutCauseLabels[cause] }

// BusyCauseLabel returns the seed's label of a busy reason of type 3; codes
// 200..250 are service-defined and have no seed label.
func BusyCauseLabel(cause int) string { return busyCauseLabels[cause] }
