package lake

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/xitongsys/parquet-go/parquet"
)

var parquetMagic = []byte("PAR1")

// createdBy is the created_by of the files a program writes, in the usual
// form: "agentbill version 1.4.0 (build 3f2c1d9)". An empty version is
// "dev"; an empty build is left out.
func createdBy(version, build string) string {
	if version == "" {
		version = "dev"
	}
	s := "agentbill version " + version
	if build != "" {
		s += " (build " + build + ")"
	}
	return s
}

// fileWriter lays out a Parquet file of one table on w: the magic, the row
// groups in the order given, and the footer. It never closes w.
type fileWriter struct {
	w         io.Writer
	table     Table
	createdBy string
	off       int64 // bytes written
	rows      int64
	groups    []*parquet.RowGroup
	err       error
}

func (f *fileWriter) write(p []byte) error {
	if f.err != nil {
		return f.err
	}
	n, err := f.w.Write(p)
	f.off += int64(n)
	f.err = err
	return err
}

// writeGroup appends an encoded row group, placing its metadata at the
// end of the file. The group's metadata becomes the file's.
func (f *fileWriter) writeGroup(g *encodedGroup) error {
	if f.off == 0 {
		if err := f.write(parquetMagic); err != nil {
			return err
		}
	}
	rg := g.meta
	rg.FileOffset = ptr(f.off)
	rg.Ordinal = ptr(int16(len(f.groups)))
	for _, cc := range rg.Columns {
		shiftChunk(cc, f.off)
	}
	for _, part := range g.parts {
		if err := f.write(part); err != nil {
			return err
		}
	}
	f.groups = append(f.groups, rg)
	f.rows += rg.NumRows
	return nil
}

// close writes the footer.
func (f *fileWriter) close() error {
	if f.err != nil {
		return f.err
	}
	transport := thrift.NewTMemoryBufferLen(4096)
	ser := &thrift.TSerializer{Transport: transport, Protocol: thrift.NewTCompactProtocolConf(transport, nil)}
	buf, err := ser.Write(context.Background(), f.footer())
	if err != nil {
		f.err = fmt.Errorf("encode footer: %w", err)
		return f.err
	}
	if f.off == 0 { // no rows at all
		if err := f.write(parquetMagic); err != nil {
			return err
		}
	}
	tail := binary.LittleEndian.AppendUint32(buf, uint32(len(buf)))
	return f.write(append(tail, parquetMagic...))
}

func (f *fileWriter) footer() *parquet.FileMetaData {
	n := int32(len(f.table.Columns))
	meta := &parquet.FileMetaData{
		Version:   1,
		Schema:    []*parquet.SchemaElement{{Name: "schema", NumChildren: &n}},
		NumRows:   f.rows,
		RowGroups: f.groups,
		CreatedBy: ptr(f.createdBy),
	}
	if meta.RowGroups == nil {
		meta.RowGroups = []*parquet.RowGroup{}
	}
	for _, c := range f.table.Columns {
		meta.Schema = append(meta.Schema, schemaElement(c))
		meta.ColumnOrders = append(meta.ColumnOrders, &parquet.ColumnOrder{TYPE_ORDER: &parquet.TypeDefinedOrder{}})
	}
	return meta
}

func schemaElement(c Column) *parquet.SchemaElement {
	rep := parquet.FieldRepetitionType_REQUIRED
	if c.Optional {
		rep = parquet.FieldRepetitionType_OPTIONAL
	}
	e := &parquet.SchemaElement{Name: c.Name, RepetitionType: &rep, Type: ptr(physicalType(c.Kind))}
	switch c.Kind {
	case KindString:
		e.ConvertedType = ptr(parquet.ConvertedType_UTF8)
		e.LogicalType = &parquet.LogicalType{STRING: &parquet.StringType{}}
	case KindTimestamp:
		// No converted type: TIMESTAMP_MICROS would claim the values are
		// adjusted to UTC.
		e.LogicalType = &parquet.LogicalType{TIMESTAMP: &parquet.TimestampType{
			IsAdjustedToUTC: false,
			Unit:            &parquet.TimeUnit{MICROS: &parquet.MicroSeconds{}},
		}}
	}
	return e
}

// tableWriter writes the rows of one table as a Parquet file, in row groups
// of about rowGroupBytes. A full row group is encoded at once, each column
// chunk on its own goroutine, and written to the file in the background
// while the caller fills the next: the row group's buffers serve again at
// once, and a day's run holds one set of them rather than two (their pages
// are a tenth of its memory, and every page first touched costs a fault).
// The bytes depend on nothing but the rows.
type tableWriter struct {
	file  fileWriter
	cols  []colBuf  // the row group being filled: rows put into cols
	fill  *rowGroup // owns cols
	total int64     // rows written, buffered ones included
	err   error
	// done reports the end of the background write; nil when none runs.
	// While one runs, it alone uses file and chunks.
	done   chan error
	encs   []*chunkEncoder
	chunks [][]byte
	closed bool
}

func newTableWriter(w io.Writer, t Table, createdBy string) *tableWriter {
	tw := &tableWriter{
		file: fileWriter{w: w, table: t, createdBy: createdBy},
		fill: newRowGroup(t),
	}
	tw.cols = tw.fill.cols
	return tw
}

// endRow counts a row whose values were put into every column, and cuts a
// row group when enough data is buffered.
func (t *tableWriter) endRow() error {
	t.total++
	if t.fill.endRow() {
		return t.flush()
	}
	return nil
}

// flush encodes the buffered rows as one row group, once the previous one
// is written, and hands it to the background to be written.
func (t *tableWriter) flush() error {
	if err := t.wait(); err != nil || t.fill.rows == 0 {
		return err
	}
	g := t.fill
	if t.encs == nil {
		t.encs = encoders()
		t.chunks = make([][]byte, len(g.cols))
	}
	eg, err := g.encodeParallel(t.encs, t.chunks)
	g.reset()
	if err != nil {
		t.err = err
		return err
	}
	t.done = make(chan error, 1)
	go func() { t.done <- t.file.writeGroup(eg) }()
	return nil
}

// wait waits for the background write, if any, and returns the first
// error of the writer.
func (t *tableWriter) wait() error {
	if t.done != nil {
		if err := <-t.done; err != nil && t.err == nil {
			t.err = err
		}
		t.done = nil
	}
	return t.err
}

// writeGroups writes the buffered rows, then the encoded row groups gs.
func (t *tableWriter) writeGroups(gs []*encodedGroup) error {
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.wait(); err != nil {
		return err
	}
	for _, g := range gs {
		if err := t.file.writeGroup(g); err != nil {
			t.err = err
			return err
		}
		t.total += g.meta.NumRows
	}
	return nil
}

// close writes what is buffered and the footer. It does not close the
// underlying writer.
func (t *tableWriter) close() error {
	if t.closed {
		return t.err
	}
	t.closed = true
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.wait(); err != nil {
		return err
	}
	t.err = t.file.close()
	return t.err
}
