package lake

import (
	"errors"
	"fmt"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// BillBlock encodes a run of consecutive bills into complete, compressed
// row groups of the bills table, independent of any file, so that several
// blocks can be encoded at once on different goroutines and then appended
// to a day's file in order by DayWriter.WriteBlock. Row groups are cut by
// the same size rule as DayWriter.WriteBill, counted from the first bill of
// the block, and the last one ends with the block: the same bills cut at
// the same places give the same bytes either way. A BillBlock is used by
// one goroutine at a time.
type BillBlock struct {
	clock *wallClock
	zone  string
	g     *rowGroup
	enc   *chunkEncoder
	out   *EncodedBlock
	err   error
	hint  int // capacity for the next row group's bytes
}

// NewBillBlock returns an empty block whose *_local columns are in loc,
// the site zone (nil means UTC); it must be that of the lake the block
// goes to.
func NewBillBlock(loc *time.Location) *BillBlock {
	clock := newWallClock(loc)
	return &BillBlock{clock: clock, zone: clock.loc.String(), g: newRowGroup(Bills), enc: newChunkEncoder()}
}

// Add appends one bill. When the bills added fill a row group, Add encodes
// it.
func (b *BillBlock) Add(bill *billing.Bill) {
	putBill(b.g.cols, b.clock, bill)
	if b.g.endRow() {
		b.encodeGroup()
	}
}

// encodeGroup encodes the buffered rows as one row group of the block.
func (b *BillBlock) encodeGroup() {
	if b.out == nil {
		b.out = &EncodedBlock{zone: b.zone}
	}
	if b.err == nil {
		eg, err := b.g.encode(b.enc, make([]byte, 0, max(b.hint, 64<<10)))
		if err != nil {
			b.err = fmt.Errorf("encode bills: %w", err)
		} else {
			b.out.groups = append(b.out.groups, eg)
			b.out.rows += eg.meta.NumRows
			b.out.size += int64(eg.size)
			b.hint = eg.size + eg.size/8
		}
	}
	b.g.reset()
}

// Encode encodes the bills added since the last Encode or Reset and hands
// them over as an EncodedBlock, which is the caller's; the BillBlock is
// then empty, ready for the next bills. Blocks encode independently: call
// Encode on as many goroutines as there are blocks.
func (b *BillBlock) Encode() (*EncodedBlock, error) {
	if b.g.rows > 0 {
		b.encodeGroup()
	}
	out, err := b.out, b.err
	b.out, b.err = nil, nil
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = &EncodedBlock{zone: b.zone}
	}
	return out, nil
}

// Reset drops the bills added since the last Encode, keeping the buffers
// for the next bills.
func (b *BillBlock) Reset() {
	b.g.reset()
	b.out, b.err = nil, nil
}

// EncodedBlock is a block of bills encoded as row groups of the bills
// table, waiting to be appended to a day's file by DayWriter.WriteBlock.
type EncodedBlock struct {
	groups  []*encodedGroup
	rows    int64
	size    int64
	zone    string
	written bool
}

// Rows is the number of bills in the block.
func (e *EncodedBlock) Rows() int64 { return e.rows }

// Size is the number of bytes the block takes in the file.
func (e *EncodedBlock) Size() int64 { return e.size }

var errBlockWritten = errors.New("lake: encoded block written twice")

// WriteBlock appends the bills of an encoded block to the day's bills,
// after those written so far: its row groups, in order. A block is written
// once.
func (d *DayWriter) WriteBlock(e *EncodedBlock) error {
	if d.done {
		return errWriterClosed
	}
	if err := d.ctx.Err(); err != nil {
		return err
	}
	if e.written {
		return fmt.Errorf("write bills of %s: %w", d.day, errBlockWritten)
	}
	if zone := d.lake.location().String(); e.zone != zone {
		return fmt.Errorf("write bills of %s: a block of local times in %s, the lake's zone is %s", d.day, e.zone, zone)
	}
	e.written = true
	if err := d.bw.t.writeGroups(e.groups); err != nil {
		return fmt.Errorf("write bills of %s: %w", d.day, err)
	}
	e.groups = nil // the file has them now
	return nil
}
