package ingest

import (
	"bufio"
	"io"
	"strconv"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// BillColumns are the bill columns of SPEC §3, in order.
var BillColumns = []string{
	"bill_id", "agent_id", "op_type", "op_object", "op_cause",
	"begin_time", "end_time", "begin_local", "end_local", "duration_ms",
	"call_id", "media_type", "skill_id", "vdn_id", "cc_id", "agent_type", "phone_no", "call_in_out", "location_id",
	"logon_sn", "source_cause", "flags", "source_file", "source_line",
}

// CSVTimeLayout is how bill CSVs write times.
const CSVTimeLayout = "2006-01-02 15:04:05.000000"

// BillCSVWriter writes bills as CSV with a header row: begin_time and
// end_time in UTC, the *_local columns on the site clock.
type BillCSVWriter struct {
	w      *bufio.Writer
	loc    *time.Location
	buf    []byte
	header bool
}

// NewBillCSVWriter writes to w, with local times in loc.
func NewBillCSVWriter(w io.Writer, loc *time.Location) *BillCSVWriter {
	return &BillCSVWriter{w: bufio.NewWriterSize(w, 64<<10), loc: loc}
}

// Write writes one bill (after the header, on the first call).
func (cw *BillCSVWriter) Write(b *billing.Bill) error {
	if !cw.header {
		cw.header = true
		if err := cw.writeHeader(); err != nil {
			return err
		}
	}
	p := cw.buf[:0]
	p = appendCSVField(p, b.ID)
	p = append(p, ',')
	p = appendCSVField(p, b.AgentID)
	p = append(p, ',')
	p = strconv.AppendInt(p, int64(b.OpType), 10)
	p = append(p, ',')
	p = strconv.AppendInt(p, int64(b.OpObject), 10)
	p = append(p, ',')
	p = strconv.AppendInt(p, int64(b.OpCause), 10)
	for _, t := range [...]time.Time{b.Begin.UTC(), b.End.UTC(), b.Begin.In(cw.loc), b.End.In(cw.loc)} {
		p = append(p, ',')
		p = t.AppendFormat(p, CSVTimeLayout)
	}
	p = append(p, ',')
	p = strconv.AppendInt(p, b.Duration().Milliseconds(), 10)
	for _, s := range [...]string{b.CallID, b.MediaType, b.SkillID, b.VDNID, b.CCID, b.AgentType, b.PhoneNo, b.CallInOut, b.LocationID} {
		p = append(p, ',')
		p = appendCSVField(p, s)
	}
	p = append(p, ',')
	p = strconv.AppendInt(p, b.LogonSN, 10)
	p = append(p, ',')
	if b.HasSourceCause {
		p = strconv.AppendInt(p, int64(b.SourceCause), 10)
	}
	p = append(p, ',')
	p = appendCSVField(p, b.Flags.String())
	p = append(p, ',')
	p = appendCSVField(p, b.Source.File)
	p = append(p, ',')
	p = strconv.AppendInt(p, b.Source.Line, 10)
	p = append(p, '\n')
	cw.buf = p
	_, err := cw.w.Write(p)
	return err
}

func (cw *BillCSVWriter) writeHeader() error {
	p := cw.buf[:0]
	for i, c := range BillColumns {
		if i > 0 {
			p = append(p, ',')
		}
		p = append(p, c...)
	}
	p = append(p, '\n')
	cw.buf = p
	_, err := cw.w.Write(p)
	return err
}

// Flush writes the header if no bill was written, and flushes.
func (cw *BillCSVWriter) Flush() error {
	if !cw.header {
		cw.header = true
		if err := cw.writeHeader(); err != nil {
			return err
		}
	}
	return cw.w.Flush()
}

// appendCSVField appends s, quoted as RFC 4180 asks when it holds a comma,
// quote, CR or LF, or starts or ends with a space.
func appendCSVField(p []byte, s string) []byte {
	needs := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			needs = true
		}
	}
	if len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		needs = true
	}
	if !needs {
		return append(p, s...)
	}
	p = append(p, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			p = append(p, '"')
		}
		p = append(p, s[i])
	}
	return append(p, '"')
}
