package spill

import (
	"cmp"
	"encoding/binary"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// CompareDayBills orders bills by day, then in the lake's order.
func CompareDayBills(a, b *DayBill) int {
	return cmp.Or(cmp.Compare(a.Day, b.Day), billing.CompareBills(&a.Bill, &b.Bill))
}

// BillSorter puts bills in the order of CompareDayBills, keeping the input
// order of bills equal in it (or their source order, see OrderBySource),
// within a memory budget (see buckets). Bills are compared at microsecond
// precision, which is all they hold. The strings of a bill its cursor
// reads back from a run are valid only until the cursor moves on: a
// caller copies what it keeps.
type BillSorter struct {
	buckets[DayBill, billRecords]
}

// NewBillSorter returns a sorter that holds about budget bytes of bills in
// memory and spills to dir (the system's temporary folder when empty).
func NewBillSorter(dir string, budget int) *BillSorter {
	return &BillSorter{newBuckets[DayBill, billRecords](dir, budget)}
}

// Add takes a bill.
func (s *BillSorter) Add(b *DayBill) error { return s.add(b) }

// billRecords is the bucketCodec of bills. A body begins with what ties
// and sources are compared by: the op type, the end and the source; the
// rest follows as BillCodec writes it.
type billRecords struct{}

func (billRecords) key(v *DayBill) (int32, string, int64) {
	return v.Day, v.Bill.AgentID, v.Bill.Begin.UnixMicro()
}

func (billRecords) appendBody(dst []byte, files *fileTable, v *DayBill) []byte {
	b := &v.Bill
	dst = binary.AppendVarint(dst, int64(b.OpType))
	dst = binary.BigEndian.AppendUint64(dst, uint64(b.End.UnixMicro()))
	dst = binary.AppendUvarint(dst, files.number(b.Source.File))
	dst = binary.AppendVarint(dst, b.Source.Line)
	dst = appendString(dst, b.ID)
	dst = binary.AppendVarint(dst, int64(b.OpObject))
	dst = binary.AppendVarint(dst, int64(b.OpCause))
	dst = appendAttrsCause(dst, &b.Attrs, b.HasSourceCause, b.SourceCause)
	dst = binary.AppendVarint(dst, b.LogonSN)
	dst = append(dst, byte(b.Flags))
	return appendOrigin(dst, &b.Origin)
}

func (billRecords) decode(v *DayBill, day int32, agent string, t int64, body []byte, files *fileTable, alias bool) error {
	b := &v.Bill
	v.Day, b.AgentID, b.Begin = day, agent, time.UnixMicro(t).UTC()
	r := reader{b: body, alias: alias}
	b.OpType = int32(r.varint())
	b.End = r.time()
	r.source(files, &b.Source)
	r.str(&b.ID)
	b.OpObject = int32(r.varint())
	b.OpCause = int32(r.varint())
	b.HasSourceCause, b.SourceCause = r.attrsCause(&b.Attrs)
	b.LogonSN = r.varint()
	b.Flags = billing.Flags(r.byte())
	r.origin(&b.Origin)
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}

// tie compares the op type, then the end.
func (billRecords) tie(a, b []byte) int {
	ra, rb := reader{b: a}, reader{b: b}
	return cmp.Or(cmp.Compare(int32(ra.varint()), int32(rb.varint())), cmp.Compare(ra.fixed64(), rb.fixed64()))
}

func (billRecords) bodySource(body []byte) (uint64, int64) {
	r := reader{b: body}
	r.varint()
	r.fixed64()
	file := r.uvarint()
	return file, r.varint()
}

func (billRecords) compare(a, b *DayBill) int         { return CompareDayBills(a, b) }
func (billRecords) source(v *DayBill) *billing.Source { return &v.Bill.Source }
func (billRecords) lendsRuns() bool                   { return true }

func (billRecords) agentOf(v *DayBill) *string { return &v.Bill.AgentID }
