// Package spill sorts more records than memory should hold: it keeps a
// bounded part in memory, writes each full part sorted to a temporary file
// (a run) and merges the runs when the records are read back. Ingest uses
// it so that its memory grows with the number of agents, not of events.
package spill

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// ioBuffer is the buffer of each run being written or read: large enough
// for sequential disk speed, small enough for hundreds of runs at once.
const ioBuffer = 128 << 10

// runWriter writes length-prefixed records to a new temporary file.
type runWriter struct {
	f   *os.File
	w   *bufio.Writer
	len [binary.MaxVarintLen64]byte
}

func newRunWriter(dir string) (*runWriter, error) {
	f, err := os.CreateTemp(dir, "run-*")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	return &runWriter{f: f, w: bufio.NewWriterSize(f, ioBuffer)}, nil
}

func (r *runWriter) write(rec []byte) error {
	n := binary.PutUvarint(r.len[:], uint64(len(rec)))
	if _, err := r.w.Write(r.len[:n]); err != nil {
		return err
	}
	_, err := r.w.Write(rec)
	return err
}

// finish flushes the run and rewinds it for reading; on failure the run
// is discarded.
func (r *runWriter) finish() (*os.File, error) {
	err := r.w.Flush()
	if err == nil {
		_, err = r.f.Seek(0, io.SeekStart)
	}
	if err != nil {
		r.discard()
		return nil, fmt.Errorf("spill: %w", err)
	}
	return r.f, nil
}

// discard closes and removes a run that will not be finished.
func (r *runWriter) discard() {
	r.f.Close()
	os.Remove(r.f.Name())
}

// runReader reads back what a runWriter wrote.
type runReader struct {
	r   *bufio.Reader
	buf []byte
}

func newRunReader(f *os.File) *runReader {
	return &runReader{r: bufio.NewReaderSize(f, ioBuffer)}
}

// next returns the next record, valid until the following call, and
// io.EOF after the last.
func (r *runReader) next() ([]byte, error) {
	n, err := binary.ReadUvarint(r.r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("spill: read run: %w", err)
	}
	if uint64(cap(r.buf)) < n {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return nil, fmt.Errorf("spill: read run: %w", io.ErrUnexpectedEOF)
	}
	return r.buf, nil
}

// closeRuns closes and removes run files.
func closeRuns(files []*os.File) error {
	var errs []error
	for _, f := range files {
		errs = append(errs, f.Close(), os.Remove(f.Name()))
	}
	return errors.Join(errs...)
}
