package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

// Reject reasons of the CTI reader.
var (
	ErrNoTimestamp           = errors.New("no timestamp")
	ErrBadTimestamp          = errors.New("bad timestamp")
	ErrUnknownDevice         = errors.New("unknown device")
	ErrUnsupportedAgentState = errors.New("unsupported agent state")
)

// The kinds of CTI records a reader skips (Handler.Skip).
const (
	// CTISkipProse is a line of text with no Key: Value pair, or one that
	// starts with text before its first pair.
	CTISkipProse = "prose"
	// CTISkipOrphanFields is a line of pairs that belongs to no message:
	// before the first MsgType, or after prose ended the message.
	CTISkipOrphanFields = "orphan fields"
	// CTISkipCallContext is a call message that maps to no operation: it
	// only feeds the call context.
	CTISkipCallContext = "call context"
	// CTISkipOtherMessage is a message about neither an agent nor a call.
	CTISkipOtherMessage = "other message"
)

// CTI call directions and media as written on events.
const (
	CallInbound  = "inbound"
	CallOutbound = "outbound"
	MediaVoice   = "voice"
	MediaText    = "text"
)

// scrubMark replaces customer data in a reject's raw text.
const scrubMark = "***"

// ReadCTI reads Cisco UCCX CTI text (SPEC §1.2) and hands each message on
// through h, mapped by m.
//
// Framing: a message begins at a MsgType: key, anywhere on a line (text
// before it is prose). It takes the Key: Value pairs after it on that line
// and on the following lines that begin with a pair (after an optional
// timestamp). It ends at the next MsgType:, at a line that does not begin
// with a pair (prose, including a "-" separator), or at the end of the
// input. Blank lines are neither records nor ends. Pairs after the key
// ExpandedCallContxt are call variables: customer data, never read (except
// m.MediaField) nor written.
//
// Records: every message, every prose line and every line of fields with no
// message is one record (Stats.Records), and becomes exactly one of an
// event, a reject or a skip. A line over the limit that starts or continues
// a message makes the message a reject; any other such line is a reject of
// its own. A message is rejected when a field the reader uses (AgentID,
// AgentExtension, the call ids and devices, the enums) holds a control
// character, tab included (ErrControlChar, naming the key).
//
// Memory stays proportional to the devices, agents and open calls seen:
// a call's context is forgotten when it ends (m.CallEndEvents), and a call
// that never ends is forgotten after some 65536 newer calls.
func ReadCTI(ctx context.Context, r io.Reader, name string, opts Options, m CTIMapping, h Handler) (Stats, error) {
	rules, err := compileCTI(m)
	if err != nil {
		return Stats{}, err
	}
	c := newCTIReader(name, opts, rules, h)
	lr := newLineReader(r, opts.maxLine())
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return c.st, err
			}
		}
		line, no, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return c.st, fmt.Errorf("read %s line %d: %w", name, no+1, err)
		}
		if err := c.line(line, no, tooLong); err != nil {
			return c.st, err
		}
	}
	if err := c.finishMsg(); err != nil {
		return c.st, err
	}
	return c.st, nil
}

// ctiReader holds what the reader knows between lines.
type ctiReader struct {
	name   string
	tp     timeParser
	maxMsg int
	rules  *ctiRules
	h      Handler
	st     Stats

	// The latest timestamp seen and its text, which later lines often
	// repeat.
	ts     time.Time
	hasTS  bool
	tsText []byte
	// badTS is set when the latest timestamp-shaped text was no valid time
	// (2026-13-01 00:00:00): messages until the next valid one are rejected.
	badTS bool

	msg      ctiMsg
	pairs    []ctiPair
	keySlots ctiKeySlots
	scratch  []byte
	rawBuf   []byte

	devices map[string]*ctiDevice
	agents  map[string]*ctiAgent
	calls   ctiCalls
}

