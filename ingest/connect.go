package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

// FormatConnect is an Amazon Connect agent event stream (SPEC §1.4).
const FormatConnect Format = "connect"

// connectSource registers the Amazon Connect reader (see sources).
var connectSource = Source{Format: FormatConnect, Read: readConnect, Detect: detectConnect, Quote: quoteConnect}

// ConnectSkipHeartbeat is the kind of the HEART_BEAT records a Connect
// reader skips (Handler.Skip).
const ConnectSkipHeartbeat = "heartbeat"

// NoteCustomStatus is the kind of note (Handler.Note) a Connect reader
// makes of each status that connect.statuses does not list: a site's own
// status (Lunch, Training ...), which becomes rest (type 26) with cause 0.
const NoteCustomStatus = "custom status"

// Reject reasons of the Connect reader.
var (
	// ErrTruncatedRecord is a record that the end of its line or of the
	// input cut short.
	ErrTruncatedRecord = errors.New("truncated record")
	// ErrUnknownEventType is an EventType other than LOGIN, LOGOUT,
	// STATE_CHANGE and HEART_BEAT.
	ErrUnknownEventType = errors.New("unknown event type")
)

// ConnectMapping says how the agent statuses of an Amazon Connect stream
// become operations. It is data, set in config under the key connect.
type ConnectMapping struct {
	// Statuses maps an agent status name (AgentStatus.Name, matched in any
	// letter case) to [op_type] or [op_type, op_cause]; without a cause the
	// cause is US_NO_USE. A status not listed is a site's own: rest (26)
	// with cause 0, counted by name in the manifest.
	Statuses map[string][]int `mapstructure:"statuses"`
}

// DefaultConnectMapping returns the mapping of SPEC §1.4: Available is
// idle (2), Offline is busy (3) with cause 1.
func DefaultConnectMapping() ConnectMapping {
	return ConnectMapping{Statuses: map[string][]int{
		"Available": {billing.OpIdle},
		"Offline":   {billing.OpBusy, 1},
	}}
}

// Validate checks that every status maps to a known operation type and,
// when given, a cause of 0..65535.
func (m ConnectMapping) Validate() error {
	var errs []error
	names := make([]string, 0, len(m.Statuses))
	for name := range m.Statuses {
		names = append(names, name)
	}
	slices.Sort(names)
	seen := map[string]string{}
	for _, name := range names {
		v := m.Statuses[name]
		key := "statuses." + name
		switch {
		case strings.TrimSpace(name) == "":
			errs = append(errs, fmt.Errorf("statuses: an empty status name"))
		case len(v) < 1 || len(v) > 2:
			errs = append(errs, fmt.Errorf("%s: give [op_type] or [op_type, op_cause], not %v", key, v))
		case !billing.Known(v[0]):
			errs = append(errs, fmt.Errorf("%s: %d is not an operation type of the seed table", key, v[0]))
		case len(v) == 2 && (v[1] < 0 || v[1] > billing.USNoUse):
			errs = append(errs, fmt.Errorf("%s: cause %d is outside 0..65535", key, v[1]))
		}
		lower := strings.ToLower(name)
		if other, ok := seen[lower]; ok {
			errs = append(errs, fmt.Errorf("%s: the same status as %s (names match in any letter case)", key, other))
		}
		seen[lower] = name
	}
	return errors.Join(errs...)
}

// connectOp is an operation a status maps to.
type connectOp struct{ op, cause int }

// statusTable is the mapping's statuses by lower-case name.
func (m ConnectMapping) statusTable() map[string]connectOp {
	t := make(map[string]connectOp, len(m.Statuses))
	for name, v := range m.Statuses {
		if len(v) == 0 {
			continue
		}
		op := connectOp{op: v[0], cause: billing.USNoUse}
		if len(v) > 1 {
			op.cause = v[1]
		}
		t[strings.ToLower(name)] = op
	}
	return t
}

// detectConnect reports whether an input (not a .csv file) opens with a
// JSON object and names EventType and AgentARN in its first bytes.
func detectConnect(ext string, head []byte) bool {
	return ext != ".csv" && firstContentByte(head) == '{' &&
		bytes.Contains(head, []byte(`"EventType"`)) && bytes.Contains(head, []byte(`"AgentARN"`))
}

// readConnect reads a Connect stream with the site's mapping (the default
// one when Options has none).
func readConnect(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error) {
	m := DefaultConnectMapping()
	if opts.Connect != nil {
		m = *opts.Connect
	}
	return ReadConnect(ctx, r, name, opts, m, h)
}

