package spill

import (
	"encoding/binary"
	"errors"
	"time"
	"unsafe"

	"github.com/agentbill/agentbill/billing"
)

var errCorrupt = errors.New("spill: corrupt record")

// fileTable numbers the source files, so that a spilled record carries a
// small number rather than the path. Records are read back by the process
// that wrote them, so the table never leaves memory.
type fileTable struct {
	names []string
	index map[string]uint64
	last  uint64 // the number looked up last: records come file by file
}

func (t *fileTable) number(name string) uint64 {
	if t.last < uint64(len(t.names)) && t.names[t.last] == name {
		return t.last
	}
	if n, ok := t.index[name]; ok {
		t.last = n
		return n
	}
	if t.index == nil {
		t.index = map[string]uint64{}
	}
	n := uint64(len(t.names))
	t.names = append(t.names, name)
	t.index[name] = n
	t.last = n
	return n
}

func (t *fileTable) name(n uint64) (string, bool) {
	if n >= uint64(len(t.names)) {
		return "", false
	}
	return t.names[n], true
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendAttrs encodes the string fields: a mask of those that are set
// (most events set none, or a call's id and media), then each set one.
// extra is put above the fields' bits of the mask (see hasSourceCause).
func appendAttrs(dst []byte, a *billing.Attrs, extra uint64) []byte {
	fields := a.Strings()
	mask := extra << len(fields)
	for i := range fields {
		if fields[i] != "" {
			mask |= 1 << i
		}
	}
	dst = binary.AppendUvarint(dst, mask)
	for i := range fields {
		if s := fields[i]; s != "" {
			dst = appendString(dst, s)
		}
	}
	return dst
}

// attrFields is the number of string fields appendAttrs encodes; bits
// above them in its mask are the caller's.
const attrFields = billing.AttrFields

// The bits above the string fields in an event's mask: the event has a
// source cause, and a source cause other than 0 follows the strings.
const (
	hasSourceCause = 1 << iota
	sourceCauseFollows
)

// reader takes a record apart; the first error sticks.
type reader struct {
	b   []byte
	err error
	// alias makes the strings read point into b rather than copies: for
	// records in memory that is never written again.
	alias bool
}

func (r *reader) fail() { r.err, r.b = errCorrupt, nil }

func (r *reader) fixed64() int64 {
	if len(r.b) < 8 {
		r.fail()
		return 0
	}
	v := binary.BigEndian.Uint64(r.b)
	r.b = r.b[8:]
	return int64(v)
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	if len(r.b) < 1 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// str sets *s to the next string: with alias, the bytes themselves;
// otherwise it keeps *s when the bytes are the same, so that reading
// records of one agent or call in a row does not allocate their repeated
// strings again.
func (r *reader) str(s *string) {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return
	}
	b := r.b[:n]
	r.b = r.b[n:]
	switch {
	case r.alias && n > 0:
		*s = unsafe.String(&b[0], n)
	case string(b) == *s:
	default:
		*s = string(b)
	}
}

// attrs reads what appendAttrs wrote and returns the caller's bits of the
// mask.
func (r *reader) attrs(a *billing.Attrs) uint64 {
	mask := r.uvarint()
	fields := a.Strings()
	for i := range fields {
		if mask&(1<<i) != 0 {
			r.str(&fields[i])
		} else {
			fields[i] = ""
		}
	}
	return mask >> attrFields
}

// appendOrigin encodes the fields of a bill's origin.
func appendOrigin(dst []byte, o *billing.Origin) []byte {
	fields := o.Strings()
	for i := range fields {
		dst = appendString(dst, fields[i])
	}
	return dst
}

// origin reads what appendOrigin wrote.
func (r *reader) origin(o *billing.Origin) {
	fields := o.Strings()
	for i := range fields {
		r.str(&fields[i])
	}
}

func (r *reader) source(files *fileTable, src *billing.Source) {
	name, ok := files.name(r.uvarint())
	if !ok {
		r.fail()
	}
	src.File = name
	src.Line = r.varint()
}

func (r *reader) time() time.Time { return time.UnixMicro(r.fixed64()).UTC() }

// appendAttrsCause encodes the string fields and the source cause: its
// bits go in the mask, and a cause other than 0 follows the strings.
func appendAttrsCause(dst []byte, a *billing.Attrs, has bool, cause int32) []byte {
	var extra uint64
	if has {
		extra = hasSourceCause
	}
	if cause != 0 {
		extra |= sourceCauseFollows
	}
	dst = appendAttrs(dst, a, extra)
	if cause != 0 {
		dst = binary.AppendVarint(dst, int64(cause))
	}
	return dst
}

// attrsCause reads what appendAttrsCause wrote.
func (r *reader) attrsCause(a *billing.Attrs) (has bool, cause int32) {
	extra := r.attrs(a)
	if extra&sourceCauseFollows != 0 {
		cause = int32(r.varint())
	}
	return extra&hasSourceCause != 0, cause
}

// appendEventBody encodes e but its day, time and agent, which a bucket
// sorter keeps apart (see buckets).
func appendEventBody(dst []byte, files *fileTable, e *billing.Event) []byte {
	dst = binary.AppendVarint(dst, int64(e.OpType))
	dst = binary.AppendVarint(dst, int64(e.OpObject))
	dst = binary.AppendVarint(dst, int64(e.OpCause))
	dst = appendAttrsCause(dst, &e.Attrs, e.HasSourceCause, e.SourceCause)
	dst = binary.AppendUvarint(dst, files.number(e.Source.File))
	return binary.AppendVarint(dst, e.Source.Line)
}

// bodySource returns the source of an event body that appendEventBody
// wrote: its file's number and its line.
func bodySource(body []byte) (uint64, int64) {
	r := reader{b: body, alias: true}
	r.varint()
	r.varint()
	r.varint()
	mask := r.uvarint()
	for i := range attrFields {
		if mask&(1<<i) != 0 {
			n := r.uvarint()
			if n > uint64(len(r.b)) {
				return 0, 0
			}
			r.b = r.b[n:]
		}
	}
	if (mask>>attrFields)&sourceCauseFollows != 0 {
		r.varint()
	}
	file := r.uvarint()
	return file, r.varint()
}

// eventBody reads what appendEventBody wrote, to the end of the record.
func (r *reader) eventBody(files *fileTable, e *billing.Event) error {
	e.OpType = int(r.varint())
	e.OpObject = int(r.varint())
	e.OpCause = int(r.varint())
	e.HasSourceCause, e.SourceCause = r.attrsCause(&e.Attrs)
	r.source(files, &e.Source)
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}

// BillCodec encodes bills for a Sorter.
type BillCodec struct{ files fileTable }

// Append encodes b.
func (c *BillCodec) Append(dst []byte, b *billing.Bill) []byte {
	dst = appendString(dst, b.ID)
	dst = appendString(dst, b.AgentID)
	dst = binary.AppendVarint(dst, int64(b.OpType))
	dst = binary.AppendVarint(dst, int64(b.OpObject))
	dst = binary.AppendVarint(dst, int64(b.OpCause))
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.Begin.UnixMicro()))
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.End.UnixMicro()))
	dst = appendAttrs(dst, &b.Attrs, 0)
	dst = binary.AppendVarint(dst, b.LogonSN)
	dst = binary.AppendVarint(dst, int64(b.SourceCause))
	var flags byte
	if b.HasSourceCause {
		flags = 1
	}
	dst = append(dst, flags, byte(b.Flags))
	dst = binary.AppendUvarint(dst, c.files.number(b.Source.File))
	dst = binary.AppendVarint(dst, b.Source.Line)
	dst = appendOrigin(dst, &b.Origin)
	return dst
}

// Decode reads a bill that Append wrote into b.
func (c *BillCodec) Decode(rec []byte, b *billing.Bill) error {
	r := reader{b: rec}
	r.str(&b.ID)
	r.str(&b.AgentID)
	b.OpType = int32(r.varint())
	b.OpObject = int32(r.varint())
	b.OpCause = int32(r.varint())
	b.Begin = r.time()
	b.End = r.time()
	r.attrs(&b.Attrs)
	b.LogonSN = r.varint()
	b.SourceCause = int32(r.varint())
	b.HasSourceCause = r.byte()&1 != 0
	b.Flags = billing.Flags(r.byte())
	r.source(&c.files, &b.Source)
	r.origin(&b.Origin)
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}

// DayBill is a bill and the run day it belongs to, as days since
// 1970-01-01 (see DayNumber).
type DayBill struct {
	Day  int32
	Bill billing.Bill
}

var epoch = billing.Date{Year: 1970, Month: time.January, Day: 1}

// DayNumber numbers d as days since 1970-01-01.
func DayNumber(d billing.Date) int32 { return int32(d.DaysSince(epoch)) }

// DayOfNumber is the date DayNumber numbered n.
func DayOfNumber(n int32) billing.Date { return epoch.AddDays(int(n)) }