// ctiMsg is the message being read. Its text is kept (lines joined by
// newlines) so that the fields can point into it and a reject can show it.
type ctiMsg struct {
	open    bool
	line    int64
	ts      time.Time
	hasTS   bool
	badTS   bool
	buf     []byte
	typ     ctiSpan
	fields  []ctiSpan // by slot
	scrub   []ctiSpan // customer values, in order
	inECC   bool
	tooLong bool
	badUTF8 bool
	ctl     bool // the text may hold a control character
}

type ctiSpan struct {
	s, e int
	ok   bool
}

// ctiPair is a Key: Value pair found on a line, as offsets into the line.
type ctiPair struct {
	ks, ke, vs, ve int
	msgType        bool
}

// ctiDevice is what the reader knows of a device (extension).
type ctiDevice struct {
	agent string // the agent last seen on it, or ""
	call  string // its current call, or ""
}

type ctiAgent struct {
	id     string
	device string // the extension the agent was last seen on
}

// ctiCall is the context of a call: its direction and media.
type ctiCall struct {
	outbound   bool
	textType   bool // its CallType is a text contact
	textMedia  bool // its media field says text
	mediaKnown bool
}

func (c *ctiCall) text() bool { return c.textType || c.textMedia }

// ctiCalls holds the open calls in two generations: when the newer holds
// ctiCallsPerGeneration calls it becomes the older and the older is
// dropped, so calls whose end was never logged do not pile up.
type ctiCalls struct {
	cur, old map[string]*ctiCall
}

const ctiCallsPerGeneration = 1 << 16

func (t *ctiCalls) get(id []byte) *ctiCall {
	if c := t.cur[string(id)]; c != nil {
		return c
	}
	if c := t.old[string(id)]; c != nil {
		delete(t.old, string(id))
		t.put(string(id), c)
		return c
	}
	return nil
}

// getString is get for an id held as a string.
func (t *ctiCalls) getString(id string) *ctiCall {
	if c := t.cur[id]; c != nil {
		return c
	}
	if c := t.old[id]; c != nil {
		delete(t.old, id)
		t.put(id, c)
		return c
	}
	return nil
}

func (t *ctiCalls) getOrCreate(id []byte) *ctiCall {
	if c := t.get(id); c != nil {
		return c
	}
	c := &ctiCall{}
	t.put(string(id), c)
	return c
}

func (t *ctiCalls) put(id string, c *ctiCall) {
	if len(t.cur) >= ctiCallsPerGeneration {
		t.old, t.cur = t.cur, make(map[string]*ctiCall)
	}
	t.cur[id] = c
}

func (t *ctiCalls) remove(id []byte) {
	delete(t.cur, string(id))
	delete(t.old, string(id))
}

func newCTIReader(name string, opts Options, rules *ctiRules, h Handler) *ctiReader {
	c := &ctiReader{
		name:    name,
		tp:      newTimeParser(opts.location()),
		maxMsg:  opts.maxLine(),
		rules:   rules,
		h:       h,
		devices: make(map[string]*ctiDevice),
		agents:  make(map[string]*ctiAgent),
		calls:   ctiCalls{cur: make(map[string]*ctiCall), old: map[string]*ctiCall{}},
	}
	c.msg.fields = make([]ctiSpan, rules.nSlots)
	return c
}

