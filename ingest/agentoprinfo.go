package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

// AgentOprInfoColumns are the 21 columns of a Huawei agentOprInfo record,
// in file order. The file has no header row.
var AgentOprInfoColumns = [...]string{
	"id", "developer_id", "account_id", "agent_id", "service_no", "skill_id", "call_id",
	"begin_time", "end_time", "op_type", "op_object", "op_cause", "media_type", "vdn_id",
	"cc_id", "agent_type", "phone_no", "callIn_out", "location_id", "logon_sn", "skillInfo_sn",
}

// The columns by position.
const (
	aoiID = iota
	aoiDeveloperID
	aoiAccountID
	aoiAgentID
	aoiServiceNo
	aoiSkillID
	aoiCallID
	aoiBegin
	aoiEnd
	aoiOpType
	aoiOpObject
	aoiOpCause
	aoiMediaType
	aoiVDNID
	aoiCCID
	aoiAgentType
	aoiPhoneNo
	aoiCallInOut
	aoiLocationID
	aoiLogonSN
	aoiSkillInfoSN
	aoiColumns
)

// aoiStringColumn marks the columns that are copied as strings onto the
// bill: identifiers, which may hold no control character.
var aoiStringColumn = func() (m [aoiColumns]bool) {
	for i := range m {
		switch i {
		case aoiBegin, aoiEnd, aoiOpType, aoiOpObject, aoiOpCause, aoiLogonSN:
		default:
			m[i] = true
		}
	}
	return m
}()

// AgentOprInfoTimeLayout is how agentOprInfo writes times, on the site
// zone's clock.
const AgentOprInfoTimeLayout = "2006-01-02 15:04:05"

// Reject reasons and errors of the agentOprInfo reader and writer.
var (
	ErrBadQuoting       = errors.New("bad quoting")
	ErrLineBreakInValue = errors.New("value holds a line break")
	ErrBadNoUse         = errors.New("US_NO_USE marker must be -1 or 65535")
)

// ReadAgentOprInfo reads Huawei agentOprInfo CSV (SPEC §1.3): 21 columns,
// no header, one record a line; a field may be quoted CSV-style ("a,b",
// "say ""hi"""), as AgentOprInfoWriter writes values holding a comma, a
// quote or a CR. Each valid record becomes one bill through h.Bill, as it
// is: no state machine. A record that is not valid becomes a reject whose
// reason names the field, and the read goes on; a string column (every
// column but the times, numbers and logon_sn) holding a control character,
// tab included, is not valid (ErrControlChar). Blank lines are not records.
//
// Times are YYYY-MM-DD hh:mm:ss on the site zone's clock. op_object and
// op_cause take -1, 65535 or an empty field as US_NO_USE (stored as 65535).
// An empty logon_sn is 0 (no session known). The columns a bill has no
// place for (id, developer_id, account_id, service_no, skillInfo_sn) go to
// the bill's Origin, so that an imported bill exports unchanged.
func ReadAgentOprInfo(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error) {
	return readAOIRecords(ctx, newLineReader(r, opts.maxLine()), name, opts, h)
}

// readAOIRecords reads the lines of lr as ReadAgentOprInfo does.
func readAOIRecords(ctx context.Context, lr *lineReader, name string, opts Options, h Handler) (Stats, error) {
	var st Stats
	p := newAOIParser(opts)
	var b billing.Bill
	for n := 0; ; n++ {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		line, no, tooLong, err := lr.next()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return st, fmt.Errorf("read %s line %d: %w", name, no+1, err)
		}
		if !tooLong && len(ctiTrim(line)) == 0 {
			continue
		}
		st.Records++
		if tooLong {
			err = errors.New(tooLongReason(lr.max))
		} else {
			err = p.parse(line, &b)
		}
		if err != nil {
			if h.Reject != nil {
				if err := h.Reject(NewReject(name, no, line, err.Error())); err != nil {
					return st, err
				}
			}
			continue
		}
		b.Source = billing.Source{File: name, Line: no}
		switch {
		case p.deferIDs:
			b.ID = ""
		case p.borrowed:
			p.id = p.ids.Append(p.id[:0], &b)
			b.ID = borrow(p.id)
		default:
			b.AssignID()
		}
		if h.Bill != nil {
			if err := h.Bill(b); err != nil {
				return st, err
			}
		}
	}
}

// aoiParser turns agentOprInfo lines into bills. Like the events readers,
// it shares the strings of agents and of low-cardinality columns between
// bills, and makes the strings of the columns most records have their own
// values of (id, call_id, phone_no) with one allocation.
type aoiParser struct {
	sp     aoiSplitter
	tp     timeParser
	agents interner
	strs   interner
	last   [aoiColumns]string
	own    []byte
	// borrowed makes the strings point into the line (Options.Borrowed),
	// and the id into id.
	borrowed bool
	id       []byte
	ids      billing.Identifier
	deferIDs bool // Options.DeferBillIDs
}