// ReadConnect reads an Amazon Connect agent event stream (SPEC §1.4): JSON
// objects one per line, as Kinesis consumers write them, or one after
// another with no separator, as Firehose stores them. A record is on one
// line: a line break inside an object cuts it short (ErrTruncatedRecord),
// and the next line is read on. Records are placed by line number, or, in
// a stream whose first line holds more than one record (concatenated), by
// the byte offset of their first byte in the decompressed stream: that is
// their Source.Line and the line of their rejects.
//
// HEART_BEAT records are skipped (ConnectSkipHeartbeat). LOGIN is type 1,
// LOGOUT type 0 with cause 258, and a STATE_CHANGE gives, at its time, a
// hold left (39), its main state, and a hold entered (38), as SPEC §1.4
// says. A record gives as many records to Stats.Records as it hands on
// events (one to three), or one when it is skipped or rejected, so that
// every record is counted once. A status that m does not list becomes rest
// (26, cause 0) and is noted by name (NoteCustomStatus).
//
// Only the fields SPEC §1.4 lists are read. A reject's raw text is the
// record with the value of every other field (agents' names, hierarchy,
// routing profile, queues ...) written as "***".
func ReadConnect(ctx context.Context, r io.Reader, name string, opts Options, m ConnectMapping, h Handler) (Stats, error) {
	c := &connectReader{
		name:     name,
		h:        h,
		statuses: m.statusTable(),
		tp:       newTimeParser(opts.location()),
		ctp:      newTimeParser(opts.location()),
		agents:   newInterner(maxAgents),
		strs:     newInterner(maxInterned),
	}
	s := newConnectStream(r, opts.maxLine())
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return c.st, err
			}
		}
		ch, err := s.next()
		if err == io.EOF {
			return c.st, nil
		}
		if err != nil {
			return c.st, fmt.Errorf("read %s: %w", name, err)
		}
		if err := c.chunk(&ch); err != nil {
			return c.st, err
		}
	}
}

// connectReader turns the chunks of a stream into events, skips and
// rejects.
type connectReader struct {
	name     string
	h        Handler
	st       Stats
	statuses map[string]connectOp
	p        connectParser
	tp, ctp  timeParser // event times; contact times
	agents   interner
	strs     interner
	lower    []byte
	mask     []byte
}

// chunk hands on what one chunk of the stream is.
func (c *connectReader) chunk(ch *connectChunk) error {
	switch ch.kind {
	case chunkJunk:
		return c.reject(ch, []byte("***"), ErrNotObject.Error())
	case chunkTooLong:
		return c.reject(ch, nil, fmt.Sprintf("record longer than %d bytes", ch.max))
	case chunkTruncated:
		return c.reject(ch, nil, ErrTruncatedRecord.Error())
	}
	if !utf8.Valid(ch.data) {
		return c.reject(ch, nil, ErrInvalidUTF8.Error())
	}
	rec, err := c.p.parse(ch.data)
	if err != nil {
		return c.reject(ch, nil, err.Error())
	}
	return c.record(ch, rec)
}

// reject rejects the chunk with its text masked (or raw, when given).
func (c *connectReader) reject(ch *connectChunk, raw []byte, reason string) error {
	c.st.Records++
	if c.h.Reject == nil {
		return nil
	}
	if raw == nil {
		c.mask = maskConnect(c.mask[:0], ch.data)
		raw = c.mask
		if ch.kind == chunkTooLong {
			raw = append(raw, "…"...)
		}
	}
	return c.h.Reject(NewReject(c.name, ch.pos, raw, reason))
}

// The event types of a Connect stream.
const (
	connectLogin       = "LOGIN"
	connectLogout      = "LOGOUT"
	connectStateChange = "STATE_CHANGE"
	connectHeartBeat   = "HEART_BEAT"
)

// connectLogoutCause is the cause of a LOGOUT: the agent logged out.
const connectLogoutCause = 258

