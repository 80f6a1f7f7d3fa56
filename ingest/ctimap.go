package ingest

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/agentbill/agentbill/billing"
)

// CTIMapping says how Cisco UCCX CTI messages become canonical agent events
// (SPEC §1.2). It is data: every part can be overridden in config (under
// the key cti). Names and enum values match in any letter case.
//
// The cause of a state event follows from the operation type it maps to:
// type 0 takes its cause from LogoutCauses, type 3 from BusyCauses (and an
// agent-defined not-ready code turns it into RestOpType), RestOpType takes
// the reason code itself, type 27 takes WorkCause, and every other type
// US_NO_USE. The object is always US_NO_USE.
type CTIMapping struct {
	// AgentStates maps an AgentState value, symbolic ("TALKING", with or
	// without the AGENT_STATE_ prefix) or numeric ("4"), to the operation
	// type the agent enters. A negative type, or a state missing here,
	// rejects the message as an unsupported agent state.
	AgentStates map[string]int `mapstructure:"agent_states"`

	// LogoutCauses maps the EventReasonCode of a logout to the logout cause.
	LogoutCauses map[int]int `mapstructure:"logout_causes"`
	// ClientLogoutCodes are the agent-defined logout codes, kept as the
	// cause when LogoutCauses does not name them.
	ClientLogoutCodes CodeRange `mapstructure:"client_logout_codes"`
	// DefaultLogoutCause is the cause of any other logout code.
	DefaultLogoutCause int `mapstructure:"default_logout_cause"`

	// BusyCauses maps the EventReasonCode of a not-ready state to the busy
	// cause of type 3.
	BusyCauses map[int]int `mapstructure:"busy_causes"`
	// SystemReasonMin is the lowest system reason code. A not-ready code
	// below it (and at least 1) that BusyCauses does not name is
	// agent-defined: the agent rests (RestOpType) with the code as cause. A
	// system code BusyCauses does not name is busy with DefaultBusyCause.
	SystemReasonMin int `mapstructure:"system_reason_min"`
	// DefaultBusyCause is the busy cause of a system code BusyCauses does
	// not name.
	DefaultBusyCause int `mapstructure:"default_busy_cause"`
	// RestOpType is the type an agent-defined not-ready code enters.
	RestOpType int `mapstructure:"rest_op_type"`
	// WorkCause is the cause of type 27 (0: after-call work).
	WorkCause int `mapstructure:"work_cause"`
	// TextTalkOpType replaces type 60 when the call's media is text.
	TextTalkOpType int `mapstructure:"text_talk_op_type"`

	// CallEvents maps a call message type to the operation it performs for
	// the agent on the device it names.
	CallEvents map[string]CTICallEvent `mapstructure:"call_events"`
	// CallEndEvents are the message types after which a call is over and
	// its context forgotten.
	CallEndEvents []string `mapstructure:"call_end_events"`
	// ConnectionEndEvents are the message types that take a device off a
	// call (the call goes on for others).
	ConnectionEndEvents []string `mapstructure:"connection_end_events"`
	// ContextDevices are the fields naming the device a call message is
	// about; the message's call becomes that device's current call, which
	// the agent's next TALKING takes.
	ContextDevices []string `mapstructure:"context_devices"`

	// OutboundCallTypes are the CallType values (symbolic without the
	// CALLTYPE_ prefix, or numeric) of outbound calls; every other call is
	// inbound.
	OutboundCallTypes []string `mapstructure:"outbound_call_types"`
	// TextCallTypes are the CallType values of text contacts (chat, email);
	// none by default, so that every call is voice.
	TextCallTypes []string `mapstructure:"text_call_types"`
	// MediaField names a field, a CTI key or an ExpandedCallContxt variable,
	// whose value gives the call's media: text, chat, email or social (any
	// case) make it text. Empty means no such field.
	MediaField string `mapstructure:"media_field"`

	// CustomerFields are the keys whose values are customer data, besides
	// every ExpandedCallContxt variable. Their values are never read nor
	// written, not even in a reject's raw text.
	CustomerFields []string `mapstructure:"customer_fields"`
}

