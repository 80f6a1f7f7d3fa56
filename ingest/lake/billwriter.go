package lake

import (
	"io"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// BillWriter writes bills as a Parquet file of the bills table, one row
// group at a time, so a day of any size streams through it. Rows are
// written in the order given. A BillWriter is not safe for use by several
// goroutines.
type BillWriter struct {
	t     *tableWriter
	clock *wallClock
}

// NewBillWriter returns a BillWriter that writes to w; loc is the site zone
// of the *_local columns (nil means UTC). The file's created_by names a
// development version; the files of a Lake name its Version and Build.
func NewBillWriter(w io.Writer, loc *time.Location) *BillWriter {
	return newBillWriter(w, loc, createdBy("", ""))
}

func newBillWriter(w io.Writer, loc *time.Location, createdBy string) *BillWriter {
	return &BillWriter{t: newTableWriter(w, Bills, createdBy), clock: newWallClock(loc)}
}

// Write adds one bill.
func (w *BillWriter) Write(b *billing.Bill) error {
	if w.t.err != nil {
		return w.t.err
	}
	if w.t.closed {
		return errWriterClosed
	}
	putBill(w.t.cols, w.clock, b)
	return w.t.endRow()
}

// Rows is the number of bills written so far.
func (w *BillWriter) Rows() int64 { return w.t.total }

// Close writes the buffered bills and the footer. It does not close the
// underlying writer.
func (w *BillWriter) Close() error { return w.t.close() }
