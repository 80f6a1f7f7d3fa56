package ingest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

// EventTimeLayout is how EventCSVWriter writes an event's time: RFC 3339 in
// UTC with microseconds.
const EventTimeLayout = "2006-01-02T15:04:05.000000Z"

// EventCSVWriter writes events as canonical events CSV (SPEC §1.1), which
// ReadCSV reads back into the same events (but for their Source, and spaces
// around string fields, which readers drop). Call Flush when done.
type EventCSVWriter struct {
	w      *bufio.Writer
	row    []byte
	header bool
}

// NewEventCSVWriter returns a writer of events CSV to w.
func NewEventCSVWriter(w io.Writer) *EventCSVWriter {
	return &EventCSVWriter{w: bufio.NewWriter(w)}
}

func (w *EventCSVWriter) writeHeader() error {
	w.header = true
	row := w.row[:0]
	for f := range nFields {
		if f > 0 {
			row = append(row, ',')
		}
		row = append(row, eventFields[f]...)
	}
	row = append(row, '\n')
	w.row = row
	_, err := w.w.Write(row)
	return err
}

// Write writes one event, after the header row if it is the first. An event
// with a string field that the format cannot hold (a line break, invalid
// UTF-8) is an error and nothing of it is written.
func (w *EventCSVWriter) Write(ev billing.Event) error {
	return w.WriteEdited(ev, nil)
}

// WriteEdited writes ev's row as edit changes it (edit gets the row without
// its line end); with a nil edit it is Write. Generators use it to write
// damaged records.
func (w *EventCSVWriter) WriteEdited(ev billing.Event, edit func(row string) string) error {
	if !w.header {
		if err := w.writeHeader(); err != nil {
			return err
		}
	}
	row := ev.Time.UTC().AppendFormat(w.row[:0], EventTimeLayout)
	row = append(row, ',')
	var err error
	if row, err = appendEventField(row, fAgentID, ev.AgentID); err != nil {
		return eventWriteErr(ev, err)
	}
	row = append(row, ',')
	row = strconv.AppendInt(row, int64(ev.OpType), 10)
	row = append(row, ',')
	row = appendUS(row, ev.OpObject)
	row = append(row, ',')
	row = appendUS(row, ev.OpCause)
	for f := fCallID; f < nFields; f++ {
		row = append(row, ',')
		if row, err = appendEventField(row, f, eventAttr(&ev.Attrs, f)); err != nil {
			return eventWriteErr(ev, err)
		}
	}
	if edit != nil {
		row = append(row[:0], edit(string(row))...)
	}
	row = append(row, '\n')
	w.row = row
	_, err = w.w.Write(row)
	return err
}

// Flush writes what is buffered, and the header row if no event came.
func (w *EventCSVWriter) Flush() error {
	if !w.header {
		if err := w.writeHeader(); err != nil {
			return err
		}
	}
	return w.w.Flush()
}

func eventWriteErr(ev billing.Event, err error) error {
	return fmt.Errorf("write event of %s line %d: %w", ev.Source.File, ev.Source.Line, err)
}

// attr is the string field f of a.
func eventAttr(a *billing.Attrs, f evField) string {
	switch f {
	case fCallID:
		return a.CallID
	case fMediaType:
		return a.MediaType
	case fSkillID:
		return a.SkillID
	case fVDNID:
		return a.VDNID
	case fCCID:
		return a.CCID
	case fAgentType:
		return a.AgentType
	case fPhoneNo:
		return a.PhoneNo
	case fCallInOut:
		return a.CallInOut
	case fLocationID:
		return a.LocationID
	}
	panic("ingest: not a string field: " + f.String())
}

// appendUS writes op_object or op_cause: empty for billing.USNoUse.
func appendUS(row []byte, n int) []byte {
	if n == billing.USNoUse {
		return row
	}
	return strconv.AppendInt(row, int64(n), 10)
}

// appendEventField writes s, quoted when it holds a comma or a quote. Spaces
// around s are written as they are; the readers drop them.
func appendEventField(row []byte, f evField, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return row, &FieldError{Field: f.String(), Err: ErrInvalidUTF8}
	}
	needQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n', '\r':
			return row, &FieldError{Field: f.String(), Err: ErrLineBreak}
		case ',', '"':
			needQuote = true
		}
	}
	if !needQuote {
		return append(row, s...), nil
	}
	row = append(row, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		row = append(row, s[:i+1]...)
		row = append(row, '"')
		s = s[i+1:]
	}
	row = append(row, s...)
	return append(row, '"'), nil
}
