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

// formatNames maps the names ParseFormat accepts to formats.
var formatNames = map[string]Format{
	"":             FormatAuto,
	"auto":         FormatAuto,
	"csv":          FormatCSV,
	"jsonl":        FormatJSONL,
	"json":         FormatJSONL,
	"ndjson":       FormatJSONL,
	"events":       FormatEvents,
	"cti":          FormatCTI,
	"agentoprinfo": FormatAgentOprInfo,
}

// ParseFormat reads a format name, in any letter case: "" or "auto" (detect
// per input), "csv", "jsonl" (or "json", "ndjson"), "events", "cti" or
// "agentoprinfo".
func ParseFormat(s string) (Format, error) {
	if f, ok := formatNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return f, nil
	}
	return FormatAuto, fmt.Errorf("unknown format %q: want auto, csv, jsonl, events, cti or agentoprinfo", s)
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
// cti.log.1.gz is read by content. The extensions .jsonl, .ndjson and .json
// are JSON Lines. A .csv file is agentOprInfo when one of its first lines
// has exactly 21 comma-separated fields whose 8th looks like
// "YYYY-MM-DD hh:mm:ss" (Huawei's files are .csv too), else canonical CSV.
// Any other name is read by content: a first non-blank byte '{' is JSON
// Lines; a line containing "MsgType:" (in any letter case) is CTI text; the
// agentOprInfo shape is agentOprInfo; anything else is CSV.
func DetectFormat(name string, head []byte) Format {
	byExt, known := formatByExt[strings.ToLower(filepath.Ext(formatName(name)))]
	if known && byExt != FormatCSV {
		return byExt
	}
	if !known {
		if firstContentByte(head) == '{' {
			return FormatJSONL
		}
		if containsFoldASCII(head, "msgtype:") {
			return FormatCTI
		}
	}
	// Huawei agentOprInfo files are .csv too: their shape decides.
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
			return FormatAgentOprInfo
		}
	}
	return FormatCSV
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
	case FormatCTI:
		read = readCTI
	case FormatAgentOprInfo:
		read = readAgentOprInfo
	default:
		return Stats{}, fmt.Errorf("%s: unknown format %q", name, format)
	}
	st, err := read(ctx, br, name, opts, h)
	st.Format = format
	return st, err
}
