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
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10), max: max}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// next returns the next line (valid until the following call), its number
// (1-based), whether it was longer than the limit (then line holds its first
// bytes), and io.EOF after the last line.
func (lr *lineReader) next() (line []byte, no int64, tooLong bool, err error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
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
	if !tooLong {
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) > lr.max {
			tooLong = true
		}
	}
	if !lr.started {
		lr.started = true
		line = bytes.TrimPrefix(line, utf8BOM)
	}
	return line, lr.lineNo, tooLong, nil
}
