package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compression is a way an input may be compressed, known by the magic
// bytes it begins with.
type compression struct {
	name  string
	magic []byte
	open  func(r io.Reader) (io.Reader, func(), error)
}

// compressions are the compressions read transparently: what logrotate
// leaves (gzip by default, zstd when told to).
var compressions = []compression{
	{name: "gzip", magic: []byte{0x1f, 0x8b}, open: openGzip},
	{name: "zstd", magic: []byte{0x28, 0xb5, 0x2f, 0xfd}, open: openZstd},
}

func openGzip(r io.Reader) (io.Reader, func(), error) {
	// Several members one after another (cat a.gz b.gz) are one stream.
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, err
	}
	return z, func() { z.Close() }, nil
}

func openZstd(r io.Reader) (io.Reader, func(), error) {
	d, err := zstd.NewReader(r)
	if err != nil {
		return nil, nil, err
	}
	return d, d.Close, nil
}

// compressedExts are the file extensions of compressed inputs, in lower
// case; formatName drops them before it looks at the extension.
var compressedExts = map[string]bool{".gz": true, ".gzip": true, ".zst": true, ".zstd": true}

// decompress returns a reader of what r holds: decompressed when it begins
// with the magic bytes of gzip or zstd (whatever the file is named), else r
// as it is. comp names the compression ("" for none); done releases the
// decoder and must be called when reading is over. The reader is a
// *bufio.Reader of lineBufferSize bytes when r is not compressed, so that a
// line reader uses it as it is.
func decompress(r io.Reader) (out io.Reader, comp string, done func(), err error) {
	br := bufio.NewReaderSize(r, lineBufferSize)
	head, err := br.Peek(4)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", nil, err
	}
	for _, c := range compressions {
		if !bytes.HasPrefix(head, c.magic) {
			continue
		}
		d, done, err := c.open(br)
		if err != nil {
			return nil, c.name, nil, fmt.Errorf("%s: %w", c.name, err)
		}
		return &decompressed{r: d, name: c.name}, c.name, done, nil
	}
	return br, "", func() {}, nil
}

// decompressed names the compression in the errors of its reader.
type decompressed struct {
	r    io.Reader
	name string
}

func (d *decompressed) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s data damaged or cut short: %w", d.name, err)
	}
	return n, err
}

// formatName is name without the extensions of compression (.gz, .zst) and
// of log rotation (.1, .2 ...) at its end: the name whose extension tells
// the format (events-2026-11-20.csv.gz is CSV, cti.log.1.gz is read by
// content).
func formatName(name string) string {
	if IsObject(name) { // an object's URL: its key, without the query
		name, _, _ = strings.Cut(name, "?")
	}
	for {
		ext := filepath.Ext(name)
		if !compressedExts[strings.ToLower(ext)] && !isRotationExt(ext) {
			return name
		}
		name = name[:len(name)-len(ext)]
	}
}

// isRotationExt reports whether ext is a dot and a number, as logrotate
// appends.
func isRotationExt(ext string) bool {
	if len(ext) < 2 {
		return false
	}
	for i := 1; i < len(ext); i++ {
		if !isDigit(ext[i]) {
			return false
		}
	}
	return true
}