// record hands on the events of a parsed record.
func (c *connectReader) record(ch *connectChunk, rec *connectRecord) error {
	switch {
	case !rec.eventType.ok:
		return c.reject(ch, nil, "EventType: "+ErrMissing.Error())
	case !rec.timestamp.ok:
		return c.reject(ch, nil, "EventTimestamp: "+ErrMissing.Error())
	}
	var kind string
	switch {
	case asciiEqualFold(rec.eventType.v, connectHeartBeat):
		kind = connectHeartBeat
	case asciiEqualFold(rec.eventType.v, connectLogin):
		kind = connectLogin
	case asciiEqualFold(rec.eventType.v, connectLogout):
		kind = connectLogout
	case asciiEqualFold(rec.eventType.v, connectStateChange):
		kind = connectStateChange
	default:
		return c.reject(ch, nil, fmt.Sprintf("EventType: %v %s", ErrUnknownEventType, quoteValue(rec.eventType.v)))
	}
	t, err := c.tp.parse(rec.timestamp.v)
	if err != nil {
		return c.reject(ch, nil, fmt.Sprintf("EventTimestamp: %v: %s", err, quoteValue(rec.timestamp.v)))
	}
	if kind == connectHeartBeat {
		c.st.Records++
		if c.h.Skip != nil {
			c.h.Skip(ConnectSkipHeartbeat)
		}
		return nil
	}
	if kind == connectStateChange && !rec.cur.present {
		return c.reject(ch, nil, "CurrentAgentSnapshot: "+ErrMissing.Error())
	}
	agentField, agent := "Configuration.Username", rec.cur.username.v
	if len(agent) == 0 {
		agentField, agent = "AgentARN", rec.arn.v
		if i := bytes.LastIndexByte(agent, '/'); i >= 0 {
			agent = agent[i+1:]
		}
	}
	if len(agent) == 0 {
		return c.reject(ch, nil, "AgentARN: "+ErrMissing.Error())
	}
	if err := checkIdentifier(agentField, agent); err != nil {
		return c.reject(ch, nil, err.Error())
	}
	ev := billing.Event{
		Time:     t,
		AgentID:  c.agents.get(agent),
		OpObject: billing.USNoUse,
		OpCause:  billing.USNoUse,
		Source:   billing.Source{File: c.name, Line: ch.pos},
	}
	switch kind {
	case connectLogin:
		ev.OpType = billing.OpLogin
		return c.emit(&ev)
	case connectLogout:
		ev.OpType, ev.OpCause = billing.OpLogout, connectLogoutCause
		return c.emit(&ev)
	}
	return c.stateChange(ch, rec, ev)
}

// The rows of SPEC §1.4's main-state table that contacts decide, in order,
// and the contact states of each.
const (
	rowConnected = iota // CONNECTED, CONNECTED_ONHOLD
	rowEnded            // ENDED: after-contact work
	rowRinging          // INCOMING, PENDING, CONNECTING
	rowMissed           // MISSED, REJECTED, ERROR
	contactRows
	rowNone = -1 // a state that decides nothing
)

// contactRow is the row a contact state belongs to, and whether it is on
// hold.
func contactRow(state []byte) (row int, onHold bool) {
	switch {
	case asciiEqualFold(state, "CONNECTED"):
		return rowConnected, false
	case asciiEqualFold(state, "CONNECTED_ONHOLD"):
		return rowConnected, true
	case asciiEqualFold(state, "ENDED"):
		return rowEnded, false
	case asciiEqualFold(state, "INCOMING"), asciiEqualFold(state, "PENDING"), asciiEqualFold(state, "CONNECTING"):
		return rowRinging, false
	case asciiEqualFold(state, "MISSED"), asciiEqualFold(state, "REJECTED"), asciiEqualFold(state, "ERROR"):
		return rowMissed, false
	}
	return rowNone, false
}

// rowOps are the operation and cause of each contact row.
var rowOps = [contactRows]connectOp{
	rowConnected: {billing.OpConversation, billing.USNoUse},
	rowEnded:     {billing.OpWork, 0},
	rowRinging:   {5, billing.USNoUse},
	rowMissed:    {billing.OpBusy, 2},
}

