package ingest

import (
	"bytes"
	"io"
)

// chunkKind is what a piece of a Connect stream is.
type chunkKind uint8

const (
	chunkObject    chunkKind = iota // an object, its braces balanced
	chunkTruncated                  // an object the end of its line or of the input cut short
	chunkTooLong                    // an object longer than the limit; data is its start
	chunkJunk                       // text that does not open an object
)

// connectChunk is one record of a Connect stream, or a piece of text that
// is none.
type connectChunk struct {
	data []byte // valid until the next chunk
	pos  int64  // its line, or its byte offset in a concatenated stream
	kind chunkKind
	max  int // the limit, for chunkTooLong
}

// connectStream cuts a stream into records: objects found by their braces,
// outside strings, one after another with or without blanks and line
// breaks between them. A record never spans a line break, which JSON
// allows only between tokens and Connect never writes.
type connectStream struct {
	r      io.Reader
	buf    []byte
	lo, hi int   // the unread bytes, buf[lo:hi]
	off    int64 // the stream offset of buf[0]
	line   int64 // the line of buf[lo]
	eof    bool
	err    error
	max    int
	layout int8 // 0 unknown, 1 lines, 2 concatenated
	kept   []byte
}

// Layouts of a Connect stream.
const (
	layoutLines int8 = 1 + iota
	layoutConcatenated
)

func newConnectStream(r io.Reader, limit int) *connectStream {
	return &connectStream{r: r, buf: make([]byte, max(2*limit, 64<<10)), line: 1, max: limit}
}

// fill reads more into the buffer, keeping buf[keep:hi] (moved to the
// front when there is no room behind it). It returns the distance the
// kept bytes moved back.
func (s *connectStream) fill(keep int) int {
	moved := 0
	if keep > 0 && (s.hi == len(s.buf) || keep >= len(s.buf)/2) {
		copy(s.buf, s.buf[keep:s.hi])
		moved = keep
		s.off += int64(keep)
		s.lo -= keep
		s.hi -= keep
	}
	for !s.eof && s.hi < len(s.buf) {
		n, err := s.r.Read(s.buf[s.hi:])
		s.hi += n
		if err == io.EOF {
			s.eof = true
		} else if err != nil {
			s.eof, s.err = true, err
		}
		if n > 0 {
			break
		}
	}
	return moved
}

// stopOutside marks the bytes that matter outside strings; stopInside those
// inside strings.
var stopOutside, stopInside = func() (out, in [256]bool) {
	for _, c := range []byte("\"{}[]\n") {
		out[c] = true
	}
	for _, c := range []byte("\"\\\n") {
		in[c] = true
	}
	return
}()

// next returns the next chunk, or io.EOF after the last.
func (s *connectStream) next() (connectChunk, error) {
	// Blanks and line breaks between records; a byte-order mark at the
	// start.
	for {
		if s.lo == s.hi {
			if s.eof {
				if s.err != nil {
					return connectChunk{}, s.err
				}
				return connectChunk{}, io.EOF
			}
			s.fill(s.lo)
			continue
		}
		if s.off == 0 && s.lo == 0 && s.hi >= len(utf8BOM) && bytes.HasPrefix(s.buf, utf8BOM) {
			s.lo += len(utf8BOM)
			continue
		}
		c := s.buf[s.lo]
		if c == '\n' {
			s.line++
		} else if c != ' ' && c != '\t' && c != '\r' {
			break
		}
		s.lo++
	}
	if s.layout == 0 {
		s.layout = s.detectLayout()
	}
	start := s.lo
	ch := connectChunk{pos: s.line, max: s.max}
	if s.layout == layoutConcatenated {
		ch.pos = s.off + int64(start)
	}
	if s.buf[start] != '{' {
		// Text up to the next object or line break.
		i := start + 1
		for {
			for i < s.hi && s.buf[i] != '{' && s.buf[i] != '\n' {
				i++
			}
			if i < s.hi || s.eof {
				break
			}
			if i-start >= s.max {
				// Keep the first bytes only: the reject shows none of it.
				start = i - 1
			}
			m := s.fill(start)
			start -= m
			i -= m
		}
		ch.kind, ch.data = chunkJunk, s.buf[start:i]
		s.lo = i
		return ch, nil
	}
	depth, inString, escaped := 0, false, false
	i := start
	tooLong := false
	for {
		if i == s.hi {
			if s.eof {
				ch.kind = chunkTruncated
				break
			}
			if !tooLong && i-start > s.max {
				tooLong = true
				s.kept = append(s.kept[:0], s.buf[start:start+min(s.max, maxRawLen)]...)
			}
			keep := start
			if tooLong {
				keep = i
			}
			m := s.fill(keep)
			start -= m
			i -= m
			continue
		}
		c := s.buf[i]
		if escaped {
			escaped = false
			i++
			continue
		}
		if inString {
			for i < s.hi && !stopInside[s.buf[i]] {
				i++
			}
			if i == s.hi {
				continue
			}
			switch s.buf[i] {
			case '"':
				inString = false
			case '\\':
				escaped = true
			case '\n':
				ch.kind = chunkTruncated
			}
			if ch.kind == chunkTruncated {
				break
			}
			i++
			continue
		}
		if !stopOutside[c] {
			i++
			for i < s.hi && !stopOutside[s.buf[i]] {
				i++
			}
			continue
		}
		i++
		switch c {
		case '"':
			inString = true
			continue
		case '{', '[':
			depth++
			continue
		case '}', ']':
			depth--
			if depth > 0 {
				continue
			}
		case '\n':
			i-- // the line break is not the record's
			ch.kind = chunkTruncated
		}
		break
	}
	if !tooLong && i-start > s.max {
		tooLong = true
		s.kept = append(s.kept[:0], s.buf[start:start+min(s.max, maxRawLen)]...)
	}
	s.lo = i
	if tooLong {
		ch.kind, ch.data = chunkTooLong, s.kept
		return ch, nil
	}
	ch.data = s.buf[start:i]
	return ch, nil
}

// detectLayout tells, from the first record in the buffer, whether the
// stream is concatenated: another record follows the first on its line.
func (s *connectStream) detectLayout() int8 {
	for !s.eof && s.hi < len(s.buf) && bytes.IndexByte(s.buf[s.lo:s.hi], '\n') < 0 {
		s.fill(s.lo)
	}
	end := objectEnd(s.buf[s.lo:s.hi])
	if end < 0 {
		return layoutLines
	}
	rest := s.buf[s.lo+end : s.hi]
	rest = bytes.TrimLeft(rest, " \t\r")
	if len(rest) > 0 && rest[0] == '{' {
		return layoutConcatenated
	}
	return layoutLines
}

// objectEnd is the index after the object that b opens with, or -1 when b
// does not hold all of it on its first line.
func objectEnd(b []byte) int {
	if len(b) == 0 || b[0] != '{' {
		return -1
	}
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			case '\n':
				return -1
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		case '\n':
			return -1
		}
	}
	return -1
}