// CodeRange is an inclusive range of codes.
type CodeRange struct {
	Min int `mapstructure:"min"`
	Max int `mapstructure:"max"`
}

// Contains reports whether c lies in the range.
func (r CodeRange) Contains(c int) bool { return c >= r.Min && c <= r.Max }

// CTICallEvent is what one call message type does for an agent.
type CTICallEvent struct {
	// OpType is the operation the agent performs.
	OpType int `mapstructure:"op_type"`
	// Devices are the fields naming the agent's device, in order of
	// preference; the first one present and not empty counts.
	Devices []string `mapstructure:"devices"`
}

// DefaultCTIMapping returns the mapping of SPEC §1.2.
func DefaultCTIMapping() CTIMapping {
	return CTIMapping{
		AgentStates: map[string]int{
			"LOGIN": billing.OpLogin, "0": billing.OpLogin,
			"LOGOUT": billing.OpLogout, "1": billing.OpLogout,
			"NOT_READY": billing.OpBusy, "2": billing.OpBusy,
			"AVAILABLE": billing.OpIdle, "READY": billing.OpIdle, "3": billing.OpIdle,
			"TALKING": billing.OpConversation, "4": billing.OpConversation,
			"WORK_NOT_READY": billing.OpWork, "5": billing.OpWork,
			"WORK_READY": billing.OpWork, "6": billing.OpWork,
			"BUSY_OTHER": billing.OpConversation, "7": billing.OpConversation,
			"RESERVED": 5, "8": 5,
			"UNKNOWN": -1, "9": -1,
			"HOLD": billing.OpHold, "10": billing.OpHold,
			"ACTIVE": -1, "11": -1,
			"PAUSED": -1, "12": -1,
			"INTERRUPTED": -1, "13": -1,
			"NOT_ACTIVE": -1, "14": -1,
		},
		LogoutCauses: map[int]int{
			0:     billing.CauseAgentLogout,
			22:    billing.CauseForcedByQC,
			32767: billing.CauseForcedLogin,
			32740: billing.CauseRelogin,
			32766: billing.CauseDisconnected,
			32765: billing.CauseDisconnected,
			255:   billing.CauseDisconnected,
		},
		ClientLogoutCodes:  CodeRange{Min: 1, Max: 254},
		DefaultLogoutCause: billing.CauseDisconnected,
		BusyCauses: map[int]int{
			32763: 2,
			33:    3,
			32757: 5, 32756: 5, 32754: 5, 32753: 5,
			0: 1, 32760: 1, 32762: 1, 32761: 1, 32755: 1, 32749: 1,
		},
		SystemReasonMin:  32740,
		DefaultBusyCause: 1,
		RestOpType:       billing.OpRest,
		WorkCause:        0,
		TextTalkOpType:   billing.OpTextTalk,
		CallEvents: map[string]CTICallEvent{
			"CALL_HELD_EVENT":        {OpType: billing.OpHold, Devices: []string{"HoldingDeviceID", "ConnectionDeviceID"}},
			"CALL_RETRIEVED_EVENT":   {OpType: 39, Devices: []string{"RetrievingDeviceID", "ConnectionDeviceID"}},
			"CALL_CONFERENCED_EVENT": {OpType: 58, Devices: []string{"ConnectionDeviceID", "ControllerDeviceID"}},
			"CALL_TRANSFERRED_EVENT": {OpType: 45, Devices: []string{"TransferringDeviceID"}},
		},
		CallEndEvents:       []string{"END_CALL_EVENT", "CALL_CLEARED_EVENT"},
		ConnectionEndEvents: []string{"CALL_CONNECTION_CLEARED_EVENT"},
		ContextDevices:      []string{"ConnectionDeviceID", "AlertingDevice"},
		// Symbolic names, and the numbers of the CTI Server protocol for
		// AUTO_OUT, AGENT_OUT, OUT, PREVIEW and RESERVATION.
		OutboundCallTypes: []string{
			"AUTO_OUT", "AGENT_OUT", "OUT", "OUTBOUND", "PREVIEW", "RESERVATION",
			"PREDICTIVE", "CALLBACK", "PERSONAL_CALLBACK",
			"RESERVATION_PREVIEW", "RESERVATION_PREVIEW_DIRECT", "RESERVATION_PREDICTIVE",
			"RESERVATION_CALLBACK", "RESERVATION_PERSONAL_CALLBACK",
			"CUSTOMER_PREVIEW", "CUSTOMER_PREVIEW_DIRECT", "CUSTOMER_PREDICTIVE",
			"CUSTOMER_CALLBACK", "CUSTOMER_PERSONAL_CALLBACK",
			"7", "8", "9", "17", "18",
		},
		MediaField: "MediaType",
		CustomerFields: []string{
			"BABuddyName", "CustomerPhoneNumber", "BAAccountNumber",
			"CustomerAccountNumber", "BACustomerNumber",
		},
	}
}

