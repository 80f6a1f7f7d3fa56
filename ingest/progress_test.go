package ingest

import (
	"context"
	"io"
	"sync/atomic"
	"testing"
)

// TestReadProgress: Options.Progress is told every byte of a file as it is
// on disk, read whole or in parts, compressed or not.
func TestReadProgress(t *testing.T) {
	withMinPartSize(t, 1)
	dir := t.TempDir()
	plain := dayCSV(40, 5)
	files := []struct {
		name string
		data []byte
	}{
		{"day.csv", plain},
		{"day.csv.gz", gzipped(t, plain)},
	}
	for _, f := range files {
		in := Input{Path: writeTestFile(t, dir, f.name, f.data)}
		t.Run(f.name+" whole", func(t *testing.T) {
			var n atomic.Int64
			opts := Options{Progress: func(b int) { n.Add(int64(b)) }}
			read := func(ctx context.Context, r io.Reader, in Input, opts Options, h Handler) (Stats, error) {
				return Read(ctx, r, in.Path, in.Format, opts, h)
			}
			if _, err := ReadInputs(context.Background(), []Input{in}, opts, read, Handler{}); err != nil {
				t.Fatal(err)
			}
			if n.Load() != int64(len(f.data)) {
				t.Errorf("told %d bytes, want %d", n.Load(), len(f.data))
			}
		})
		t.Run(f.name+" in parts", func(t *testing.T) {
			var n atomic.Int64
			opts := Options{Progress: func(b int) { n.Add(int64(b)) }}
			if _, err := ReadParts(context.Background(), in, opts, 4, func(int) Handler { return Handler{} }); err != nil {
				t.Fatal(err)
			}
			if n.Load() != int64(len(f.data)) {
				t.Errorf("told %d bytes, want %d", n.Load(), len(f.data))
			}
		})
	}
}