func newAOIParser(opts Options) *aoiParser {
	return &aoiParser{tp: newTimeParser(opts.location()), agents: newInterner(maxAgents), strs: newInterner(maxInterned), borrowed: opts.Borrowed, deferIDs: opts.DeferBillIDs}
}

// intern returns the value of column col as a string shared with earlier
// bills.
func (p *aoiParser) intern(col int, v []byte) string {
	if p.borrowed {
		return borrow(v)
	}
	return p.strs.getAt(&p.last[col], v)
}

// parse reads one record into b, all but its Source and ID. On an error
// b is left in some state of its own.
func (p *aoiParser) parse(line []byte, b *billing.Bill) error {
	f, ascii, ctl, err := p.sp.split(line)
	if err != nil {
		return err
	}
	if len(f) != aoiColumns {
		return fieldErr("columns", "want %d, got %d", aoiColumns, len(f))
	}
	if !ascii && !utf8.Valid(line) {
		// Every field of a valid line is valid: the fields are the line
		// less commas and quotes.
		for i, v := range f {
			if !utf8.Valid(v) {
				return &FieldError{Field: AgentOprInfoColumns[i], Err: ErrInvalidUTF8}
			}
		}
	}
	if ctl {
		for i, v := range f {
			if aoiStringColumn[i] {
				if err := checkIdentifier(AgentOprInfoColumns[i], v); err != nil {
					return err
				}
			}
		}
	}
	for _, i := range [...]int{aoiID, aoiAgentID} {
		if len(f[i]) == 0 {
			return &FieldError{Field: AgentOprInfoColumns[i], Err: ErrMissing}
		}
	}
	begin, err := p.time(f[aoiBegin])
	if err != nil {
		return &FieldError{Field: "begin_time", Err: err}
	}
	end, err := p.time(f[aoiEnd])
	if err != nil {
		return &FieldError{Field: "end_time", Err: err}
	}
	if end.Before(begin) {
		return fieldErr("end_time", "before begin_time")
	}
	op, ok := ctiAtoi(ctiTrim(f[aoiOpType]))
	if !ok {
		return fieldErr("op_type", "not an integer: %s", quoteValue(f[aoiOpType]))
	}
	if !billing.Known(op) {
		return fieldErr("op_type", "unknown operation type %d", op)
	}
	obj, err := aoiUSField(f[aoiOpObject])
	if err != nil {
		return &FieldError{Field: "op_object", Err: err}
	}
	cause, err := aoiUSField(f[aoiOpCause])
	if err != nil {
		return &FieldError{Field: "op_cause", Err: err}
	}
	var logonSN int64
	if v := ctiTrim(f[aoiLogonSN]); len(v) > 0 {
		var ok bool
		if logonSN, ok = parseInt64(v); !ok {
			return fieldErr("logon_sn", "not an integer: %s", quoteValue(v))
		}
	}
	// Field by field rather than *b = billing.Bill{...}, which would build
	// the bill aside and copy it.
	*b = billing.Bill{}
	b.OpType, b.OpObject, b.OpCause = int32(op), int32(obj), int32(cause)
	b.Begin, b.End = begin, end
	b.LogonSN = logonSN
	switch v := f[aoiAgentID]; {
	case p.borrowed:
		b.AgentID = borrow(v)
	case len(v) > 0:
		b.AgentID = p.agents.get(v)
	}
	if p.borrowed {
		b.Origin.RecordID, b.CallID, b.PhoneNo = borrow(f[aoiID]), borrow(f[aoiCallID]), borrow(f[aoiPhoneNo])
	} else {
		p.own = append(append(append(p.own[:0], f[aoiID]...), f[aoiCallID]...), f[aoiPhoneNo]...)
		own := string(p.own)
		n0, n1 := len(f[aoiID]), len(f[aoiID])+len(f[aoiCallID])
		b.Origin.RecordID, b.CallID, b.PhoneNo = own[:n0], own[n0:n1], own[n1:]
	}
	b.MediaType = p.intern(aoiMediaType, f[aoiMediaType])
	b.SkillID = p.intern(aoiSkillID, f[aoiSkillID])
	b.VDNID = p.intern(aoiVDNID, f[aoiVDNID])
	b.CCID = p.intern(aoiCCID, f[aoiCCID])
	b.AgentType = p.intern(aoiAgentType, f[aoiAgentType])
	b.CallInOut = p.intern(aoiCallInOut, f[aoiCallInOut])
	b.LocationID = p.intern(aoiLocationID, f[aoiLocationID])
	b.Origin.DeveloperID = p.intern(aoiDeveloperID, f[aoiDeveloperID])
	b.Origin.AccountID = p.intern(aoiAccountID, f[aoiAccountID])
	b.Origin.ServiceNo = p.intern(aoiServiceNo, f[aoiServiceNo])
	b.Origin.SkillInfoSN = p.intern(aoiSkillInfoSN, f[aoiSkillInfoSN])
	return nil
}