// ErrCTIMapping is wrapped by every error of CTIMapping.Validate.
var ErrCTIMapping = errors.New("invalid cti mapping")

// Validate checks that every operation type is one billing knows, that
// causes fit the bill's cause column, and that every name is a CTI key or
// message type.
func (m CTIMapping) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s", ErrCTIMapping, fmt.Sprintf(format, args...)))
	}
	checkOp := func(what string, op int) {
		if !billing.Known(op) {
			bad("%s: unknown operation type %d", what, op)
		}
	}
	checkCause := func(what string, c int) {
		if c < 0 || c > billing.USNoUse {
			bad("%s: cause %d outside 0..65535", what, c)
		}
	}
	checkKey := func(what, k string) {
		switch {
		case !isCTIKey(k):
			bad("%s: %q is not a CTI key", what, k)
		case len(k) > maxKeyLen:
			bad("%s: %q is longer than %d bytes", what, k, maxKeyLen)
		}
	}

	if len(m.AgentStates) == 0 {
		bad("agent_states: empty")
	}
	seen := make(map[string]string, len(m.AgentStates))
	for _, k := range sortedKeys(m.AgentStates) {
		op := m.AgentStates[k]
		n := normState([]byte(k))
		if n == "" {
			bad("agent_states: empty state name")
			continue
		}
		if prev, ok := seen[n]; ok && m.AgentStates[prev] != op {
			bad("agent_states: %q and %q name the same state", prev, k)
		}
		seen[n] = k
		if op >= 0 {
			checkOp("agent_states."+k, op)
		}
	}
	for _, c := range sortedKeys(m.LogoutCauses) {
		checkCause(fmt.Sprintf("logout_causes.%d", c), m.LogoutCauses[c])
	}
	if m.ClientLogoutCodes.Min > m.ClientLogoutCodes.Max {
		bad("client_logout_codes: min %d above max %d", m.ClientLogoutCodes.Min, m.ClientLogoutCodes.Max)
	}
	if m.ClientLogoutCodes.Min < 0 || m.ClientLogoutCodes.Max > billing.USNoUse {
		bad("client_logout_codes: outside 0..65535")
	}
	checkCause("default_logout_cause", m.DefaultLogoutCause)
	for _, c := range sortedKeys(m.BusyCauses) {
		checkCause(fmt.Sprintf("busy_causes.%d", c), m.BusyCauses[c])
	}
	if m.SystemReasonMin < 1 || m.SystemReasonMin > billing.USNoUse+1 {
		bad("system_reason_min: %d outside 1..65536", m.SystemReasonMin)
	}
	checkCause("default_busy_cause", m.DefaultBusyCause)
	checkCause("work_cause", m.WorkCause)
	checkOp("rest_op_type", m.RestOpType)
	checkOp("text_talk_op_type", m.TextTalkOpType)
	for _, t := range sortedKeys(m.CallEvents) {
		ce := m.CallEvents[t]
		if !isCTIKey(t) {
			bad("call_events: %q is not a message type", t)
		}
		checkOp("call_events."+t, ce.OpType)
		if len(ce.Devices) == 0 {
			bad("call_events.%s: no device field", t)
		}
		for _, d := range ce.Devices {
			checkKey("call_events."+t+".devices", d)
		}
	}
	for _, t := range m.CallEndEvents {
		checkKey("call_end_events", t)
	}
	for _, t := range m.ConnectionEndEvents {
		checkKey("connection_end_events", t)
	}
	for _, d := range m.ContextDevices {
		checkKey("context_devices", d)
	}
	for _, ct := range m.OutboundCallTypes {
		if normCallType([]byte(ct)) == "" {
			bad("outbound_call_types: empty call type")
		}
	}
	for _, ct := range m.TextCallTypes {
		if normCallType([]byte(ct)) == "" {
			bad("text_call_types: empty call type")
		}
	}
	if m.MediaField != "" {
		checkKey("media_field", m.MediaField)
	}
	for _, k := range m.CustomerFields {
		checkKey("customer_fields", k)
	}
	return errors.Join(errs...)
}

