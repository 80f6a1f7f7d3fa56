package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/internal/linescan"
)

// evField is a column of the canonical events format (SPEC §1.1).
type evField uint8

// The fields of the canonical events format, in the order EventCSVWriter
// writes them. The first three are required.
const (
	fTime evField = iota
	fAgentID
	fOpType
	fOpObject
	fOpCause
	fCallID
	fMediaType
	fSkillID
	fVDNID
	fCCID
	fAgentType
	fPhoneNo
	fCallInOut
	fLocationID
	nFields
)

// eventFields are the names of the fields, as a CSV header or JSON keys
// spell them.
var eventFields = [nFields]string{
	"time", "agent_id", "op_type", "op_object", "op_cause",
	"call_id", "media_type", "skill_id", "vdn_id", "cc_id",
	"agent_type", "phone_no", "call_in_out", "location_id",
}

func (f evField) String() string { return eventFields[f] }

func (f evField) required() bool { return f <= fOpType }

var eventFieldByName = func() map[string]evField {
	m := make(map[string]evField, nFields)
	for f := range nFields {
		m[eventFields[f]] = f
	}
	return m
}()

// lookupEventField finds a field by its name in any letter case.
func lookupEventField(name []byte) (evField, bool) {
	var low [16]byte
	if len(name) > len(low) {
		return 0, false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	f, ok := eventFieldByName[string(low[:len(name)])]
	return f, ok
}

// Errors of the canonical events readers. ErrHeader wraps every file-level
// problem of a CSV header; the others are reject reasons.
var (
	ErrHeader            = errors.New("header")
	ErrUnterminatedQuote = errors.New("unterminated quote")
	ErrAfterQuote        = errors.New("text after a closing quote")
	ErrBareQuote         = errors.New(`bare " in an unquoted field`)
	ErrInvalidJSON       = errors.New("invalid JSON")
	ErrNotObject         = errors.New("want a JSON object")
	ErrUnknownKey        = errors.New("unknown key")
	ErrDuplicateKey      = errors.New("duplicate key")
	ErrLineBreak         = errors.New("contains a line break")
)

// evRecord holds the trimmed text of each field of one input record; an
// absent field is empty. The slices point into the line or a reader's
// scratch buffer and are valid until the next record.
type evRecord [nFields][]byte

// ctxCheckLines is how many lines a reader reads between looks at its
// context.
const ctxCheckLines = 4096

// maxInterned bounds the strings of the low-cardinality fields (media,
// skill, VDN ...) one read shares between events, and maxAgents those of
// the agents: a site's agents, tens of thousands, all fit, in a table of a
// few megabytes at most.
const (
	maxInterned = 1 << 14
	maxAgents   = 1 << 16
)

// eventBuilder turns records into events.
type eventBuilder struct {
	file string
	tp   timeParser
	// The strings of the agents and of low-cardinality fields (media,
	// skill, ...) are shared between events: fewer allocations, less
	// memory held by the bills downstream. last holds the latest string of
	// each low-cardinality field, which the next line often repeats; strs
	// holds the others, up to maxInterned of them, and agents up to
	// maxAgents agents (whose lines interleave: the latest seldom repeats).
	last   [nFields]string
	agents interner
	strs   interner
	own    []byte
	// borrowed makes the strings point into the record (Options.Borrowed).
	borrowed bool
}

func newEventBuilder(file string, opts Options) *eventBuilder {
	return &eventBuilder{file: file, tp: newTimeParser(opts.location()),
		agents: newInterner(maxAgents), strs: newInterner(maxInterned), borrowed: opts.Borrowed}
}

// agent returns v, an agent id, as a string shared with earlier events of
// the agent.
func (b *eventBuilder) agent(v []byte) string {
	switch {
	case len(v) == 0:
		return ""
	case b.borrowed:
		return borrow(v)
	}
	return b.agents.get(v)
}

// intern returns v, the text of low-cardinality field f, as a string
// shared with earlier events that had the same text.
func (b *eventBuilder) intern(f evField, v []byte) string {
	if b.borrowed {
		return borrow(v)
	}
	return b.strs.getAt(&b.last[f], v)
}

// pair makes strings of the two fields that most lines have their own
// values of, with one allocation.
func (b *eventBuilder) pair(x, y []byte) (string, string) {
	switch {
	case len(x)+len(y) == 0:
		return "", ""
	case b.borrowed:
		return borrow(x), borrow(y)
	}
	b.own = append(append(b.own[:0], x...), y...)
	s := string(b.own)
	return s[:len(x)], s[len(x):]
}

// borrow is v as a string that points into it, for Options.Borrowed.
func borrow(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	return unsafe.String(&v[0], len(v))
}

// build validates a record and makes it the event ev. The error is a
// *FieldError naming the first field in error, in field order; ev is then
// left as it was. ctl says that the record may hold a control character:
// its string fields are then checked for one (ErrControlChar).
func (b *eventBuilder) build(rec *evRecord, line int64, ev *billing.Event, ctl bool) error {
	v := rec[fTime]
	if len(v) == 0 {
		return &FieldError{Field: fTime.String(), Err: ErrMissing}
	}
	t, err := b.tp.parse(v)
	if err != nil {
		return fieldErr(fTime.String(), "%w, got %s", err, quoteShort(v))
	}
	if u := t.Unix(); u < minRFC3339Unix || u >= maxRFC3339Unix {
		// An offset moved it out of the years RFC 3339 can write.
		return fieldErr(fTime.String(), "%s is outside the years 0001..9999 in UTC", v)
	}
	if len(rec[fAgentID]) == 0 {
		return &FieldError{Field: fAgentID.String(), Err: ErrMissing}
	}
	if ctl {
		if err := checkIdentifier(fAgentID.String(), rec[fAgentID]); err != nil {
			return err
		}
	}
	v = rec[fOpType]
	if len(v) == 0 {
		return &FieldError{Field: fOpType.String(), Err: ErrMissing}
	}
	op, ok := atoiBytes(v)
	if !ok {
		return fieldErr(fOpType.String(), "want an integer, got %s", quoteShort(v))
	}
	if !billing.Known(op) {
		return fieldErr(fOpType.String(), "%s is not an operation type of the table", v)
	}
	obj, err := parseUSField(fOpObject, rec[fOpObject])
	if err != nil {
		return err
	}
	cause, err := parseUSField(fOpCause, rec[fOpCause])
	if err != nil {
		return err
	}
	if ctl {
		for f := fCallID; f < nFields; f++ {
			if err := checkIdentifier(f.String(), rec[f]); err != nil {
				return err
			}
		}
	}
	// Field by field rather than *ev = billing.Event{...}, which would
	// build the event aside and copy it.
	*ev = billing.Event{}
	ev.Time = t
	ev.AgentID = b.agent(rec[fAgentID])
	ev.OpType, ev.OpObject, ev.OpCause = op, obj, cause
	ev.CallID, ev.PhoneNo = b.pair(rec[fCallID], rec[fPhoneNo])
	ev.MediaType = b.intern(fMediaType, rec[fMediaType])
	ev.SkillID = b.intern(fSkillID, rec[fSkillID])
	ev.VDNID = b.intern(fVDNID, rec[fVDNID])
	ev.CCID = b.intern(fCCID, rec[fCCID])
	ev.AgentType = b.intern(fAgentType, rec[fAgentType])
	ev.CallInOut = b.intern(fCallInOut, rec[fCallInOut])
	ev.LocationID = b.intern(fLocationID, rec[fLocationID])
	ev.Source = billing.Source{File: b.file, Line: line}
	return nil
}

// parseUSField reads op_object or op_cause: an integer in 0..65535, where
// empty and -1 mean billing.USNoUse.
func parseUSField(f evField, v []byte) (int, error) {
	if len(v) == 0 {
		return billing.USNoUse, nil
	}
	n, ok := atoiBytes(v)
	switch {
	case !ok:
		return 0, fieldErr(f.String(), "want an integer, got %s", quoteShort(v))
	case n == -1:
		return billing.USNoUse, nil
	case n < 0 || n > billing.USNoUse:
		return 0, fieldErr(f.String(), "%s is out of range 0..65535", v)
	}
	return n, nil
}

// atoiBytes reads an optionally signed decimal integer. Values too large for
// any field saturate, so that range checks still fail them.
func atoiBytes(v []byte) (int, bool) {
	neg := false
	if len(v) > 0 && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	if len(v) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<40 {
			n = n*10 + int(c-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// quoteShort quotes v for a reject reason, cut to a readable length.
func quoteShort(v []byte) string {
	const max = 40
	if len(v) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(v[cut]) {
			cut--
		}
		return strconv.Quote(string(v[:cut])) + "…"
	}
	return strconv.Quote(string(v))
}

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' }

// trimBlanks drops spaces and tabs around v.
func trimBlanks(v []byte) []byte {
	for len(v) > 0 && isBlankByte(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isBlankByte(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

func isBlankLine(line []byte) bool { return len(trimBlanks(line)) == 0 }

// readLineRecords is the loop the line formats share: it skips blank lines,
// counts the others in st, and hands each on as an event or a reject. parse
// turns a line that is not too long into the event ev, or fails with the
// reject reason (ErrInvalidUTF8 first, for a line that is not UTF-8).
func readLineRecords(ctx context.Context, lr *lineReader, name string, h Handler, st *Stats,
	parse func(line []byte, no int64, ev *billing.Event) error) error {
	tooLongReason := tooLongReason(lr.max)
	var ev billing.Event
	for n := 0; ; n++ {
		if n%ctxCheckLines == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		line, no, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: read after line %d: %w", name, no, err)
		}
		if !tooLong && isBlankLine(line) {
			continue
		}
		st.Records++
		reason := tooLongReason
		if !tooLong {
			err := parse(line, no, &ev)
			if err == nil {
				if h.Event != nil {
					if err := h.Event(&ev); err != nil {
						return err
					}
				}
				continue
			}
			reason = err.Error()
		}
		if h.Reject != nil {
			if err := h.Reject(NewReject(name, no, line, reason)); err != nil {
				return err
			}
		}
	}
}

// ReadCSV reads canonical agent events (SPEC §1.1) as CSV with a header row
// and hands each record to h as an event or a reject. Columns are found by
// their header names, in any order and letter case. A header that lacks a
// required column, names an unknown column or one twice, or an input with no
// header at all, is an error wrapping ErrHeader; a callback's error, a read
// error or the context's error stops the read and is returned.
//
// Each line is one record: quoted fields may hold commas and doubled quotes
// but not line breaks, and a CR inside a line is refused. A string field
// (agent_id, call_id ...) that holds a control character once its blanks
// are trimmed, a tab inside it included, rejects the line (ErrControlChar).
func ReadCSV(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error) {
	lr := newLineReader(r, opts.maxLine())
	cols, err := readCSVHeader(lr, name)
	if err != nil {
		return Stats{}, err
	}
	return readCSVRecords(ctx, lr, name, opts, cols, h)
}

// readCSVHeader reads the lines up to the header row and returns the field
// of each column.
func readCSVHeader(lr *lineReader, name string) ([]evField, error) {
	var sp csvSplitter
	for {
		line, no, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w: empty file", name, ErrHeader)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: read: %w", name, err)
		}
		if tooLong {
			return nil, fmt.Errorf("%s: %w: line %d longer than %d bytes", name, ErrHeader, no, lr.max)
		}
		if isBlankLine(line) {
			continue
		}
		cols, err := parseHeader(&sp, line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: %w", name, ErrHeader, err)
		}
		return cols, nil
	}
}

// readCSVRecords reads the lines after the header, whose columns are cols.
func readCSVRecords(ctx context.Context, lr *lineReader, name string, opts Options, cols []evField, h Handler) (Stats, error) {
	var st Stats
	var sp csvSplitter
	b := newEventBuilder(name, opts)
	// Every line sets the fields of the header's columns and no other, so
	// rec needs no clearing between lines.
	var rec evRecord
	err := readLineRecords(ctx, lr, name, h, &st, func(line []byte, no int64, ev *billing.Event) error {
		if lineScan && bytes.IndexByte(line, '"') < 0 {
			// The common case, no quotes: the fields go straight into
			// their columns.
			n, ascii, ctl := splitInto(&rec, cols, line)
			switch {
			case !ascii && !utf8.Valid(line):
				return ErrInvalidUTF8
			case n != len(cols):
				return fieldCountErr(n, cols)
			case !ctl || bytes.IndexByte(line, '\r') < 0:
				return b.build(&rec, no, ev, ctl)
			}
			// A CR inside the line: the general way names its field.
		}
		fields, err := sp.split(line)
		if err != nil {
			return csvColumnErr(cols, err)
		}
		if len(fields) != len(cols) {
			return fieldCountErr(len(fields), cols)
		}
		for i, f := range fields {
			rec[cols[i]] = f
		}
		if sp.ctl && bytes.IndexByte(line, '\r') >= 0 {
			// A CR the line reader left inside the line: no field may
			// hold a line break (the JSON Lines reader refuses them too).
			// Only a line that may hold a control character (sp.ctl)
			// can hold a CR.
			for i, f := range fields {
				if bytes.IndexByte(f, '\r') >= 0 {
					return &FieldError{Field: cols[i].String(), Err: ErrLineBreak}
				}
			}
		}
		return b.build(&rec, no, ev, sp.ctl)
	})
	return st, err
}

// fieldCountErr refuses a line of n fields under a header of cols: one
// reason, whichever way the line was split.
func fieldCountErr(n int, cols []evField) error {
	return fmt.Errorf("wrong number of fields: %d, the header has %d", n, len(cols))
}

// parseHeader reads a CSV header row into the field of each column.
func parseHeader(sp *csvSplitter, line []byte) ([]evField, error) {
	names, err := sp.split(line)
	if err != nil {
		var se *csvSplitError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("column %d: %w", se.col+1, se.err)
		}
		return nil, err
	}
	cols := make([]evField, len(names))
	var seen [nFields]bool
	for i, n := range names {
		f, ok := lookupEventField(n)
		if !ok {
			return nil, fmt.Errorf("unknown column %s", quoteShort(n))
		}
		if seen[f] {
			return nil, fmt.Errorf("column %q appears twice", f)
		}
		seen[f] = true
		cols[i] = f
	}
	for f := range nFields {
		if f.required() && !seen[f] {
			return nil, fmt.Errorf("missing column %q", f)
		}
	}
	return cols, nil
}

// csvColumnErr names the column of a csvSplitter error.
func csvColumnErr(cols []evField, err error) error {
	var se *csvSplitError
	if !errors.As(err, &se) {
		return err
	}
	if se.col < len(cols) {
		return &FieldError{Field: cols[se.col].String(), Err: se.err}
	}
	return &FieldError{Field: "field " + strconv.Itoa(se.col+1), Err: se.err}
}

// csvSplitError is a quoting problem in the field numbered col (0-based).
type csvSplitError struct {
	col int
	err error
}

func (e *csvSplitError) Error() string { return fmt.Sprintf("field %d: %v", e.col+1, e.err) }
func (e *csvSplitError) Unwrap() error { return e.err }

// csvSplitter splits one CSV line into fields after RFC 4180: fields are
// separated by commas; a field that opens with a quote runs to its closing
// quote, and a doubled quote inside it stands for one quote. A record is one
// physical line: a line break inside a quoted field is not supported, so a
// quote still open at the end of the line is an error. Spaces and tabs
// around a field, and inside the quotes of a quoted one, are dropped.
//
// The fields point into the line, or into the splitter's buffer for quoted
// fields that held doubled quotes; they are valid until the next split.
type csvSplitter struct {
	fields [][]byte
	commas []int // scratch of splitCommas
	buf    []byte
	ctl    bool // the line may hold a control character
}

// split splits line into its fields. A line that is not UTF-8 fails with
// ErrInvalidUTF8, a quoting problem with a *csvSplitError. It sets ctl when
// the line may hold a control character (mayHoldControl).
func (s *csvSplitter) split(line []byte) ([][]byte, error) {
	s.fields = s.fields[:0]
	if bytes.IndexByte(line, '"') < 0 {
		// The common case, no quotes: commas are all there is to find.
		ascii, ctl := s.splitPlain(line)
		if !ascii && !utf8.Valid(line) {
			return nil, ErrInvalidUTF8
		}
		s.ctl = ctl
		return s.fields, nil
	}
	if !utf8.Valid(line) {
		return nil, ErrInvalidUTF8
	}
	s.ctl = mayHoldControl(line)
	s.buf = s.buf[:0]
	if cap(s.buf) < len(line) {
		// Unquoting only shrinks a field, so the buffer never moves.
		s.buf = make([]byte, 0, len(line))
	}
	i := 0
	for {
		j := i
		for j < len(line) && isBlankByte(line[j]) {
			j++
		}
		if j < len(line) && line[j] == '"' {
			f, next, err := s.quoted(line, j+1)
			if err != nil {
				return nil, &csvSplitError{col: len(s.fields), err: err}
			}
			s.fields = append(s.fields, trimBlanks(f))
			for next < len(line) && isBlankByte(line[next]) {
				next++
			}
			if next == len(line) {
				return s.fields, nil
			}
			if line[next] != ',' {
				return nil, &csvSplitError{col: len(s.fields) - 1, err: ErrAfterQuote}
			}
			i = next + 1
			continue
		}
		k := i
		for k < len(line) && line[k] != ',' && line[k] != '"' {
			k++
		}
		if k < len(line) && line[k] == '"' {
			return nil, &csvSplitError{col: len(s.fields), err: ErrBareQuote}
		}
		s.fields = append(s.fields, trimBlanks(line[i:k]))
		if k == len(line) {
			return s.fields, nil
		}
		i = k + 1
	}
}

// Words of eight bytes, for splitPlain.
const (
	swarOnes   = 0x0101010101010101
	swarHighs  = 0x8080808080808080
	swarCommas = ',' * swarOnes
)

// splitPlain splits a line without quotes at its commas (splitCommas),
// its fields' blanks trimmed.
func (s *csvSplitter) splitPlain(line []byte) (ascii, ctl bool) {
	s.fields, ascii, ctl = splitCommas(s.fields, &s.commas, line, true)
	return ascii, ctl
}

// splitCommas appends the fields of line, split at every comma, to fields,
// with their blanks trimmed when trim is set. It goes eight bytes at a
// time, or 64 where the machine can (splitCommasBlocks, which keeps the
// places of the commas in *commas), and reports whether the line is all
// ASCII (so valid UTF-8) and whether it may hold a control character
// (mayHoldControl).
func splitCommas(fields [][]byte, commas *[]int, line []byte, trim bool) (_ [][]byte, ascii, ctl bool) {
	if lineScan {
		return splitCommasBlocks(fields, commas, line, trim)
	}
	field := func(f []byte) []byte {
		if trim {
			return trimBlanks(f)
		}
		return f
	}
	var seen uint64 // every byte of the line, or-ed together
	var ctlBits uint64
	start, i := 0, 0
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		seen |= w
		ctlBits |= controlBits(w)
		// Each zero byte of x is a comma of w; m has the high bit of
		// those bytes set, and maybe of bytes above one (the borrow of
		// the subtraction), which the byte check drops.
		x := w ^ swarCommas
		for m := (x - swarOnes) &^ x & swarHighs; m != 0; m &= m - 1 {
			if j := i + bits.TrailingZeros64(m)>>3; line[j] == ',' {
				fields = append(fields, field(line[start:j]))
				start = j + 1
			}
		}
	}
	for ; i < len(line); i++ {
		c := line[i]
		seen |= uint64(c)
		if c < 0x20 || c == 0x7f || c == 0xc2 {
			ctlBits |= swarHighs
		}
		if c == ',' {
			fields = append(fields, field(line[start:i]))
			start = i + 1
		}
	}
	fields = append(fields, field(line[start:]))
	return fields, seen&swarHighs == 0, ctlBits&swarHighs != 0
}

// lineScan is whether lines are split 64 bytes at a time (linescan.Scan)
// rather than eight; the tests turn it off to check the other way.
var lineScan = linescan.Available

// splitCommasBlocks is splitCommas 64 bytes at a time (linescan.Scan).
// commas is scratch space for the places of the commas.
func splitCommasBlocks(fields [][]byte, commas *[]int, line []byte, trim bool) (_ [][]byte, ascii, ctl bool) {
	*commas, ascii, ctl = linescan.AppendCommas((*commas)[:0], line)
	start := 0
	for _, j := range *commas {
		f := line[start:j]
		if trim {
			f = trimBlanks(f)
		}
		fields = append(fields, f)
		start = j + 1
	}
	f := line[start:]
	if trim {
		f = trimBlanks(f)
	}
	return append(fields, f), ascii, ctl
}

// splitInto sets the column cols[i] of rec to the line's field i, split at
// its commas 64 bytes at a time (linescan.Scan) and its blanks trimmed, for
// the fields there are columns for. It returns the number of fields,
// whether the line is all ASCII and whether it may hold a control
// character, as splitCommas does. The canonical events' lines go this way:
// the fields straight into their columns, without the places of the commas
// kept aside, take a tenth off reading them.
func splitInto(rec *evRecord, cols []evField, line []byte) (n int, ascii, ctl bool) {
	var high, ctlBits uint64
	start := 0
	for at := 0; at < len(line); at += linescan.Block {
		commas, h, c := linescan.Scan(line[at:])
		high, ctlBits = high|h, ctlBits|c
		for ; commas != 0; commas &= commas - 1 {
			j := at + bits.TrailingZeros64(commas)
			if n < len(cols) {
				rec[cols[n]] = trimBlanks(line[start:j])
			}
			n++
			start = j + 1
		}
	}
	if n < len(cols) {
		rec[cols[n]] = trimBlanks(line[start:])
	}
	return n + 1, high == 0, ctlBits != 0
}

// quoted reads a quoted field whose text starts at line[i], after the
// opening quote, and returns its text and the index after the closing
// quote.
func (s *csvSplitter) quoted(line []byte, i int) (f []byte, next int, err error) {
	q := bytes.IndexByte(line[i:], '"')
	if q < 0 {
		return nil, 0, ErrUnterminatedQuote
	}
	if i+q+1 >= len(line) || line[i+q+1] != '"' {
		return line[i : i+q], i + q + 1, nil // no doubled quote: no copy
	}
	start := len(s.buf)
	for {
		q := bytes.IndexByte(line[i:], '"')
		if q < 0 {
			return nil, 0, ErrUnterminatedQuote
		}
		s.buf = append(s.buf, line[i:i+q]...)
		i += q + 1
		if i < len(line) && line[i] == '"' {
			s.buf = append(s.buf, '"')
			i++
			continue
		}
		return s.buf[start:len(s.buf):len(s.buf)], i, nil
	}
}

// ReadJSONL reads canonical agent events (SPEC §1.1) as JSON Lines, one
// object per line with the field names as keys (in any letter case), and
// hands each record to h as an event or a reject. A value may be a string or
// a number, whose literal text is kept ("op_type": 3 and "op_type": "3" are
// the same); null is absent. An unknown or repeated key, a value of another
// kind, a string holding a line break, or a string field holding another
// control character (\u0000, \t ...: ErrControlChar) rejects the line. A
// callback's error, a read error or the context's error stops the read and
// is returned.
func ReadJSONL(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error) {
	return readJSONLRecords(ctx, newLineReader(r, opts.maxLine()), name, opts, h)
}

// readJSONLRecords reads the lines of lr as ReadJSONL does.
func readJSONLRecords(ctx context.Context, lr *lineReader, name string, opts Options, h Handler) (Stats, error) {
	var st Stats
	b := newEventBuilder(name, opts)
	var sc jsonScanner
	var rec evRecord
	err := readLineRecords(ctx, lr, name, h, &st, func(line []byte, no int64, ev *billing.Event) error {
		rec = evRecord{}
		err := sc.scan(line, &rec)
		if err == nil {
			err = b.build(&rec, no, ev, sc.escaped || mayHoldControl(line))
		}
		if sc.repaired && !errors.Is(err, ErrControlChar) {
			// The line is not JSON; its control characters, escaped,
			// were not the reason to name.
			return invalidJSON(line)
		}
		return err
	})
	return st, err
}

// invalidJSON is the reject reason of a line that is not JSON.
func invalidJSON(line []byte) error {
	var raw json.RawMessage
	err := json.Unmarshal(line, &raw)
	if err == nil { // cannot happen: Valid and Unmarshal agree
		err = errors.New("syntax error")
	}
	return fmt.Errorf("%w: %v", ErrInvalidJSON, err)
}

// jsonScanner reads one JSON object of scalar values into a record.
type jsonScanner struct {
	buf     []byte // unescaped strings
	escaped bool   // a string of the line had escapes (\t, \u0000 ...)
	fixed   []byte // a line with its control characters escaped
	// repaired says that the line was read with its control characters
	// escaped: it is not JSON as it stands.
	repaired bool
}

// scan reads line into rec. It lets json.Valid check the syntax, so that
// walking the object needs no error handling, and decodes only strings with
// escapes through encoding/json.
func (sc *jsonScanner) scan(line []byte, rec *evRecord) error {
	sc.repaired = false
	if !utf8.Valid(line) {
		return ErrInvalidUTF8
	}
	if !json.Valid(line) {
		// JSON allows no raw control character in a string: such a line
		// is read with them escaped, so that the reason can name the
		// field that holds one (ErrControlChar), as for CSV. Any other
		// reason is that the line is not JSON (ReadJSONL).
		fixed := sc.escapeControls(line)
		if fixed == nil || !json.Valid(fixed) {
			return invalidJSON(line)
		}
		line, sc.repaired = fixed, true
	}
	sc.buf, sc.escaped = sc.buf[:0], false
	if cap(sc.buf) < len(line) {
		// A decoded string is never longer than its JSON text, so the
		// buffer never moves.
		sc.buf = make([]byte, 0, len(line))
	}
	i := skipJSONSpace(line, 0)
	if line[i] != '{' {
		return ErrNotObject
	}
	i++
	var seen [nFields]bool
	for {
		i = skipJSONSpace(line, i)
		switch line[i] {
		case '}':
			return nil
		case ',':
			i = skipJSONSpace(line, i+1)
		}
		key, next, err := sc.str(line, i)
		if err != nil {
			return err
		}
		f, ok := lookupEventField(key)
		if !ok {
			return fmt.Errorf("%w %s", ErrUnknownKey, quoteShort(key))
		}
		if seen[f] {
			return fmt.Errorf("%w %s", ErrDuplicateKey, quoteShort(key))
		}
		seen[f] = true
		i = skipJSONSpace(line, next)
		i = skipJSONSpace(line, i+1) // the colon
		switch c := line[i]; {
		case c == '"':
			v, next, err := sc.str(line, i)
			if err != nil {
				return err
			}
			if bytes.ContainsAny(v, "\r\n") {
				return &FieldError{Field: f.String(), Err: ErrLineBreak}
			}
			rec[f] = trimBlanks(v)
			i = next
		case c == '-' || '0' <= c && c <= '9':
			next := i + 1
			for next < len(line) && isJSONNumberByte(line[next]) {
				next++
			}
			rec[f] = line[i:next]
			i = next
		case c == 'n':
			i += len("null")
		default:
			return fieldErr(f.String(), "want a string or a number, got %s", jsonKinds[c])
		}
	}
}

// escapeControls returns line with the C0 control bytes inside its strings
// written as \u00XX escapes, or nil when there are none.
func (sc *jsonScanner) escapeControls(line []byte) []byte {
	const hexDigits = "0123456789abcdef"
	out := sc.fixed[:0]
	found, inString := false, false
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case !inString:
			inString = c == '"'
		case c == '\\' && i+1 < len(line):
			out = append(out, c)
			i++ // the escaped byte, appended below
		case c == '"':
			inString = false
		case c < 0x20:
			out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			found = true
			continue
		}
		out = append(out, line[i])
	}
	sc.fixed = out
	if !found {
		return nil
	}
	return out
}

