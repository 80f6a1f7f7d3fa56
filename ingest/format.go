package ingest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// FormatEvents is the canonical events format in either form: JSON Lines
// when the input opens with '{', else CSV.
const FormatEvents Format = "events"

// peekSize is how much of an input format detection looks at.
const peekSize = 64 << 10

// formatNames maps the names ParseFormat accepts to the built-in formats;
// the registered sources (see sources) add theirs.
var formatNames = map[string]Format{
	"":       FormatAuto,
	"auto":   FormatAuto,
	"csv":    FormatCSV,
	"jsonl":  FormatJSONL,
	"json":   FormatJSONL,
	"ndjson": FormatJSONL,
	"events": FormatEvents,
}

// Source is an input format beyond the canonical events: a vendor's stream
// or file, read into events (or bills) by a reader of its own. Each one is a
// line of the table sources, so a new vendor's format is a file and a line.
type Source struct {
	// Format is the format's name, as --format, input_format and the
	// manifests write it.
	Format Format
	// Read reads one input in the format.
	Read func(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error)
	// Detect reports whether an input is in the format, from the extension
	// that counts (in lower case; "" for one DetectFormat does not know)
	// and its first bytes, decompressed; nil means the format is never
	// detected. The sources are asked in the order of the table, before
	// the extensions of the canonical formats decide.
	Detect func(ext string, head []byte) bool
	// Quote, when not nil, gives the raw text of the records of an input
	// at the given positions (the lines its reader gave them), for rejects
	// found after reading; nil quotes the lines as they are.
	Quote func(r io.Reader, positions []int64) (map[int64]string, error)
}

// source returns the registered source of format f.
func source(f Format) (Source, bool) {
	for _, s := range sources {
		if s.Format == f {
			return s, true
		}
	}
	return Source{}, false
}

// FormatNames are the names of the input formats --format takes: auto, the
// canonical ones, then the registered sources.
func FormatNames() []string {
	names := []string{"auto", "csv", "jsonl", "events"}
	for _, s := range sources {
		names = append(names, string(s.Format))
	}
	return names
}