// parseInt64 reads a decimal integer with an optional sign, as
// strconv.ParseInt(v, 10, 64) does.
func parseInt64(v []byte) (int64, bool) {
	neg := false
	if len(v) > 0 && (v[0] == '+' || v[0] == '-') {
		neg = v[0] == '-'
		v = v[1:]
	}
	if len(v) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	switch {
	case !neg && n > math.MaxInt64, neg && n > -math.MinInt64:
		return 0, false
	case neg:
		return -int64(n), true
	}
	return int64(n), true
}

// time reads YYYY-MM-DD hh:mm:ss on the site zone's clock.
func (p *aoiParser) time(v []byte) (time.Time, error) {
	v = ctiTrim(v)
	if len(v) == len(AgentOprInfoTimeLayout) && v[10] == ' ' {
		if t, err := p.tp.parse(v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: want YYYY-MM-DD hh:mm:ss", quoteValue(v))
}

// aoiUSField reads op_object or op_cause: -1, 65535 or empty mean
// US_NO_USE; otherwise 0..65535.
func aoiUSField(v []byte) (int, error) {
	v = ctiTrim(v)
	if len(v) == 0 {
		return billing.USNoUse, nil
	}
	n, ok := ctiAtoi(v)
	switch {
	case !ok:
		return 0, fmt.Errorf("not an integer: %s", quoteValue(v))
	case n == -1:
		return billing.USNoUse, nil
	case n < 0 || n > billing.USNoUse:
		return 0, fmt.Errorf("%d outside -1..65535", n)
	}
	return n, nil
}

// quoteValue quotes a field for an error, at most 40 bytes of it.
func quoteValue(v []byte) string {
	if len(v) > 40 {
		return strconv.Quote(string(v[:40])) + "…"
	}
	return strconv.Quote(string(v))
}

// aoiSplitter splits a line into CSV fields, reusing its buffers.
type aoiSplitter struct {
	buf    []byte
	spans  [][2]int
	fields [][]byte
	commas []int // scratch of splitCommas
}

// split returns the fields of line, valid until the next call, and reports
// whether the line is all ASCII and whether it may hold a control
// character (mayHoldControl). A field that starts with a quote runs to the
// closing quote, with "" standing for one quote, and must end there; a
// quote inside an unquoted field is kept as it is.
func (s *aoiSplitter) split(line []byte) (fields [][]byte, ascii, ctl bool, err error) {
	if bytes.IndexByte(line, '"') < 0 {
		// The common case: commas are all there is to find, and the
		// fields are parts of the line.
		s.fields, ascii, ctl = splitCommas(s.fields[:0], &s.commas, line, false)
		return s.fields, ascii, ctl, nil
	}
	s.buf, s.spans = s.buf[:0], s.spans[:0]
	i := 0
	for {
		start := len(s.buf)
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					return nil, false, false, fieldErr("columns", "%v: field %d: no closing quote", ErrBadQuoting, len(s.spans)+1)
				}
				s.buf = append(s.buf, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					s.buf = append(s.buf, '"')
					i++
					continue
				}
				break
			}
			if i < len(line) && line[i] != ',' {
				return nil, false, false, fieldErr("columns", "%v: field %d: text after the closing quote", ErrBadQuoting, len(s.spans)+1)
			}
		} else {
			end := len(line)
			if j := bytes.IndexByte(line[i:], ','); j >= 0 {
				end = i + j
			}
			s.buf = append(s.buf, line[i:end]...)
			i = end
		}
		s.spans = append(s.spans, [2]int{start, len(s.buf)})
		if i >= len(line) {
			break
		}
		i++ // the comma
	}
	s.fields = s.fields[:0]
	for _, sp := range s.spans {
		s.fields = append(s.fields, s.buf[sp[0]:sp[1]:sp[1]])
	}
	return s.fields, false, mayHoldControl(line), nil
}

// AgentOprInfoOptions says how AgentOprInfoWriter writes.
type AgentOprInfoOptions struct {
	// Location is the site zone, whose clock the times are written on;
	// nil means UTC.
	Location *time.Location
	// NoUse is the marker written for US_NO_USE in op_object and op_cause:
	// -1 or 65535. Zero means 65535.
	NoUse int
}

