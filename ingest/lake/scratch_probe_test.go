package lake

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/xitongsys/parquet-go/parquet"
	"github.com/xitongsys/parquet-go/writer"
)

type probeRow struct {
	BillID     string  `parquet:"name=bill_id, type=BYTE_ARRAY, convertedtype=UTF8"`
	AgentID    string  `parquet:"name=agent_id, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY"`
	OpType     int32   `parquet:"name=op_type, type=INT32"`
	OpObject   int32   `parquet:"name=op_object, type=INT32"`
	OpCause    int32   `parquet:"name=op_cause, type=INT32"`
	BeginTime  int64   `parquet:"name=begin_time, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	EndTime    int64   `parquet:"name=end_time, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	BeginLocal int64   `parquet:"name=begin_local, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	EndLocal   int64   `parquet:"name=end_local, type=INT64, logicaltype=TIMESTAMP, logicaltype.isadjustedtoutc=false, logicaltype.unit=MICROS"`
	Duration   int64   `parquet:"name=duration_ms, type=INT64"`
	CallID     *string `parquet:"name=call_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL"`
	MediaType  *string `parquet:"name=media_type, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL, encoding=PLAIN_DICTIONARY"`
	SkillID    *string `parquet:"name=skill_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL, encoding=PLAIN_DICTIONARY"`
	VDNID      *string `parquet:"name=vdn_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL, encoding=PLAIN_DICTIONARY"`
	CCID       *string `parquet:"name=cc_id, type=BYTE_ARRAY, convertedtype=UTF8, repetitiontype=OPTIONAL, encoding=PLAIN_DICTIONARY"`
	LogonSN    int64   `parquet:"name=logon_sn, type=INT64"`
	Flags      string  `parquet:"name=flags, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY"`
	SourceFile string  `parquet:"name=source_file, type=BYTE_ARRAY, convertedtype=UTF8, encoding=PLAIN_DICTIONARY"`
	SourceLine int64   `parquet:"name=source_line, type=INT64"`
}

func TestProbe(t *testing.T) {
	n := 200000
	rows := make([]probeRow, n)
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	media := "voice"
	for i := range rows {
		s := fmt.Sprintf("call-%d", i/3)
		sk := fmt.Sprintf("skill-%d", i%20)
		rows[i] = probeRow{BillID: fmt.Sprintf("%032x", i*7919), AgentID: fmt.Sprintf("agent%04d", i%2000), OpType: int32(i % 60),
			OpObject: 65535, OpCause: 1, BeginTime: base + int64(i)*1000003, EndTime: base + int64(i)*1000003 + 5000, BeginLocal: base, EndLocal: base,
			Duration: 5, CallID: &s, MediaType: &media, SkillID: &sk, LogonSN: base / 1000, SourceFile: "events.csv", SourceLine: int64(i)}
	}
	var buf bytes.Buffer
	start := time.Now()
	pw, err := writer.NewParquetWriterFromWriter(&buf, new(probeRow), 1)
	if err != nil {
		t.Fatal(err)
	}
	pw.CompressionType = parquet.CompressionCodec_ZSTD
	pw.RowGroupSize = 32 << 20
	pw.PageSize = 64 << 10
	for i := range rows {
		if err := pw.Write(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := pw.WriteStop(); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	t.Logf("%d rows in %v: %.0f rows/s, %d bytes", n, d, float64(n)/d.Seconds(), buf.Len())
}
