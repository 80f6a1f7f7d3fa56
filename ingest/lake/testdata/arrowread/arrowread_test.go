// Package arrowread checks that arrow-go reads the lake's Parquet files:
// the lake's tests write the files and what should be read from them, and
// run this test on them (go test with ARROWREAD_WANT naming the JSON file).
// It is a module of its own, so that arrow-go's dependencies stay out of
// agentbill's.
package arrowread

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// wantFile is what should be read from one file.
type wantFile struct {
	Table   string   `json:"table"`
	Path    string   `json:"path"`
	Columns []string `json:"columns"` // "name type", types as arrow prints them
	// Rows holds every row: strings, integers, timestamps as microseconds,
	// null as null.
	Rows [][]any `json:"rows"`
}

func TestRead(t *testing.T) {
	p := os.Getenv("ARROWREAD_WANT")
	if p == "" {
		t.Skip("ARROWREAD_WANT is not set: the lake's tests run this test")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var files []wantFile
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.Table, func(t *testing.T) { checkFile(t, f) })
	}
}

func checkFile(t *testing.T, want wantFile) {
	pf, err := file.OpenParquetFile(want.Path, false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	if n := pf.NumRows(); n != int64(len(want.Rows)) {
		t.Errorf("%d rows in the footer, want %d", n, len(want.Rows))
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var cols []string
	for _, f := range tbl.Schema().Fields() {
		cols = append(cols, f.Name+" "+f.Type.String())
	}
	if fmt.Sprint(cols) != fmt.Sprint(want.Columns) {
		t.Fatalf("columns:\ngot  %q\nwant %q", cols, want.Columns)
	}
	if tbl.NumRows() != int64(len(want.Rows)) {
		t.Fatalf("read %d rows, want %d", tbl.NumRows(), len(want.Rows))
	}
	bad := 0
	for c := range int(tbl.NumCols()) {
		row := 0
		for _, chunk := range tbl.Column(c).Data().Chunks() {
			for i := range chunk.Len() {
				got, w := value(chunk, i), fmt.Sprint(want.Rows[row][c])
				if got != w {
					t.Errorf("row %d, %s: %s, want %s", row, cols[c], got, w)
					if bad++; bad > 10 {
						t.FailNow()
					}
				}
				row++
			}
		}
	}
}

// value prints one value as the JSON of the expected rows has it.
func value(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "<nil>"
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return fmt.Sprint(a.Value(i))
	case *array.Int64:
		return fmt.Sprint(a.Value(i))
	case *array.Timestamp:
		return fmt.Sprint(int64(a.Value(i)))
	}
	return fmt.Sprintf("unexpected %T", a)
}