// Validate checks NoUse.
func (o AgentOprInfoOptions) Validate() error {
	switch o.NoUse {
	case 0, -1, billing.USNoUse:
		return nil
	}
	return fmt.Errorf("%w, not %d", ErrBadNoUse, o.NoUse)
}

// AgentOprInfoWriter writes bills as Huawei agentOprInfo CSV: the 21
// columns, no header. The id column is the bill's Origin.RecordID when it
// has one (an imported bill) and its ID otherwise. Times are written on the
// site zone's clock to the second (a fraction is dropped). A value holding
// a comma, a quote or a CR, or starting with a byte-order mark, is quoted
// CSV-style; one holding a line break
// cannot be written (ErrLineBreakInValue), since every record is one line.
// Reading back what it writes gives the same bills, for bills whose strings
// hold no control character (which no reader lets in).
type AgentOprInfoWriter struct {
	w     *bufio.Writer
	loc   *time.Location
	noUse int
	err   error
	row   []byte
}

// NewAgentOprInfoWriter returns a writer to w; call Flush when done. With
// options that do not validate, every Write fails.
func NewAgentOprInfoWriter(w io.Writer, opts AgentOprInfoOptions) *AgentOprInfoWriter {
	aw := &AgentOprInfoWriter{w: bufio.NewWriterSize(w, 64<<10), loc: time.UTC, noUse: billing.USNoUse}
	if opts.Location != nil {
		aw.loc = opts.Location
	}
	if opts.NoUse == -1 {
		aw.noUse = -1
	}
	aw.err = opts.Validate()
	return aw
}

// Write writes one bill as one record.
func (aw *AgentOprInfoWriter) Write(b *billing.Bill) error {
	if aw.err != nil {
		return aw.err
	}
	id := b.Origin.RecordID
	if id == "" {
		id = b.ID
	}
	row := aw.row[:0]
	var err error
	str := func(col int, s string) {
		if err != nil {
			return
		}
		if col > 0 {
			row = append(row, ',')
		}
		row, err = appendAOIField(row, s)
		if err != nil {
			err = fmt.Errorf("bill %s: %s: %w", b.ID, AgentOprInfoColumns[col], err)
		}
	}
	num := func(col int, v int64) {
		row = append(row, ',')
		row = strconv.AppendInt(row, v, 10)
	}
	us := func(col int, v int32) {
		if v == billing.USNoUse {
			num(col, int64(aw.noUse))
		} else {
			num(col, int64(v))
		}
	}
	tm := func(t time.Time) {
		row = append(row, ',')
		row = t.In(aw.loc).AppendFormat(row, AgentOprInfoTimeLayout)
	}
	str(aoiID, id)
	str(aoiDeveloperID, b.Origin.DeveloperID)
	str(aoiAccountID, b.Origin.AccountID)
	str(aoiAgentID, b.AgentID)
	str(aoiServiceNo, b.Origin.ServiceNo)
	str(aoiSkillID, b.SkillID)
	str(aoiCallID, b.CallID)
	tm(b.Begin)
	tm(b.End)
	num(aoiOpType, int64(b.OpType))
	us(aoiOpObject, b.OpObject)
	us(aoiOpCause, b.OpCause)
	str(aoiMediaType, b.MediaType)
	str(aoiVDNID, b.VDNID)
	str(aoiCCID, b.CCID)
	str(aoiAgentType, b.AgentType)
	str(aoiPhoneNo, b.PhoneNo)
	str(aoiCallInOut, b.CallInOut)
	str(aoiLocationID, b.LocationID)
	num(aoiLogonSN, b.LogonSN)
	str(aoiSkillInfoSN, b.Origin.SkillInfoSN)
	if err != nil {
		return err
	}
	row = append(row, '\n')
	aw.row = row
	_, err = aw.w.Write(row)
	return err
}

// Flush writes what is buffered to the underlying writer.
func (aw *AgentOprInfoWriter) Flush() error {
	if err := aw.w.Flush(); err != nil {
		return err
	}
	return aw.err
}

// appendAOIField appends s, quoted when it holds a comma, a quote or a CR,
// or starts with a byte-order mark (which a reader drops at the start of a
// file).
func appendAOIField(p []byte, s string) ([]byte, error) {
	needs := strings.HasPrefix(s, "\uFEFF")
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			return p, ErrLineBreakInValue
		case ',', '"', '\r':
			needs = true
		}
	}
	if !needs {
		return append(p, s...), nil
	}
	p = append(p, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			p = append(p, '"')
		}
		p = append(p, s[i])
	}
	return append(p, '"'), nil
}
