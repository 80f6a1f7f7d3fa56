package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader streams lines with their numbers. It drops a UTF-8 byte-order
// mark at the start, a trailing CR, and never holds more than the limit of
// one line: the rest of a longer line is skipped and the line reported as
// too long, so a 10 MB line costs no 10 MB.
type lineReader struct {
	r       *bufio.Reader
	max     int
	buf     []byte
	lineNo  int64
	started bool
	// consumed counts the bytes of the input the lines returned so far
	// took, their line breaks and a byte-order mark included.
	consumed int64
}

// lineBufferSize is the size of a lineReader's buffer. A *bufio.Reader at
// least this large is used as it is, so what a caller peeked is not lost.
const lineBufferSize = 256 << 10

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, lineBufferSize), max: max}
}

// newPartLineReader returns a line reader of part of an input that starts
// after linesBefore lines: its lines are numbered on from there, and a
// byte-order mark at its start is text, as it would be inside the input.
func newPartLineReader(r io.Reader, max int, linesBefore int64) *lineReader {
	lr := newLineReader(r, max)
	lr.lineNo, lr.started = linesBefore, true
	return lr
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// next returns the next line (valid until the following call), its number
// (1-based), whether it was longer than the limit (then line holds its first
// max bytes), and io.EOF after the last line.
func (lr *lineReader) next() (line []byte, no int64, tooLong bool, err error) {
	if !lr.started {
		// Drop the mark before reading, so that it does not count against
		// the limit of the first line.
		lr.started = true
		if head, _ := lr.r.Peek(len(utf8BOM)); bytes.Equal(head, utf8BOM) {
			lr.r.Discard(len(utf8BOM))
			lr.consumed += int64(len(utf8BOM))
		}
	}
	lr.buf = lr.buf[:0]
	var whole []byte // the line, when it came in one piece from the buffer
	for {
		chunk, err := lr.r.ReadSlice('\n')
		lr.consumed += int64(len(chunk))
		if err == nil && len(lr.buf) == 0 && !tooLong && len(chunk) <= lr.max+2 {
			whole = chunk // the common case: no copy
			break
		}
		if !tooLong {
			if len(lr.buf)+len(chunk) > lr.max+2 { // +2: the CR LF that will be dropped
				room := lr.max - len(lr.buf)
				if room > 0 {
					lr.buf = append(lr.buf, chunk[:min(room, len(chunk))]...)
				}
				tooLong = true
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if len(lr.buf) == 0 && !tooLong {
				return nil, lr.lineNo, false, io.EOF
			}
			break
		}
		return nil, lr.lineNo, false, err
	}
	lr.lineNo++
	line = lr.buf
	if whole != nil {
		line = whole
	}
	if !tooLong {
		if n := len(line); n > 0 && line[n-1] == '\n' {
			line = line[:n-1]
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) > lr.max {
			line, tooLong = line[:lr.max], true
		}
	}
	return line, lr.lineNo, tooLong, nil
}
