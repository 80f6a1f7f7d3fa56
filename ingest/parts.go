package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// minPartSize is the least number of bytes ReadParts gives a part, on
// average: a smaller file is read in fewer parts.
var minPartSize int64 = 1 << 20

// ReadParts reads the file in.Path as Read reads it (in.Format, FormatAuto
// to detect it), in up to n parts at once: the file is cut into ranges of
// about the same size at line boundaries, and each range is read on a
// goroutine of its own, handing what it reads to handler(part), the Handler
// of that part. Records keep the line numbers the whole file gives them; a
// CSV file's header row, read first, gives the columns of every part. The
// records of the parts, taken in part order, are the records a sequential
// Read hands on, and the FileStat is the one ReadInputs gives the file (its
// size and SHA-256, taken meanwhile, and the records read).
//
// What cannot be cut is read as one part, on the calling goroutine: CTI
// text (a message spans lines and carries timestamps and devices forward),
// compressed files, files no reader reads (Read rejects them whole), and
// what is not a regular file (a pipe, standard input). A part is at least a
// megabyte, so a smaller file gets fewer parts than n.
//
// handler is called once for each part, in part order, before any part is
// read; each part's Handler is called from one goroutine only. A callback's
// error, a read error or the context's error stops the read, and the error
// returned is the first in file order, the one a sequential read would
// have met.
func ReadParts(ctx context.Context, in Input, opts Options, n int, handler func(part int) Handler) (FileStat, error) {
	return ReadPartsBy(ctx, in, opts, func(Format) int { return n }, handler)
}

// ReadPartsBy is ReadParts with the number of parts decided by the
// format of the file (as ReadParts detects it: FormatCSV, FormatJSONL,
// FormatEvents or FormatAgentOprInfo): parts(format) is the most parts
// it is read in at once.
func ReadPartsBy(ctx context.Context, in Input, opts Options, parts func(Format) int, handler func(part int) Handler) (FileStat, error) {
	f, err := openInput(ctx, in.Path)
	if err != nil {
		return FileStat{}, err
	}
	defer f.Close()
	plan, err := planParts(f, in, opts, parts)
	if err != nil {
		return FileStat{}, err
	}
	if plan == nil {
		return readFile(ctx, f, in, opts, handler(0), readInput)
	}
	return plan.read(ctx, f, in, opts, handler)
}

// readInput reads an input with Read, as ReadParts reads what it cannot
// cut.
func readInput(ctx context.Context, r io.Reader, in Input, opts Options, h Handler) (Stats, error) {
	return Read(ctx, r, in.Path, in.Format, opts, h)
}

// partKind is a line format that ReadParts can cut.
type partKind uint8

const (
	partCSV partKind = iota
	partJSONL
	partAgentOprInfo
)

// partPlan is how ReadParts reads a file: which reader, the columns of a
// CSV file, and the parts.
type partPlan struct {
	kind   partKind
	format Format // as Read reports it
	size   int64
	cols   []evField // CSV
	// cuts are the offsets where the parts begin, and the size last: part
	// i is [cuts[i], cuts[i+1]). Each begins a line.
	cuts []int64
	// linesBefore[i] is the number of lines before part i.
	linesBefore []int64
}

// planParts decides how to read f in up to parts(its format) parts. It
// returns nil when f is to be read as one part with Read, and an error
// when the file's CSV header is wrong (the error ReadCSV would give).
func planParts(f *os.File, in Input, opts Options, parts func(Format) int) (*partPlan, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil
	}
	size := fi.Size()
	head := make([]byte, min(size, peekSize))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: read: %w", in.Path, err)
	}
	for _, c := range compressions {
		if bytes.HasPrefix(head, c.magic) {
			return nil, nil
		}
	}
	if what, _ := sniffFile(head); what != "" {
		return nil, nil
	}
	p := &partPlan{format: in.Format, size: size}
	if p.format == FormatAuto {
		p.format = DetectFormat(in.Path, head)
	}
	switch p.format {
	case FormatCSV:
		p.kind = partCSV
	case FormatJSONL:
		p.kind = partJSONL
	case FormatEvents:
		p.kind = partCSV
		if firstContentByte(head) == '{' {
			p.kind = partJSONL
		}
	case FormatAgentOprInfo:
		p.kind = partAgentOprInfo
	default:
		return nil, nil // CTI, or a format Read refuses
	}
	n := parts(p.format)
	if n <= 1 {
		return nil, nil
	}
	var start, lines int64
	if p.kind == partCSV {
		lr := newLineReader(io.NewSectionReader(f, 0, size), opts.maxLine())
		if p.cols, err = readCSVHeader(lr, in.Path); err != nil {
			return nil, err
		}
		start, lines = lr.consumed, lr.lineNo
	}
	partSize := minPartSize
	if opts.MinPartSize > 0 {
		partSize = opts.MinPartSize
	}
	n = int(min(int64(n), max(1, (size-start)/partSize)))
	if n <= 1 {
		return nil, nil
	}
	if p.cuts, err = cutAtLines(f, start, size, n); err != nil {
		return nil, fmt.Errorf("%s: read: %w", in.Path, err)
	}
	if p.linesBefore, err = countLines(f, p.cuts, lines); err != nil {
		return nil, fmt.Errorf("%s: read: %w", in.Path, err)
	}
	return p, nil
}

