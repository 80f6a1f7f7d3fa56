package ingest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/agentbill/agentbill/billing"
)

// Input is one file to read, and its format (FormatAuto to detect it).
type Input struct {
	Path   string
	Format Format
}

// FileStat describes an input as it was read.
type FileStat struct {
	Path    string
	Format  Format
	Size    int64
	SHA256  string
	Records int64
}

// Collected is everything read from a set of inputs.
type Collected struct {
	Events  []billing.Event // in input order: files in the order given, then line
	Bills   []billing.Bill  // existing bills (agentOprInfo)
	Rejects []Reject
	Skipped map[string]int64
	// Notes counts what the readers noted, by kind and name (see
	// Handler.Note).
	Notes map[string]map[string]int64
	Files []FileStat
}

// Records is the number of input records read from all files.
func (c *Collected) Records() int64 {
	var n int64
	for _, f := range c.Files {
		n += f.Records
	}
	return n
}

// Collect reads every input in order with read (usually the format
// dispatcher Read wrapped with the site's mapping). Each file's size and
// SHA-256 are taken from the bytes actually read.
func Collect(ctx context.Context, inputs []Input, opts Options, read func(ctx context.Context, r io.Reader, in Input, opts Options, h Handler) (Stats, error)) (*Collected, error) {
	c := &Collected{Skipped: map[string]int64{}, Notes: map[string]map[string]int64{}}
	h := Handler{
		Event:  func(e *billing.Event) error { c.Events = append(c.Events, *e); return nil },
		Bill:   func(b billing.Bill) error { c.Bills = append(c.Bills, b); return nil },
		Reject: func(r Reject) error { c.Rejects = append(c.Rejects, r); return nil },
		Skip:   func(kind string) { c.Skipped[kind]++ },
		Note: func(kind, name string) {
			if c.Notes[kind] == nil {
				c.Notes[kind] = map[string]int64{}
			}
			c.Notes[kind][name]++
		},
	}
	files, err := ReadInputs(ctx, inputs, opts, read, h)
	if err != nil {
		return nil, err
	}
	c.Files = files
	return c, nil
}

// ReadInputs reads every input in order, handing what it reads to h, as
// Collect does without keeping it.
func ReadInputs(ctx context.Context, inputs []Input, opts Options, read func(ctx context.Context, r io.Reader, in Input, opts Options, h Handler) (Stats, error), h Handler) ([]FileStat, error) {
	var files []FileStat
	for _, in := range inputs {
		st, err := collectFile(ctx, in, opts, h, read)
		if err != nil {
			return nil, err
		}
		files = append(files, st)
	}
	return files, nil
}

func collectFile(ctx context.Context, in Input, opts Options, h Handler, read func(context.Context, io.Reader, Input, Options, Handler) (Stats, error)) (FileStat, error) {
	f, err := openInput(ctx, in.Path)
	if err != nil {
		return FileStat{}, err
	}
	defer f.Close()
	return readFile(ctx, f, in, opts, h, read)
}

// readFile reads the open file f of in with read, and describes it.
func readFile(ctx context.Context, f *os.File, in Input, opts Options, h Handler, read func(context.Context, io.Reader, Input, Options, Handler) (Stats, error)) (FileStat, error) {
	sum := sha256.New()
	counted := &countingReader{r: io.TeeReader(f, sum), progress: opts.Progress}
	st, err := read(ctx, counted, in, opts, h)
	if err != nil {
		return FileStat{}, err // the readers' errors name the file
	}
	// Hash what the reader left unread too, so the checksum is the file's.
	if _, err := io.Copy(io.Discard, counted); err != nil {
		return FileStat{}, fmt.Errorf("read %s: %w", in.Path, err)
	}
	return FileStat{Path: in.Path, Format: st.Format, Size: counted.n, SHA256: hex.EncodeToString(sum.Sum(nil)), Records: st.Records}, nil
}

type countingReader struct {
	r        io.Reader
	n        int64
	progress func(n int) // Options.Progress
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(n)
	}
	return n, err
}

// FetchLines returns the text of the given lines (1-based) of a file, for
// rejects found after reading, when only the line number is at hand. Lines
// longer than the reject limit are cut. A compressed file is decompressed,
// as Read does, so that the numbers are those of the lines Read counted.
// A file whose detected format quotes its records itself (Source.Quote: an
// Amazon Connect stream, whose names are masked and whose concatenated
// records are known by byte offset) is quoted that way.
func FetchLines(path string, lines []int64) (map[int64]string, error) {
	want := slices.Clone(lines)
	slices.Sort(want)
	want = slices.Compact(want)
	out := make(map[int64]string, len(want))
	if len(want) == 0 {
		return out, nil
	}
	f, err := openInput(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, _, done, err := decompress(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer done()
	br := bufio.NewReaderSize(r, lineBufferSize)
	head, _ := br.Peek(peekSize) // a read error shows below
	if src, ok := source(DetectFormat(path, head)); ok && src.Quote != nil {
		out, err := src.Quote(br, want)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return out, nil
	}
	lr := newLineReader(br, maxRawLen)
	i := 0
	for i < len(want) {
		line, no, _, err := lr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: read after line %d: %w", path, no, err)
		}
		if no == want[i] {
			out[no] = NewReject("", 0, line, "").Raw
			i++
		}
	}
	return out, nil
}
