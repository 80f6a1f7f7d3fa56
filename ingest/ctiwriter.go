package ingest

import (
	"bufio"
	"io"
	"strconv"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// CTIWriter renders canonical events as Cisco UCCX CTI text, the inverse of
// the default CTIMapping: agent states as AGENT_STATE_EVENT messages, a
// conversation as the call messages that set up its call before TALKING,
// holds, retrieves, conferences and transfers as call events. Events CTI
// cannot express (text-only types such as study, mute or voice playing)
// are not written; Write reports whether it wrote one. It is what
// synthetic CTI logs are made with, and what the reader is tested against.
type CTIWriter struct {
	w     *bufio.Writer
	loc   *time.Location
	buf   []byte
	agent map[string]*ctiWriterAgent
	next  int // next free extension
	n     int64
}

type ctiWriterAgent struct {
	ext  string
	call string // the live call's id; empty when none
}

// NewCTIWriter writes to w with timestamps on loc's clock.
func NewCTIWriter(w io.Writer, loc *time.Location) *CTIWriter {
	return &CTIWriter{w: bufio.NewWriterSize(w, 256<<10), loc: loc, agent: map[string]*ctiWriterAgent{}, next: 4000}
}

// ctiLogoutCodes and ctiBusyCodes give the reason code that the default
// mapping reads back as each cause.
var (
	ctiLogoutCodes = map[int32]int{
		billing.CauseAgentLogout: 0, billing.CauseForcedByQC: 22, billing.CauseForcedLogin: 32767,
		billing.CauseRelogin: 32740, billing.CauseDisconnected: 32766,
	}
	ctiBusyCodes = map[int32]int{1: 32760, 2: 32763, 3: 33, 5: 32757}
)

// Write renders one event; it returns false for an event CTI cannot carry.
func (cw *CTIWriter) Write(e *billing.Event) (bool, error) {
	a := cw.agent[e.AgentID]
	if a == nil {
		a = &ctiWriterAgent{ext: strconv.Itoa(cw.next)}
		cw.next++
		cw.agent[e.AgentID] = a
	}
	cause := int32(e.OpCause)
	switch e.OpType {
	case billing.OpLogin:
		cw.state(e, a, "LOGIN", 0)
	case billing.OpLogout:
		code, ok := ctiLogoutCodes[cause]
		if !ok {
			code = int(cause)
			if cause < 1 || cause > 254 {
				code = 32766
			}
		}
		cw.endCall(e, a)
		cw.state(e, a, "LOGOUT", code)
	case billing.OpIdle, billing.OpEndWork:
		cw.endCall(e, a)
		cw.state(e, a, "READY", 0)
	case billing.OpBusy:
		code, ok := ctiBusyCodes[cause]
		if !ok {
			code = ctiBusyCodes[1]
		}
		cw.endCall(e, a)
		cw.state(e, a, "NOT_READY", code)
	case billing.OpRest:
		if cause < 1 || cause >= 32740 || cause == 33 {
			return false, nil // the default mapping reads these codes as busy
		}
		cw.endCall(e, a)
		cw.state(e, a, "NOT_READY", int(cause))
	case billing.OpWork:
		cw.endCall(e, a)
		cw.state(e, a, "WORK_NOT_READY", 0)
	case 5: // ringing: the call is delivered to the agent's phone
		cw.beginCall(e, a)
		cw.state(e, a, "RESERVED", 0)
	case billing.OpConversation, billing.OpTextTalk:
		if a.call == "" || (e.CallID != "" && e.CallID != a.call) {
			cw.beginCall(e, a)
		}
		cw.state(e, a, "TALKING", 0)
	case billing.OpHold:
		cw.callEvent(e, a, "CALL_HELD_EVENT", "HoldingDeviceID")
	case 39:
		cw.callEvent(e, a, "CALL_RETRIEVED_EVENT", "RetrievingDeviceID")
	case 58:
		cw.callEvent(e, a, "CALL_CONFERENCED_EVENT", "ConnectionDeviceID")
	case 45:
		cw.callEvent(e, a, "CALL_TRANSFERRED_EVENT", "TransferringDeviceID")
	default:
		return false, nil
	}
	_, err := cw.w.Write(cw.buf)
	cw.buf = cw.buf[:0]
	return true, err
}

// Flush writes what is buffered.
func (cw *CTIWriter) Flush() error { return cw.w.Flush() }

// SetOutput flushes and goes on writing to w, keeping the agents'
// extensions and live calls (a log that rolls over at midnight).
func (cw *CTIWriter) SetOutput(w io.Writer) error {
	if err := cw.w.Flush(); err != nil {
		return err
	}
	cw.w.Reset(w)
	return nil
}

func (cw *CTIWriter) stamp(t time.Time) {
	cw.n++
	if cw.n%8 == 0 {
		cw.buf = append(cw.buf, "-\nServer sends the following message(s)\n"...)
	}
	cw.buf = t.In(cw.loc).AppendFormat(cw.buf, "2006-01-02 15:04:05.000000")
	cw.buf = append(cw.buf, " MsgType: "...)
}

func (cw *CTIWriter) state(e *billing.Event, a *ctiWriterAgent, state string, code int) {
	cw.stamp(e.Time)
	cw.buf = append(cw.buf, "AGENT_STATE_EVENT CSQState: "...)
	cw.buf = append(cw.buf, state...)
	cw.buf = append(cw.buf, " StateDuration: 0 CSQID: N/A AgentState: "...)
	cw.buf = append(cw.buf, state...)
	cw.buf = append(cw.buf, "\nEventReasonCode: "...)
	cw.buf = strconv.AppendInt(cw.buf, int64(code), 10)
	cw.buf = append(cw.buf, " NumCSQs: 0 AgentID: "...)
	cw.buf = append(cw.buf, e.AgentID...)
	cw.buf = append(cw.buf, " AgentExtension: "...)
	cw.buf = append(cw.buf, a.ext...)
	cw.buf = append(cw.buf, '\n')
}

// beginCall starts the event's call on the agent's device.
func (cw *CTIWriter) beginCall(e *billing.Event, a *ctiWriterAgent) {
	cw.endCall(e, a)
	a.call = e.CallID
	if a.call == "" {
		a.call = strconv.FormatInt(e.Time.UnixMicro()%100000000, 10)
	}
	callType := "CALLTYPE_ACD_IN"
	if e.CallInOut == "outbound" {
		callType = "CALLTYPE_PREVIEW"
	}
	cw.stamp(e.Time)
	cw.buf = append(cw.buf, "BEGIN_CALL_EVENT NumCTIClients: 0 NumNamedVariables: 1 NumNamedArrays: 0 CallType: "...)
	cw.buf = append(cw.buf, callType...)
	cw.buf = append(cw.buf, " ConnectionDeviceType: CONNECTION_ID_STATIC ConnectionCallID: "...)
	cw.buf = append(cw.buf, a.call...)
	cw.buf = append(cw.buf, " ConnectionDeviceID: "...)
	cw.buf = append(cw.buf, a.ext...)
	if e.OpType == billing.OpTextTalk || e.IsText() {
		cw.buf = append(cw.buf, " MediaType: chat"...)
	}
	cw.buf = append(cw.buf, "\nExpandedCallContxt: <TotalBytes: 24> BACustomerNumber: 4022 CustomerPhoneNumber:\n"...)
	cw.stamp(e.Time)
	cw.buf = append(cw.buf, "CALL_DELIVERED_EVENT: CallID: "...)
	cw.buf = append(cw.buf, a.call...)
	cw.buf = append(cw.buf, " LocalConnectionState: LCS_ALERTING AlertingDevice: "...)
	cw.buf = append(cw.buf, a.ext...)
	cw.buf = append(cw.buf, "\nConnectionDeviceID: "...)
	cw.buf = append(cw.buf, a.ext...)
	cw.buf = append(cw.buf, " EventCause: CEC_NEW_CALL\n"...)
}

// endCall clears the agent's live call, if any.
func (cw *CTIWriter) endCall(e *billing.Event, a *ctiWriterAgent) {
	if a.call == "" {
		return
	}
	cw.stamp(e.Time)
	cw.buf = append(cw.buf, "CALL_CLEARED_EVENT ConnectionDeviceType: CONNECTION_ID_STATIC ConnectionCallID: "...)
	cw.buf = append(cw.buf, a.call...)
	cw.buf = append(cw.buf, "\nLocalConnectionState: LCS_NULL EventCause: CEC_NONE ConnectionDeviceID: "...)
	cw.buf = append(cw.buf, a.ext...)
	cw.buf = append(cw.buf, '\n')
	a.call = ""
}

func (cw *CTIWriter) callEvent(e *billing.Event, a *ctiWriterAgent, msg, deviceField string) {
	call := a.call
	if call == "" {
		call = e.CallID
	}
	cw.stamp(e.Time)
	cw.buf = append(cw.buf, msg...)
	cw.buf = append(cw.buf, " ConnectionDeviceType: CONNECTION_ID_STATIC ConnectionCallID: "...)
	cw.buf = append(cw.buf, call...)
	cw.buf = append(cw.buf, ' ')
	cw.buf = append(cw.buf, deviceField...)
	cw.buf = append(cw.buf, ": "...)
	cw.buf = append(cw.buf, a.ext...)
	cw.buf = append(cw.buf, " EventCause: 28\n"...)
}
