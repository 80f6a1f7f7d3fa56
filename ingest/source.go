package ingest

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

// Format names an input format.
type Format string

// The input formats. FormatAuto chooses by file extension, then by content.
const (
	FormatAuto         Format = ""
	FormatCSV          Format = "csv"
	FormatJSONL        Format = "jsonl"
	FormatCTI          Format = "cti"
	FormatAgentOprInfo Format = "agentoprinfo"
)

// Reject is an input record the pipeline refused, with the reason.
type Reject struct {
	File   string
	Line   int64
	Raw    string
	Reason string
}

// maxRawLen bounds the raw text a reject keeps, so that a 10 MB line does
// not become a 10 MB row.
const maxRawLen = 4096

// NewReject builds a reject, keeping at most maxRawLen bytes of valid UTF-8
// of raw (invalid bytes become U+FFFD).
func NewReject(file string, line int64, raw []byte, reason string) Reject {
	truncated := len(raw) > maxRawLen
	if truncated {
		raw = raw[:maxRawLen]
	}
	s := string(raw)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if truncated {
		s += "…"
	}
	return Reject{File: file, Line: line, Raw: s, Reason: reason}
}

// Handler receives what a reader makes of its input. Bill is used only by
// readers of existing bills (agentOprInfo); Skip counts records that carry no
// billing information (CTI prose, context-only call messages), by kind.
// Note counts, by kind and name, something worth knowing about a record the
// reader handed on just before as events (a Connect status that the config
// does not list, NoteCustomStatus); it is no record of its own.
// Event gets the reader's own event, which it reuses for the next record:
// a handler copies what it keeps.
// A non-nil error from a callback stops the read and is returned.
type Handler struct {
	Event  func(*billing.Event) error
	Bill   func(billing.Bill) error
	Reject func(Reject) error
	Skip   func(kind string)
	Note   func(kind, name string)
}

// Options are what every reader needs to know about the site.
type Options struct {
	// Location reads times written without an offset; nil means UTC.
	Location *time.Location
	// MaxLineBytes bounds one line; a longer one is rejected. Zero means
	// DefaultMaxLineBytes.
	MaxLineBytes int
	// CTI maps CTI messages to events; nil means DefaultCTIMapping.
	CTI *CTIMapping
	// Connect maps the statuses of Amazon Connect streams; nil means
	// DefaultConnectMapping.
	Connect *ConnectMapping
	// Progress, when set, is told the number of bytes of an input file
	// read (as it is on disk) each time ReadInputs or ReadParts reads a
	// block of it, for a progress display. It must be cheap and safe to
	// call from several goroutines.
	Progress func(n int)
	// MinPartSize is the least number of bytes ReadParts gives a part, on
	// average; zero means a megabyte. Tests set it small to cut a small
	// file into many parts.
	MinPartSize int64
	// Borrowed lets the events and agentOprInfo readers hand on records
	// whose strings point into the line being read, valid only until the
	// callback returns: a caller that copies what it keeps saves the
	// reader making a string of every field.
	Borrowed bool
	// DeferBillIDs lets the agentOprInfo reader hand on its bills without
	// their ID, for the caller to give them many at once with a
	// billing.IDAssigner, which is faster.
	DeferBillIDs bool
}

// DefaultMaxLineBytes is the longest line a reader accepts (1 MiB).
const DefaultMaxLineBytes = 1 << 20

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) maxLine() int {
	if o.MaxLineBytes <= 0 {
		return DefaultMaxLineBytes
	}
	return o.MaxLineBytes
}

// FieldError says which field of a record is wrong; its text is the reject
// reason.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Reject reasons shared by the readers.
var (
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	ErrMissing     = errors.New("missing")
	// ErrControlChar is the reason of an identifier (agent_id, call_id,
	// skill_id ...) that holds a control character: a NUL or other C0
	// control (tab included), DEL or a C1 control. Such a value would make
	// an agent, call or skill of its own that looks like another one.
	ErrControlChar = errors.New("control character")
)

func fieldErr(field string, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Stats counts what a reader read.
type Stats struct {
	// Records is the number of input records the reader handed on as an
	// event, a bill, a reject or a skip: lines with content for the line
	// formats; for CTI, messages plus the prose and stray-field lines it
	// skipped; one for an input Read refuses whole (binary, UTF-16 ...).
	Records int64
	// Format is the format the input was read as (Read fills it in).
	Format Format
}

// tooLongReason is the reject reason of a line longer than max bytes, the
// same for every reader.
func tooLongReason(max int) string { return fmt.Sprintf("line longer than %d bytes", max) }