// str reads the JSON string that opens at line[i] and returns its text and
// the index after it.
func (sc *jsonScanner) str(line []byte, i int) ([]byte, int, error) {
	j := i + 1
	escaped := false
	for line[j] != '"' {
		if line[j] == '\\' {
			escaped = true
			j++
		}
		j++
	}
	if !escaped {
		return line[i+1 : j], j + 1, nil
	}
	sc.escaped = true
	var s string
	if err := json.Unmarshal(line[i:j+1], &s); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	start := len(sc.buf)
	sc.buf = append(sc.buf, s...)
	return sc.buf[start:len(sc.buf):len(sc.buf)], j + 1, nil
}

// jsonKinds names the JSON values a field cannot hold, by their first byte.
var jsonKinds = map[byte]string{'t': "true", 'f': "false", '{': "an object", '[': "an array"}

func skipJSONSpace(line []byte, i int) int {
	for i < len(line) {
		switch line[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

func isJSONNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// ReadEvents reads canonical agent events in either form: JSON Lines when
// the first byte that is not blank (after a byte-order mark) is '{', else
// CSV.
func ReadEvents(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error) {
	br := bufio.NewReaderSize(r, lineBufferSize)
	head, err := br.Peek(peekSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return Stats{}, fmt.Errorf("%s: read: %w", name, err)
	}
	if firstContentByte(head) == '{' {
		return ReadJSONL(ctx, br, name, opts, h)
	}
	return ReadCSV(ctx, br, name, opts, h)
}

// firstByte is the first byte of head that is not blank, after a byte-order
// mark, or 0.
func firstContentByte(head []byte) byte {
	head = bytes.TrimPrefix(head, utf8BOM)
	for _, c := range head {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return c
		}
	}
	return 0
}