// line reads one input line.
func (c *ctiReader) line(line []byte, no int64, tooLong bool) error {
	tsEnd := c.timestamp(line)
	from := tsEnd
	for from < len(line) && isCTISpace(line[from]) {
		from++
	}
	if from == len(line) {
		return nil // blank
	}
	c.pairs = scanCTIPairs(line, from, c.pairs[:0])
	pairs := c.pairs
	startsWithPair := len(pairs) > 0 && pairs[0].ks == from
	first := -1
	for i := range pairs {
		if pairs[i].msgType {
			first = i
			break
		}
	}
	if first < 0 {
		switch {
		case startsWithPair && c.msg.open:
			c.addSegment(line, 0, len(line), pairs)
			if tooLong {
				c.msg.tooLong = true
			}
			return nil
		case tooLong:
			if err := c.finishMsg(); err != nil {
				return err
			}
			return c.reject(no, c.scrubLine(line, pairs), tooLongReason(c.maxMsg))
		case startsWithPair:
			c.skip(CTISkipOrphanFields)
			return nil
		default:
			if err := c.finishMsg(); err != nil {
				return err
			}
			c.skip(CTISkipProse)
			return nil
		}
	}
	if first > 0 && startsWithPair {
		// Pairs before the MsgType continue the open message, if any.
		if c.msg.open {
			c.addSegment(line, 0, pairs[first].ks, pairs[:first])
		} else {
			c.skip(CTISkipOrphanFields)
		}
	}
	for i := first; i < len(pairs); {
		j := i + 1
		for j < len(pairs) && !pairs[j].msgType {
			j++
		}
		end := len(line)
		if j < len(pairs) {
			end = pairs[j].ks
		}
		if err := c.finishMsg(); err != nil {
			return err
		}
		c.startMsg(line, tsEnd, no, pairs[i], end, pairs[i+1:j])
		i = j
	}
	if tooLong {
		c.msg.tooLong = true
	}
	return nil
}

// timestamp reads a timestamp at the start of line, if there is one, and
// returns where it ends (0 when there is none).
func (c *ctiReader) timestamp(line []byte) int {
	n := ctiTimestampLen(line)
	if n == 0 {
		return 0
	}
	if c.hasTS && bytes.Equal(line[:n], c.tsText) {
		return n
	}
	t, err := c.tp.parse(line[:n])
	if err != nil {
		c.ts, c.hasTS, c.badTS = time.Time{}, false, true
		c.tsText = c.tsText[:0]
		return n
	}
	c.ts, c.hasTS, c.badTS = t, true, false
	c.tsText = append(c.tsText[:0], line[:n]...)
	return n
}

// ctiTimestampLen returns the length of the timestamp that line begins
// with (YYYY-MM-DD hh:mm:ss, T or space, an optional fraction, an optional
// offset), or 0. ParseTime checks the values: text of this shape that is no
// valid time is a bad timestamp, which rejects the messages that take it.
func ctiTimestampLen(b []byte) int {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' {
		return 0
	}
	if sep := b[10]; sep != ' ' && sep != 'T' && sep != 't' {
		return 0
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if !isDigit(b[i]) {
			return 0
		}
	}
	n := 19
	if n+1 < len(b) && (b[n] == '.' || b[n] == ',') && isDigit(b[n+1]) {
		n++
		for n < len(b) && isDigit(b[n]) {
			n++
		}
	}
	if n < len(b) && (b[n] == 'Z' || b[n] == 'z') {
		n++
	} else if end := offsetEnd(b, n); end > 0 {
		n = end
	}
	if n < len(b) && !isCTISpace(b[n]) {
		return 0
	}
	return n
}