// cutAtLines cuts [start, size) of f into at most n parts of about the
// same size, each beginning a line (start does), and returns where they
// begin, and size last. Parts that would be empty are left out.
func cutAtLines(f io.ReaderAt, start, size int64, n int) ([]int64, error) {
	cuts := []int64{start}
	buf := make([]byte, 64<<10)
	for i := 1; i < n; i++ {
		// Part i begins with the first line that begins at its share of
		// the bytes, at, or after it, and after the last cut: the line
		// after the first line break from at-1 on (and from the last cut
		// on).
		at := start + (size-start)*int64(i)/int64(n)
		pos := max(at-1, cuts[len(cuts)-1])
		next := size
		for pos < size {
			m, err := f.ReadAt(buf[:min(int64(len(buf)), size-pos)], pos)
			if j := bytes.IndexByte(buf[:m], '\n'); j >= 0 {
				next = pos + int64(j) + 1
				break
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			if m == 0 {
				break
			}
			pos += int64(m)
		}
		if next > cuts[len(cuts)-1] && next < size {
			cuts = append(cuts, next)
		}
	}
	return append(cuts, size), nil
}

// countLines returns the number of lines before each part, counting the
// line breaks of the parts before it at once, each cut into as many pieces
// as there are cores between them; before is the number of lines before
// the first part.
func countLines(f io.ReaderAt, cuts []int64, before int64) ([]int64, error) {
	n := len(cuts) - 1
	counted := n - 1 // the last part's breaks count for no part
	pieces := max(1, (runtime.GOMAXPROCS(0)+counted-1)/max(counted, 1))
	breaks := make([]int64, counted*pieces)
	errs := make([]error, len(breaks))
	var wg sync.WaitGroup
	for i := range counted {
		size := cuts[i+1] - cuts[i]
		for j := range pieces {
			from, to := cuts[i]+size*int64(j)/int64(pieces), cuts[i]+size*int64(j+1)/int64(pieces)
			k := i*pieces + j
			wg.Go(func() {
				breaks[k], errs[k] = countBreaks(io.NewSectionReader(f, from, to-from))
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	lines := make([]int64, n)
	lines[0] = before
	for i := 1; i < n; i++ {
		lines[i] = lines[i-1]
		for _, b := range breaks[(i-1)*pieces : i*pieces] {
			lines[i] += b
		}
	}
	return lines, nil
}

// countBreaks counts the line feeds of r.
func countBreaks(r io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		m, err := r.Read(buf)
		n += int64(bytes.Count(buf[:m], []byte{'\n'}))
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// read reads the parts of f at once, and hashes the whole file meanwhile.
func (p *partPlan) read(ctx context.Context, f *os.File, in Input, opts Options, handler func(part int) Handler) (FileStat, error) {
	n := len(p.cuts) - 1
	hs := make([]Handler, n)
	for i := range hs {
		hs[i] = handler(i)
	}
	// The hash stops when a part fails, the parts when the hash does. A
	// part that fails stops the parts after it, not those before: one of
	// those may fail first in file order.
	hashCtx, stopHash := context.WithCancel(ctx)
	defer stopHash()
	partsCtx, stopParts := context.WithCancel(ctx)
	defer stopParts()
	ctxs := make([]context.Context, n)
	cancels := make([]context.CancelFunc, n)
	for i := range n {
		ctxs[i], cancels[i] = context.WithCancel(partsCtx)
		defer cancels[i]()
	}

	var wg sync.WaitGroup
	var sum string
	var hashErr error
	wg.Go(func() {
		if sum, hashErr = hashFile(hashCtx, f, p.size); hashErr != nil && hashCtx.Err() == nil {
			stopParts()
		}
	})
	stats := make([]Stats, n)
	errs := make([]error, n)
	if opts.Progress != nil && p.cuts[0] > 0 {
		opts.Progress(int(p.cuts[0])) // the head, read while planning
	}
	for i := range n {
		wg.Go(func() {
			var r io.Reader = io.NewSectionReader(f, p.cuts[i], p.cuts[i+1]-p.cuts[i])
			if opts.Progress != nil {
				r = &countingReader{r: r, progress: opts.Progress}
			}
			var lr *lineReader
			if i == 0 && p.kind != partCSV {
				lr = newLineReader(r, opts.maxLine()) // the start of the file
			} else {
				lr = newPartLineReader(r, opts.maxLine(), p.linesBefore[i])
			}
			stats[i], errs[i] = p.readPart(ctxs[i], lr, in.Path, opts, hs[i])
			if errs[i] != nil {
				stopHash()
				for _, cancel := range cancels[i+1:] {
					cancel()
				}
			}
		})
	}
	wg.Wait()
	if hashErr != nil && hashCtx.Err() == nil {
		// The file could not be read: the parts' errors, if any, are
		// that they were stopped.
		return FileStat{}, fmt.Errorf("read %s: %w", in.Path, hashErr)
	}
	for _, err := range errs {
		if err != nil {
			return FileStat{}, err
		}
	}
	if hashErr != nil { // the context's error
		return FileStat{}, hashErr
	}
	st := FileStat{Path: in.Path, Format: p.format, Size: p.size, SHA256: sum}
	for _, s := range stats {
		st.Records += s.Records
	}
	return st, nil
}

// hashFile returns the SHA-256 of the first size bytes of f, in hex.
func hashFile(ctx context.Context, f io.ReaderAt, size int64) (string, error) {
	h := sha256.New()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		if err != nil && (!errors.Is(err, io.EOF) || off < size) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readPart reads the lines of one part with the reader of the file's
// format.
func (p *partPlan) readPart(ctx context.Context, lr *lineReader, name string, opts Options, h Handler) (Stats, error) {
	switch p.kind {
	case partCSV:
		return readCSVRecords(ctx, lr, name, opts, p.cols, h)
	case partJSONL:
		return readJSONLRecords(ctx, lr, name, opts, h)
	default:
		return readAOIRecords(ctx, lr, name, opts, h)
	}
}