func sortedKeys[K string | int, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// isCTIKey reports whether s is an identifier as CTI keys are: a letter or
// underscore, then letters, digits, underscores and dots.
func isCTIKey(s string) bool {
	if s == "" || !isKeyStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isKeyByte(s[i]) {
			return false
		}
	}
	return true
}

func isKeyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isKeyByte(c byte) bool {
	return isKeyStart(c) || c >= '0' && c <= '9' || c == '.'
}

// normEnum upper-cases an enum value, trims blanks, drops prefix and writes
// a number without leading zeros.
func normEnum(v []byte, prefix string) string {
	v = ctiTrim(v)
	if len(v) == 0 {
		return ""
	}
	if n, ok := ctiAtoi(v); ok {
		return strconv.Itoa(n)
	}
	s := strings.ToUpper(string(v))
	if len(s) > len(prefix) {
		s = strings.TrimPrefix(s, prefix)
	}
	return s
}

func normState(v []byte) string    { return normEnum(v, "AGENT_STATE_") }
func normCallType(v []byte) string { return normEnum(v, "CALLTYPE_") }

// ctiAtoi reads an optionally signed decimal integer of at most nine digits.
func ctiAtoi(v []byte) (int, bool) {
	neg := false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// ctiRules is a validated CTIMapping compiled into lookup tables.
type ctiRules struct {
	m        CTIMapping
	states   map[string]int // normalized state → op type (negative: unsupported)
	kinds    map[string]ctiKind
	callOps  map[string]ctiCallOp // normalized message type → call operation
	outbound map[string]bool      // normalized call types
	text     map[string]bool
	keys     map[string]ctiSlot // lower-case key → slot
	nSlots   int
	// names are the keys of the slots, as reject reasons spell them.
	names []string
	// contextSlots are the slots of m.ContextDevices.
	contextSlots []ctiSlot
	// keyFilter has, for each key length, a bit for the first letter of
	// every key of that length in keys, so that most keys a reader does
	// not use are passed over without a map look-up.
	keyFilter [maxKeyLen + 1]uint32
}

// maxKeyLen is the longest key the reader uses.
const maxKeyLen = 64

func keyLetterBit(c byte) uint32 {
	c |= 0x20 // lower case; '_' becomes 0x7f
	if c >= 'a' && c <= 'z' {
		return 1 << (c - 'a')
	}
	return 1 << 31
}

// mayBeKey reports whether key may be one of keys: false means surely not.
func (r *ctiRules) mayBeKey(key []byte) bool {
	return len(key) <= maxKeyLen && len(key) > 0 && r.keyFilter[len(key)]&keyLetterBit(key[0]) != 0
}

// ctiKind says what a message type is.
type ctiKind uint8

const (
	kindOther ctiKind = iota
	kindAgentState
	kindCallOp
	kindCallEnd
	kindConnEnd
)

type ctiCallOp struct {
	op      int
	devices []ctiSlot
}

// ctiSlot names a field the reader uses; slotNone marks keys it ignores.
type ctiSlot uint8

const (
	slotNone ctiSlot = iota
	slotCustomer
	slotECC
	slotAgentState
	slotReason
	slotAgentID
	slotExtension
	slotConnCallID
	slotCallID
	slotNewCallID
	slotNewDevice
	slotCallType
	slotEventCause
	slotMedia
	slotFirstDevice // device fields of the mapping follow
)

const agentStateEvent = "AGENT_STATE_EVENT"

func compileCTI(m CTIMapping) (*ctiRules, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	r := &ctiRules{
		m:        m,
		states:   make(map[string]int, len(m.AgentStates)),
		kinds:    map[string]ctiKind{agentStateEvent: kindAgentState},
		callOps:  make(map[string]ctiCallOp, len(m.CallEvents)),
		outbound: make(map[string]bool, len(m.OutboundCallTypes)),
		text:     make(map[string]bool, len(m.TextCallTypes)),
		keys: map[string]ctiSlot{
			"expandedcallcontxt":    slotECC,
			"agentstate":            slotAgentState,
			"eventreasoncode":       slotReason,
			"agentid":               slotAgentID,
			"agentextension":        slotExtension,
			"connectioncallid":      slotConnCallID,
			"callid":                slotCallID,
			"newconnectioncallid":   slotNewCallID,
			"newconnectiondeviceid": slotNewDevice,
			"calltype":              slotCallType,
			"eventcause":            slotEventCause,
		},
	}
	for k, op := range m.AgentStates {
		r.states[normState([]byte(k))] = op
	}
	r.names = []string{
		slotAgentState: "AgentState", slotReason: "EventReasonCode", slotAgentID: "AgentID",
		slotExtension: "AgentExtension", slotConnCallID: "ConnectionCallID", slotCallID: "CallID",
		slotNewCallID: "NewConnectionCallID", slotNewDevice: "NewConnectionDeviceID",
		slotCallType: "CallType", slotEventCause: "EventCause", slotMedia: m.MediaField,
	}
	next := slotFirstDevice
	device := func(name string) ctiSlot {
		k := strings.ToLower(name)
		if s, ok := r.keys[k]; ok {
			return s
		}
		s := next
		next++
		r.keys[k] = s
		r.names = append(r.names, name)
		return s
	}
	for _, d := range m.ContextDevices {
		r.contextSlots = append(r.contextSlots, device(d))
	}
	for t, ce := range m.CallEvents {
		op := ctiCallOp{op: ce.OpType}
		for _, d := range ce.Devices {
			op.devices = append(op.devices, device(d))
		}
		nt := strings.ToUpper(t)
		r.callOps[nt] = op
		r.kinds[nt] = kindCallOp
	}
	for _, t := range m.CallEndEvents {
		r.kinds[strings.ToUpper(t)] = kindCallEnd
	}
	for _, t := range m.ConnectionEndEvents {
		r.kinds[strings.ToUpper(t)] = kindConnEnd
	}
	if int(next) > 250 {
		return nil, fmt.Errorf("%w: too many device fields", ErrCTIMapping)
	}
	if m.MediaField != "" {
		r.keys[strings.ToLower(m.MediaField)] = slotMedia
	}
	for _, k := range m.CustomerFields {
		r.keys[strings.ToLower(k)] = slotCustomer
	}
	for _, ct := range m.OutboundCallTypes {
		r.outbound[normCallType([]byte(ct))] = true
	}
	for _, ct := range m.TextCallTypes {
		r.text[normCallType([]byte(ct))] = true
	}
	for k := range r.keys {
		if len(k) > maxKeyLen {
			return nil, fmt.Errorf("%w: key %q longer than %d bytes", ErrCTIMapping, k, maxKeyLen)
		}
		r.keyFilter[len(k)] |= keyLetterBit(k[0])
	}
	r.nSlots = int(next)
	return r, nil
}

// stateOp maps an agent state's operation type and reason code to the
// event's type and cause.
func (r *ctiRules) stateOp(op, code int) (int, int) {
	m := &r.m
	switch op {
	case billing.OpLogout:
		if c, ok := m.LogoutCauses[code]; ok {
			return op, c
		}
		if m.ClientLogoutCodes.Contains(code) {
			return op, code
		}
		return op, m.DefaultLogoutCause
	case billing.OpBusy:
		if c, ok := m.BusyCauses[code]; ok {
			return op, c
		}
		if code >= 1 && code < m.SystemReasonMin {
			return m.RestOpType, code
		}
		return op, m.DefaultBusyCause
	case m.RestOpType:
		if code < 0 || code > billing.USNoUse {
			return op, billing.USNoUse
		}
		return op, code
	case billing.OpWork:
		return op, m.WorkCause
	}
	return op, billing.USNoUse
}