// offsetEnd returns where a ±hh[[:]mm] offset at b[i:] (after at most one
// space) ends, when one does and a blank or the end follows it, else 0.
func offsetEnd(b []byte, i int) int {
	if i < len(b) && b[i] == ' ' {
		i++
	}
	if i+3 > len(b) || (b[i] != '+' && b[i] != '-') || !isDigit(b[i+1]) || !isDigit(b[i+2]) {
		return 0
	}
	i += 3
	switch {
	case i+3 <= len(b) && b[i] == ':' && isDigit(b[i+1]) && isDigit(b[i+2]):
		i += 3
	case i+2 <= len(b) && isDigit(b[i]) && isDigit(b[i+1]):
		i += 2
	}
	if i < len(b) && !isCTISpace(b[i]) {
		return 0
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isCTISpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// scanCTIPairs finds the Key: Value pairs of b from offset from on. A key
// is an identifier (isCTIKey) at from or after a blank, followed at once by
// a colon. A value runs to the next key, its blanks trimmed; one that opens
// with '<' runs at least to the matching '>', so that <TotalBytes: 161> is
// a value. The value of MsgType is its first word, without a trailing
// colon (CALL_DELIVERED_EVENT:).
func scanCTIPairs(b []byte, from int, out []ctiPair) []ctiPair {
	n := len(b)
	i := from
	// next is where a key found while scanning a value starts, and nextEnd
	// where its colon is; -1 when not known.
	next, nextEnd := -1, 0
	for i < n {
		var ke int
		if i == next {
			ke = nextEnd
		} else {
			if ctiClass[b[i]]&classSpace != 0 {
				i++
				continue
			}
			var ok bool
			if ke, ok = ctiKeyAt(b, i, from); !ok {
				for i = ke; i < n && ctiClass[b[i]]&classSpace == 0; i++ {
				}
				continue
			}
		}
		p := ctiPair{ks: i, ke: ke}
		v := ke + 1
		for v < n && ctiClass[b[v]]&classSpace != 0 {
			v++
		}
		if isMsgTypeKey(b[i:ke]) {
			e := v
			for e < n && ctiClass[b[e]]&classSpace == 0 {
				e++
			}
			te := e
			for te > v && b[te-1] == ':' {
				te--
			}
			p.msgType = true
			p.vs, p.ve = v, te
			out = append(out, p)
			i = e
			continue
		}
		k := v
		if k < n && b[k] == '<' {
			depth := 0
			for ; k < n; k++ {
				if b[k] == '<' {
					depth++
				} else if b[k] == '>' {
					depth--
					if depth == 0 {
						k++
						break
					}
				}
			}
		}
		next = -1
		for k < n {
			if ctiClass[b[k]]&classSpace != 0 {
				k++
				continue
			}
			e, ok := ctiKeyAt(b, k, from)
			if ok {
				next, nextEnd = k, e
				break
			}
			for k = e; k < n && ctiClass[b[k]]&classSpace == 0; k++ {
			}
		}
		e := k
		for e > v && ctiClass[b[e-1]]&classSpace != 0 {
			e--
		}
		p.vs, p.ve = v, e
		out = append(out, p)
		i = k
	}
	return out
}

// Byte classes of CTI text.
const (
	classSpace = 1 << iota
	classKeyStart
	classKeyByte
)

var ctiClass = func() (t [256]uint8) {
	for c := range 256 {
		b := byte(c)
		if isCTISpace(b) {
			t[c] |= classSpace
		}
		if isKeyStart(b) {
			t[c] |= classKeyStart
		}
		if isKeyByte(b) {
			t[c] |= classKeyByte
		}
	}
	return t
}()

// ctiKeyAt reports whether a key starts at b[i] and where its colon is.
// When none does, it returns an index up to which b[i:] holds no blank, as
// far as it looked, so that the caller skips the rest of the word from
// there.
func ctiKeyAt(b []byte, i, from int) (int, bool) {
	if i > from && ctiClass[b[i-1]]&classSpace == 0 || ctiClass[b[i]]&classKeyStart == 0 {
		return i, false
	}
	j := i + 1
	for j < len(b) && ctiClass[b[j]]&classKeyByte != 0 {
		j++
	}
	if j < len(b) && b[j] == ':' {
		return j, true
	}
	return j, false
}

func isMsgTypeKey(k []byte) bool { return len(k) == 7 && bytes.EqualFold(k, []byte("MsgType")) }

// slotOf says which field a key is.
func (c *ctiReader) slotOf(key []byte) ctiSlot {
	if s, ok := c.keySlots.get(key); ok {
		return s
	}
	s := c.lookupSlot(key)
	c.keySlots.put(key, s)
	return s
}

// lookupSlot says which field a key is, from the rules.
func (c *ctiReader) lookupSlot(key []byte) ctiSlot {
	if !c.rules.mayBeKey(key) {
		return slotNone
	}
	c.scratch = c.scratch[:0]
	for _, ch := range key {
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		c.scratch = append(c.scratch, ch)
	}
	return c.rules.keys[string(c.scratch)]
}

// startMsg opens a message at the MsgType pair p of line; its text runs to
// end, and rest are its other pairs there.
func (c *ctiReader) startMsg(line []byte, tsEnd int, no int64, p ctiPair, end int, rest []ctiPair) {
	m := &c.msg
	m.open, m.line = true, no
	m.ts, m.hasTS, m.badTS = c.ts, c.hasTS, c.badTS
	m.buf, m.scrub = m.buf[:0], m.scrub[:0]
	m.inECC, m.tooLong, m.badUTF8, m.ctl = false, false, false, false
	clear(m.fields)
	if tsEnd > 0 {
		m.buf = append(m.buf, line[:tsEnd]...)
		m.buf = append(m.buf, ' ')
	}
	seg := line[p.ks:end]
	if len(m.buf)+len(seg) > c.maxMsg {
		m.tooLong = true
		return
	}
	base := len(m.buf) - p.ks
	m.buf = append(m.buf, seg...)
	ascii, ctl := scanText(seg)
	if !ascii && !utf8.Valid(seg) {
		m.badUTF8 = true
	}
	m.ctl = m.ctl || ctl
	m.typ = ctiSpan{p.vs + base, p.ve + base, true}
	for _, q := range rest {
		c.addPair(line, q, base)
	}
}

// addSegment adds line[a:b], holding pairs, to the open message.
func (c *ctiReader) addSegment(line []byte, a, b int, pairs []ctiPair) {
	m := &c.msg
	seg := line[a:b]
	if m.tooLong || len(m.buf)+1+len(seg) > c.maxMsg {
		m.tooLong = true
		return
	}
	m.buf = append(m.buf, '\n')
	base := len(m.buf) - a
	m.buf = append(m.buf, seg...)
	ascii, ctl := scanText(seg)
	if !ascii && !utf8.Valid(seg) {
		m.badUTF8 = true
	}
	m.ctl = m.ctl || ctl
	for _, p := range pairs {
		c.addPair(line, p, base)
	}
}

// addPair records a pair of line in the message, whose text holds the
// line's byte i at i+base.
func (c *ctiReader) addPair(line []byte, p ctiPair, base int) {
	m := &c.msg
	v := ctiSpan{p.vs + base, p.ve + base, true}
	slot := c.slotOf(line[p.ks:p.ke])
	if m.inECC || slot == slotCustomer || slot == slotECC {
		if v.e > v.s {
			m.scrub = append(m.scrub, v)
		}
		if slot == slotECC {
			m.inECC = true
		}
		if slot != slotMedia {
			return
		}
	}
	if slot != slotNone && slot != slotCustomer && !m.fields[slot].ok {
		m.fields[slot] = v
	}
}

// get returns the value of a field of the message, or nil.
func (c *ctiReader) get(slot ctiSlot) []byte {
	s := c.msg.fields[slot]
	if !s.ok || s.e <= s.s {
		return nil
	}
	return c.msg.buf[s.s:s.e]
}

// scrubbed returns the message's text with customer values masked.
func (c *ctiReader) scrubbed() []byte {
	m := &c.msg
	out := c.rawBuf[:0]
	prev := 0
	for _, s := range m.scrub {
		if s.s < prev {
			continue
		}
		out = append(out, m.buf[prev:s.s]...)
		out = append(out, scrubMark...)
		prev = s.e
	}
	out = append(out, m.buf[prev:]...)
	c.rawBuf = out
	return out
}

// scrubLine returns line with the values of its customer pairs masked.
func (c *ctiReader) scrubLine(line []byte, pairs []ctiPair) []byte {
	out := c.rawBuf[:0]
	prev, ecc := 0, false
	for _, p := range pairs {
		slot := c.slotOf(line[p.ks:p.ke])
		if ecc || slot == slotCustomer || slot == slotECC {
			out = append(out, line[prev:p.vs]...)
			out = append(out, scrubMark...)
			prev = p.ve
		}
		if slot == slotECC {
			ecc = true
		}
	}
	out = append(out, line[prev:]...)
	c.rawBuf = out
	return out
}

func (c *ctiReader) skip(kind string) {
	c.st.Records++
	if c.h.Skip != nil {
		c.h.Skip(kind)
	}
}

func (c *ctiReader) reject(line int64, raw []byte, reason string) error {
	c.st.Records++
	if c.h.Reject == nil {
		return nil
	}
	return c.h.Reject(NewReject(c.name, line, raw, reason))
}

func (c *ctiReader) rejectMsg(reason string) error {
	return c.reject(c.msg.line, c.scrubbed(), reason)
}

func (c *ctiReader) emit(ev *billing.Event) error {
	c.st.Records++
	if c.h.Event == nil {
		return nil
	}
	return c.h.Event(ev)
}

// finishMsg hands the open message on: each message becomes exactly one
// event, reject or skip. A rejected message changes nothing the reader
// knows (devices, calls).
func (c *ctiReader) finishMsg() error {
	m := &c.msg
	if !m.open {
		return nil
	}
	m.open = false
	switch {
	case m.tooLong:
		return c.rejectMsg(fmt.Sprintf("message longer than %d bytes", c.maxMsg))
	case m.badUTF8:
		return c.rejectMsg(ErrInvalidUTF8.Error())
	}
	typ := ctiTrim(m.buf[m.typ.s:m.typ.e])
	if len(typ) == 0 {
		return c.rejectMsg((&FieldError{Field: "MsgType", Err: ErrMissing}).Error())
	}
	if m.badTS {
		return c.rejectMsg(ErrBadTimestamp.Error())
	}
	if !m.hasTS {
		return c.rejectMsg(ErrNoTimestamp.Error())
	}
	if m.ctl {
		if err := c.checkFields(); err != nil {
			return c.rejectMsg(err.Error())
		}
	}
	up := c.upper(typ)
	switch kind := c.rules.kinds[string(up)]; kind {
	case kindAgentState:
		return c.agentState()
	case kindCallOp:
		return c.callOp(c.rules.callOps[string(up)])
	case kindCallEnd, kindConnEnd:
		id := c.callID()
		if len(id) > 0 {
			if kind == kindCallEnd {
				c.calls.remove(id)
			}
			for _, slot := range c.rules.contextSlots {
				if d := c.devices[string(c.get(slot))]; d != nil && d.call == string(id) {
					d.call = ""
				}
			}
		}
		c.skip(CTISkipCallContext)
		return nil
	default:
		if c.feedContext() {
			c.skip(CTISkipCallContext)
		} else {
			c.skip(CTISkipOtherMessage)
		}
		return nil
	}
}

// checkFields fails with a *FieldError when a field the reader uses (the
// agent, the call ids, the devices, the enums) holds a control character,
// tab included: such a value would make an agent, a call or a device of its
// own.
func (c *ctiReader) checkFields() error {
	for slot, s := range c.msg.fields {
		if !s.ok || s.e <= s.s {
			continue
		}
		if err := checkIdentifier(c.rules.names[slot], ctiTrim(c.msg.buf[s.s:s.e])); err != nil {
			return err
		}
	}
	return nil
}

// upper returns v in upper case, in scratch space.
func (c *ctiReader) upper(v []byte) []byte {
	c.scratch = c.scratch[:0]
	for _, ch := range v {
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		c.scratch = append(c.scratch, ch)
	}
	return c.scratch
}

// norm normalizes an enum value as normEnum does, in scratch space.
func (c *ctiReader) norm(v []byte, prefix string) []byte {
	v = ctiTrim(v)
	if n, ok := ctiAtoi(v); ok {
		c.scratch = strconv.AppendInt(c.scratch[:0], int64(n), 10)
		return c.scratch
	}
	up := c.upper(v)
	if len(up) > len(prefix) && string(up[:len(prefix)]) == prefix {
		up = up[len(prefix):]
	}
	return up
}

func (c *ctiReader) callID() []byte {
	if id := c.get(slotConnCallID); id != nil {
		return id
	}
	return c.get(slotCallID)
}

// device returns the entry of a device, creating it.
func (c *ctiReader) device(id []byte) *ctiDevice {
	if d := c.devices[string(id)]; d != nil {
		return d
	}
	d := &ctiDevice{}
	c.devices[string(id)] = d
	return d
}

// feedContext learns what a call message says about its call: its
// direction and media, and which devices it is now on. It reports whether
// the message named a call or a device.
func (c *ctiReader) feedContext() bool {
	id := c.callID()
	named := len(id) > 0
	var call *ctiCall
	if named {
		call = c.calls.getOrCreate(id)
		if ct := c.get(slotCallType); ct != nil {
			n := c.norm(ct, "CALLTYPE_")
			call.outbound = c.rules.outbound[string(n)]
			call.textType = c.rules.text[string(n)]
		}
		if mv := c.get(slotMedia); mv != nil {
			call.textMedia = isTextMedia(mv)
		}
	}
	newID := c.get(slotNewCallID)
	if named && newID != nil && !bytes.Equal(newID, id) {
		nc := c.calls.getOrCreate(newID)
		*nc = *call
		id = newID
	}
	for _, slot := range c.rules.contextSlots {
		dev := c.get(slot)
		if dev == nil {
			continue
		}
		named = true
		if len(id) > 0 {
			if d := c.device(dev); d.call != string(id) {
				d.call = string(id)
			}
		}
	}
	if dev := c.get(slotNewDevice); dev != nil && newID != nil {
		named = true
		if d := c.device(dev); d.call != string(newID) {
			d.call = string(newID)
		}
	}
	return named
}

func isTextMedia(v []byte) bool {
	v = ctiTrim(v)
	for _, t := range [...]string{"text", "chat", "email", "social"} {
		if bytes.EqualFold(v, []byte(t)) {
			return true
		}
	}
	return false
}

// attachCall puts the context of the device's current call on ev.
func (c *ctiReader) attachCall(ev *billing.Event, device string) {
	d := c.devices[device]
	if d == nil || d.call == "" {
		return
	}
	call := c.calls.getString(d.call)
	if call == nil {
		return
	}
	ev.CallID = d.call
	ev.CallInOut = direction(call)
	if call.text() {
		ev.MediaType = MediaText
	} else {
		ev.MediaType = MediaVoice
	}
}

func direction(call *ctiCall) string {
	if call.outbound {
		return CallOutbound
	}
	return CallInbound
}

// agentState maps an AGENT_STATE_EVENT.
func (c *ctiReader) agentState() error {
	agent := c.get(slotAgentID)
	if len(agent) == 0 {
		return c.rejectMsg((&FieldError{Field: "AgentID", Err: ErrMissing}).Error())
	}
	state := c.get(slotAgentState)
	if len(state) == 0 {
		return c.rejectMsg((&FieldError{Field: "AgentState", Err: ErrMissing}).Error())
	}
	op, ok := c.rules.states[string(c.norm(state, "AGENT_STATE_"))]
	if !ok || op < 0 {
		return c.rejectMsg(ErrUnsupportedAgentState.Error())
	}
	code, hasCode := ctiAtoi(ctiTrim(c.get(slotReason)))
	op, cause := c.rules.stateOp(op, code)

	a := c.agents[string(agent)]
	if a == nil {
		a = &ctiAgent{id: string(agent)}
		c.agents[a.id] = a
	}
	if ext := c.get(slotExtension); ext != nil {
		d := c.device(ext)
		d.agent = a.id
		if a.device != string(ext) {
			a.device = string(ext)
		}
	}

	ev := c.event(a.id, op, cause)
	if hasCode {
		ev.SourceCause, ev.HasSourceCause = int32(code), true
	}
	if billing.IsConversation(op) || op == billing.OpHold {
		c.attachCall(&ev, a.device)
		if op == billing.OpConversation && ev.MediaType == MediaText {
			ev.OpType = c.rules.m.TextTalkOpType
		}
		if billing.IsConversation(op) && ev.MediaType == "" {
			ev.MediaType = MediaVoice
		}
	}
	return c.emit(&ev)
}

// callOp maps a call message that is an operation of the agent on the
// device it names.
func (c *ctiReader) callOp(rule ctiCallOp) error {
	var d *ctiDevice
	for _, slot := range rule.devices {
		if dev := c.get(slot); dev != nil {
			d = c.devices[string(dev)]
			break
		}
	}
	if d == nil || d.agent == "" {
		return c.rejectMsg(ErrUnknownDevice.Error())
	}
	c.feedContext()
	ev := c.event(d.agent, rule.op, billing.USNoUse)
	if code, ok := ctiAtoi(ctiTrim(c.get(slotEventCause))); ok {
		ev.SourceCause, ev.HasSourceCause = int32(code), true
	}
	if id := c.callID(); id != nil {
		ev.CallID = string(id)
		if call := c.calls.get(id); call != nil {
			ev.CallInOut = direction(call)
			if call.text() {
				ev.MediaType = MediaText
			} else {
				ev.MediaType = MediaVoice
			}
		}
	}
	return c.emit(&ev)
}

func (c *ctiReader) event(agent string, op, cause int) billing.Event {
	return billing.Event{
		Time:     c.msg.ts,
		AgentID:  agent,
		OpType:   op,
		OpObject: billing.USNoUse,
		OpCause:  cause,
		Source:   billing.Source{File: c.name, Line: c.msg.line},
	}
}

func ctiTrim(v []byte) []byte {
	for len(v) > 0 && isCTISpace(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isCTISpace(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

// ctiKeySlots remembers the slot of each key as a file spells it: the keys
// of CTI text are a few dozen words, repeated on every line, and this look-up
// costs less than folding the key's case for a map of the rules.
type ctiKeySlots struct {
	table [ctiKeySlotsSize]ctiKeySlot
	n     int
}

// ctiKeySlotsSize is the size of the table, which holds at most half as
// many keys; past that, keys are looked up in the rules each time.
const ctiKeySlotsSize = 512

// ctiKeySlotLen is the longest key the table holds.
const ctiKeySlotLen = 30

type ctiKeySlot struct {
	n    uint8 // the key's length; 0 for an empty entry
	slot ctiSlot
	key  [ctiKeySlotLen]byte
}

// keyHash is a hash of a key of 1..ctiKeySlotLen bytes from its length and
// its first and last bytes, enough to tell a file's keys apart.
func keyHash(k []byte) uint32 {
	h := uint32(len(k))*0x9e3779b1 ^ uint32(k[0])<<16 ^ uint32(k[len(k)-1])<<8 ^ uint32(k[len(k)/2])
	h *= 0x85ebca6b
	return h ^ h>>15
}

func (t *ctiKeySlots) get(k []byte) (ctiSlot, bool) {
	if len(k) == 0 || len(k) > ctiKeySlotLen {
		return 0, false
	}
	for i := keyHash(k); ; i++ {
		e := &t.table[i%ctiKeySlotsSize]
		if e.n == 0 {
			return 0, false
		}
		if int(e.n) == len(k) && string(e.key[:len(k)]) == string(k) {
			return e.slot, true
		}
	}
}

func (t *ctiKeySlots) put(k []byte, s ctiSlot) {
	if len(k) == 0 || len(k) > ctiKeySlotLen || t.n >= ctiKeySlotsSize/2 {
		return
	}
	i := keyHash(k)
	for t.table[i%ctiKeySlotsSize].n != 0 {
		i++
	}
	e := &t.table[i%ctiKeySlotsSize]
	e.n, e.slot = uint8(len(k)), s
	copy(e.key[:], k)
	t.n++
}