// stateChange hands on the events of a STATE_CHANGE: a hold left, the main
// state, a hold entered.
func (c *connectReader) stateChange(ch *connectChunk, rec *connectRecord, ev billing.Event) error {
	cur, prev := &rec.cur, &rec.prev
	for i := range cur.contacts {
		if err := checkIdentifier("ContactId", cur.contacts[i].id.v); err != nil {
			return c.reject(ch, nil, err.Error())
		}
	}
	for i := range prev.contacts {
		if err := checkIdentifier("ContactId", prev.contacts[i].id.v); err != nil {
			return c.reject(ch, nil, err.Error())
		}
	}
	curHold, prevHold := c.first(cur, rowConnected, true), c.first(prev, rowConnected, true)
	var events [3]billing.Event
	n := 0
	if prevHold != nil && curHold == nil {
		events[n] = ev
		events[n].OpType = billing.OpHold + 1 // 39: retrieve
		c.contactAttrs(&events[n], prevHold)
		n++
	}
	main := ev
	var custom []byte
	decided := false
	for row := range contactRows {
		if k := c.first(cur, row, false); k != nil {
			main.OpType, main.OpCause = rowOps[row].op, rowOps[row].cause
			c.contactAttrs(&main, k)
			decided = true
			break
		}
	}
	if !decided {
		name := cur.status.v
		if err := checkIdentifier("AgentStatus.Name", name); err != nil {
			return c.reject(ch, nil, err.Error())
		}
		c.lower = appendLower(c.lower[:0], name)
		if op, ok := c.statuses[string(c.lower)]; ok {
			main.OpType, main.OpCause = op.op, op.cause
		} else {
			main.OpType, main.OpCause = billing.OpRest, 0
			custom = name
			if !cur.status.ok {
				custom = []byte("(none)")
			}
		}
	}
	events[n] = main
	n++
	if curHold != nil && prevHold == nil {
		events[n] = ev
		events[n].OpType = billing.OpHold
		c.contactAttrs(&events[n], curHold)
		n++
	}
	for i := range n {
		if err := c.emit(&events[i]); err != nil {
			return err
		}
	}
	if custom != nil && c.h.Note != nil {
		c.h.Note(NoteCustomStatus, c.strs.get(custom))
	}
	return nil
}

// first is the contact of the snapshot in the states of row (only those
// on hold, with onHold) that came first: by ConnectedToAgentTimestamp,
// else StateStartTimestamp (a contact with neither comes last), ties by
// ContactId; nil when there is none.
func (c *connectReader) first(s *connectSnapshot, row int, onHold bool) *connectContact {
	var best *connectContact
	for i := range s.contacts {
		k := &s.contacts[i]
		r, hold := contactRow(k.state.v)
		if r != row || onHold && !hold {
			continue
		}
		if best == nil {
			best = k
			continue
		}
		if c.before(k, best) {
			best = k
		}
	}
	return best
}

// before reports whether contact a came before b.
func (c *connectReader) before(a, b *connectContact) bool {
	ta, oka := c.contactTime(a)
	tb, okb := c.contactTime(b)
	switch {
	case oka && okb && !ta.Equal(tb):
		return ta.Before(tb)
	case oka != okb:
		return oka
	}
	return bytes.Compare(a.id.v, b.id.v) < 0
}

// contactTime is when a contact reached its state: ConnectedToAgentTimestamp,
// else StateStartTimestamp; ok is false when neither reads as a time.
func (c *connectReader) contactTime(k *connectContact) (time.Time, bool) {
	if k.connected.ok {
		if t, err := c.ctp.parse(k.connected.v); err == nil {
			return t, true
		}
	}
	if k.stateStart.ok {
		if t, err := c.ctp.parse(k.stateStart.v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// contactAttrs puts the contact's id, media and direction on ev.
func (c *connectReader) contactAttrs(ev *billing.Event, k *connectContact) {
	if len(k.id.v) > 0 {
		ev.CallID = c.strs.get(k.id.v)
	}
	switch ch := k.channel.v; {
	case asciiEqualFold(ch, "VOICE"):
		ev.MediaType = MediaVoice
	case asciiEqualFold(ch, "CHAT"), asciiEqualFold(ch, "TASK"), asciiEqualFold(ch, "EMAIL"):
		ev.MediaType = MediaText
	}
	ev.CallInOut = CallInbound
	if asciiEqualFold(k.method.v, "OUTBOUND") {
		ev.CallInOut = CallOutbound
	}
}

func (c *connectReader) emit(ev *billing.Event) error {
	c.st.Records++
	if c.h.Event == nil {
		return nil
	}
	return c.h.Event(ev)
}

// asciiEqualFold reports whether b is s (upper-case ASCII) in any letter
// case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// appendLower appends b in lower case (ASCII letters only) to dst.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// quoteConnect gives the masked text of the records at the given
// positions of a stream (see ReadConnect), for rejects found after
// reading.
func quoteConnect(r io.Reader, positions []int64) (map[int64]string, error) {
	want := map[int64]bool{}
	for _, p := range positions {
		want[p] = true
	}
	out := make(map[int64]string, len(want))
	s := newConnectStream(r, DefaultMaxLineBytes)
	var mask []byte
	for len(out) < len(want) {
		ch, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if !want[ch.pos] {
			continue
		}
		if _, done := out[ch.pos]; done {
			continue
		}
		if ch.kind == chunkJunk {
			out[ch.pos] = "***"
			continue
		}
		mask = maskConnect(mask[:0], ch.data)
		out[ch.pos] = NewReject("", 0, mask, "").Raw
	}
	return out, nil
}
