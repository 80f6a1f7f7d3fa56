package reports

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentbill/agentbill/ingest/lake"
)

// A report or an export that meets a bills file it cannot read says which
// file, also where DuckDB does not.
func TestUnreadableFileNamed(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, file string, data []byte) []byte
	}{
		// DuckDB says "ZSTD Decompression failure" and no file. The bytes
		// damaged are in the middle of agent_id, which every query reads.
		{"damaged page, same size", func(t *testing.T, file string, data []byte) []byte {
			at := queryInt(t, "SELECT coalesce(dictionary_page_offset, data_page_offset) + total_compressed_size // 2 FROM parquet_metadata("+sqlQuote(file)+") WHERE path_in_schema = 'agent_id'")
			for i := at; i < at+10; i++ {
				data[i] ^= 0xff
			}
			return data
		}},
		{"cut short", func(t *testing.T, file string, data []byte) []byte { return data[:len(data)/2] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeDay(t, dir, day1, 50)
			writeDay(t, dir, day2, 50)
			abs, _ := filepath.Abs(dir)
			file := (&lake.Lake{Dir: abs}).Path(lake.Bills.Name, day2)
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, tt.damage(t, file, data), 0o644); err != nil {
				t.Fatal(err)
			}
			check := func(what string, err error) {
				t.Helper()
				var fe *FileError
				if !errors.As(err, &fe) || fe.Path != file || fe.Day != day2 {
					t.Fatalf("%s: err %v; want a FileError naming %s", what, err, file)
				}
				for _, want := range []string{file, "agentbill ingest --date " + day2.String()} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("%s: error lacks %q: %v", what, want, err)
					}
				}
			}

			s, err := Open(context.Background(), Options{Lake: dir, From: day1, To: day2.Next()})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			check("report", s.Run(context.Background(), Report{Name: "all_bills", SQL: "SELECT agent_id, sum(duration_ms) FROM bills GROUP BY ALL"}, FormatCSV, io.Discard))

			db := openLake(t, dir)
			_, err = ReadBills(context.Background(), db, dir, day2)
			check("export", err)
			if _, err := ReadBills(context.Background(), db, dir, day1); err != nil {
				t.Errorf("the day before, whole: %v", err)
			}
		})
	}
}

// A query that fails for a reason of its own is not blamed on a file, not
// even on one that cannot be read.
func TestUnreadableNotAFile(t *testing.T) {
	dir := t.TempDir()
	writeDay(t, dir, day1, 50)
	file := (&lake.Lake{Dir: dir}).Path(lake.Bills.Name, day1)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 3; i < len(data)/3+40; i++ {
		data[i] ^= 0xff
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{Lake: dir, From: day1, To: day1.Next()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Run(context.Background(), Report{Name: "bad", SQL: "SELECT no_such_column FROM bills"}, FormatCSV, io.Discard)
	var fe *FileError
	if err == nil || errors.As(err, &fe) {
		t.Errorf("err %v; want the query's own error", err)
	}
}

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// queryInt runs q, which gives one integer, on an empty DuckDB.
func queryInt(t *testing.T, q string) int {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