// ParseFormat reads a format name, in any letter case: "" or "auto" (detect
// per input), "csv", "jsonl" (or "json", "ndjson"), "events", or the name of
// a registered source ("connect", "cti", "agentoprinfo").
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if f, ok := formatNames[name]; ok {
		return f, nil
	}
	if src, ok := source(Format(name)); ok {
		return src.Format, nil
	}
	names := FormatNames()
	return FormatAuto, fmt.Errorf("unknown format %q: want %s or %s", s, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// formatByExt maps file extensions (in lower case) to formats.
var formatByExt = map[string]Format{
	".csv":    FormatCSV,
	".jsonl":  FormatJSONL,
	".ndjson": FormatJSONL,
	".json":   FormatJSONL,
}

// agentOprInfoColumns is the number of columns of a Huawei agentOprInfo
// line, and beginTimeColumn the 0-based index of its begin_time.
const (
	agentOprInfoColumns = 21
	beginTimeColumn     = 7
)

// detectLines is how many non-blank lines DetectFormat looks at for the
// shape of an agentOprInfo line.
const detectLines = 5

// DetectFormat guesses the format of an input from its name and its first
// bytes (decompressed). The extension that counts is the one before those
// of compression (.gz, .zst) and log rotation (.1): events.csv.gz is CSV,
// cti.log.1.gz is read by content. The registered sources are asked first,
// in the order of their table: an Amazon Connect stream opens with a JSON
// object and names EventType and AgentARN (whatever its name, but .csv);
// CTI text has a name without a known extension, does not open with '{',
// and has a line containing "MsgType:" (in any letter case); agentOprInfo
// is a .csv file, or one without a known extension that does not open with
// '{', one of whose first lines has exactly 21 comma-separated fields whose
// 8th looks like "YYYY-MM-DD hh:mm:ss" (Huawei's files are .csv too). Then
// the extensions .csv (CSV) and .jsonl, .ndjson and .json (JSON Lines)
// decide; any other name is JSON Lines when its first non-blank byte is
// '{', else CSV.
func DetectFormat(name string, head []byte) Format {
	ext := strings.ToLower(filepath.Ext(formatName(name)))
	if _, known := formatByExt[ext]; !known {
		ext = ""
	}
	for _, s := range sources {
		if s.Detect != nil && s.Detect(ext, head) {
			return s.Format
		}
	}
	if f, known := formatByExt[ext]; known {
		return f
	}
	if firstContentByte(head) == '{' {
		return FormatJSONL
	}
	return FormatCSV
}

// detectCTI reports whether an input without a known extension holds a
// "MsgType:" (in any letter case) and does not open with '{'.
func detectCTI(ext string, head []byte) bool {
	return ext == "" && firstContentByte(head) != '{' && containsFoldASCII(head, "msgtype:")
}

// detectAgentOprInfo reports whether a .csv file, or one without a known
// extension that does not open with '{', has a line of the agentOprInfo
// shape among its first ones.
func detectAgentOprInfo(ext string, head []byte) bool {
	if ext != ".csv" && (ext != "" || firstContentByte(head) == '{') {
		return false
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	for n := 0; n < detectLines && len(head) > 0; {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if isBlankLine(bytes.TrimSuffix(line, []byte{'\r'})) {
			continue
		}
		n++
		if looksAgentOprInfo(line) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII word, in any
// letter case.
func containsFoldASCII(s []byte, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for ; j < len(word); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[j] {
				break
			}
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// looksAgentOprInfo reports whether line has the shape of an agentOprInfo
// bill: 21 comma-separated fields, the 8th a date and time.
func looksAgentOprInfo(line []byte) bool {
	if bytes.Count(line, []byte{','}) != agentOprInfoColumns-1 {
		return false
	}
	f := line
	for range beginTimeColumn {
		f = f[bytes.IndexByte(f, ',')+1:]
	}
	f = f[:bytes.IndexByte(f, ',')]
	f = bytes.Trim(trimBlanks(f), `"`)
	_, _, _, _, _, _, _, rest, ok := parseDateTime(string(f))
	return ok && rest == ""
}

// Read reads one input in the given format and hands what it holds to h.
// An input compressed with gzip or zstd (known by its first bytes, whatever
// its name) is decompressed as it is read; line numbers are those of the
// decompressed text. FormatAuto detects the format from the name and the
// first 64 KiB (DetectFormat).
//
// An input that no reader can read, whatever the format (UTF-16 text, an
// archive, binary data: see sniffFile), is one record: a reject of line 1
// whose reason says what the file looks like, and whose raw text is its
// start. A damaged compressed input is an error.
func Read(ctx context.Context, r io.Reader, name string, format Format, opts Options, h Handler) (Stats, error) {
	dr, comp, done, err := decompress(r)
	if err != nil {
		return Stats{}, fmt.Errorf("%s: %w", name, err)
	}
	defer done()
	br := bufio.NewReaderSize(dr, lineBufferSize)
	head, err := br.Peek(peekSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return Stats{}, fmt.Errorf("%s: read: %w", name, err)
	}
	if format == FormatAuto {
		format = DetectFormat(name, head)
	}
	if what, raw := sniffFile(head); what != "" {
		reason := "file looks like " + what
		if comp != "" {
			reason = comp + "-compressed " + reason
		}
		st := Stats{Records: 1, Format: format}
		if h.Reject != nil {
			return st, h.Reject(NewReject(name, 1, []byte(raw), reason))
		}
		return st, nil
	}
	var read func(context.Context, io.Reader, string, Options, Handler) (Stats, error)
	switch format {
	case FormatCSV:
		read = ReadCSV
	case FormatJSONL:
		read = ReadJSONL
	case FormatEvents:
		read = ReadEvents
	default:
		src, ok := source(format)
		if !ok {
			return Stats{}, fmt.Errorf("%s: unknown format %q", name, format)
		}
		read = src.Read
	}
	st, err := read(ctx, br, name, opts, h)
	st.Format = format
	return st, err
}
