package lake

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// encTable has a column for each way the writer encodes values.
var encTable = Table{Name: "enc", Columns: []Column{
	{Name: "s", Kind: KindString, Optional: true, dict: true},
	{Name: "p", Kind: KindString, Optional: true},
	{Name: "k", Kind: KindInt32, dict: true},
	{Name: "o", Kind: KindInt32, Optional: true, dict: true},
	{Name: "x", Kind: KindInt64},
	{Name: "t", Kind: KindTimestamp},
}}

type encRow struct {
	s, p string // "" is null
	k    int32
	o    int32
	hasO bool
	x    int64
	t    int64
}

func (r encRow) values() []any {
	var o any
	if r.hasO {
		o = r.o
	}
	return []any{nullable(r.s), nullable(r.p), r.k, o, r.x, time.UnixMicro(r.t).UTC()}
}

func writeEnc(t *testing.T, rows []encRow) string {
	t.Helper()
	var buf bytes.Buffer
	tw := newTableWriter(&buf, encTable)
	for _, r := range rows {
		tw.cols[0].putOptStr(r.s)
		tw.cols[1].putOptStr(r.p)
		tw.cols[2].putI32(r.k)
		tw.cols[3].putOptI32(r.o, r.hasO)
		tw.cols[4].putI64(r.x)
		tw.cols[5].putI64(r.t)
		if err := tw.endRow(); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "enc.parquet")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEncodings(t *testing.T) {
	gen := func(n int, f func(i int) encRow) []encRow {
		rows := make([]encRow, n)
		for i := range rows {
			rows[i] = f(i)
		}
		return rows
	}
	base := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC).UnixMicro()
	tests := []struct {
		name string
		rows []encRow
	}{
		{"no rows", nil},
		{"one row", gen(1, func(i int) encRow {
			return encRow{s: "a", p: "b", k: 7, o: -1, hasO: true, x: 42, t: base}
		})},
		{"nine rows, nulls alternating", gen(9, func(i int) encRow {
			return encRow{s: strings.Repeat("x", i%2), p: strings.Repeat("é", i%2), k: int32(i), o: int32(i), hasO: i%2 == 0, x: int64(i), t: base + int64(i)}
		})},
		{"all null", gen(3000, func(i int) encRow { return encRow{t: base} })},
		{"runs of every length", func() []encRow {
			var rows []encRow
			for run := 1; run <= 70; run++ {
				for j := 0; j < run; j++ {
					rows = append(rows, encRow{
						s: fmt.Sprint("v", run%5), p: fmt.Sprint(run), k: int32(run % 3), o: int32(run), hasO: run%4 != 0,
						x: int64(run) * 1_000_003, t: base + int64(len(rows))*1_000_000,
					})
				}
			}
			return rows
		}()},
		{"several pages, wide dictionary", gen(3*pageRows+123, func(i int) encRow {
			return encRow{
				s: fmt.Sprintf("agent-%06d", i/3), p: fmt.Sprint(i * 7919 % 1000), k: int32(i % 61), o: int32(i / 5), hasO: i%7 != 3,
				x: int64(i) * int64(i), t: base + int64(i)*1_234_567,
			}
		})},
		{"dictionary too big for one page", gen(30_000, func(i int) encRow {
			return encRow{s: fmt.Sprintf("%040d", i), k: int32(i), x: -int64(i), t: base - int64(i)}
		})},
		{"extreme numbers", gen(300, func(i int) encRow {
			ext64 := []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}
			ext32 := []int32{math.MinInt32, math.MaxInt32, 0, -1, 65535}
			return encRow{
				k: ext32[i%5], o: ext32[(i+1)%5], hasO: true, x: ext64[i%5],
				// DuckDB's TIMESTAMP spans years 290308 BC to 294247: keep
				// to what it can show.
				t: []int64{-62135596800000000, 253402300799999999, 0, base, -1}[i%5],
			}
		})},
	}
	db := openDuckDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeEnc(t, tt.rows)
			src := "read_parquet(" + sqlString(p) + ")"
			var types []string
			for _, r := range queryRows(t, db, "DESCRIBE SELECT * FROM "+src) {
				types = append(types, fmt.Sprint(r[0], " ", r[1]))
			}
			if want := []string{"s VARCHAR", "p VARCHAR", "k INTEGER", "o INTEGER", "x BIGINT", "t TIMESTAMP"}; !reflect.DeepEqual(types, want) {
				t.Errorf("types %q, want %q", types, want)
			}
			got := queryRows(t, db, "SELECT * FROM "+src)
			if len(got) != len(tt.rows) {
				t.Fatalf("read %d rows, wrote %d", len(got), len(tt.rows))
			}
			bad := 0
			for i := range got {
				if want := tt.rows[i].values(); !reflect.DeepEqual(got[i], want) {
					t.Errorf("row %d:\ngot  %#v\nwant %#v", i, got[i], want)
					if bad++; bad > 5 {
						t.FailNow()
					}
				}
			}
			// Statistics must agree with the data, or filters skip rows.
			for _, q := range []string{
				"SELECT count(*) FROM " + src + " WHERE s IS NULL",
				"SELECT count(*) FROM " + src + " WHERE o IS NULL",
				"SELECT count(*) FROM " + src + " WHERE x = 9223372036854775807",
				"SELECT count(*) FROM " + src + " WHERE k = -2147483648",
			} {
				want := 0
				for _, r := range tt.rows {
					switch {
					case strings.Contains(q, "s IS NULL") && r.s == "",
						strings.Contains(q, "o IS NULL") && !r.hasO,
						strings.Contains(q, "x =") && r.x == math.MaxInt64,
						strings.Contains(q, "k =") && r.k == math.MinInt32:
						want++
					}
				}
				if n := queryRows(t, db, q)[0][0]; n != int64(want) {
					t.Errorf("%s = %v, want %d", q, n, want)
				}
			}
		})
	}
}

func TestRowGroups(t *testing.T) {
	// Long raw texts fill several row groups with few rows, and are too
	// long to be kept as statistics.
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	rs := bigRejects(7000)
	if err := l.WriteDay(t.Context(), testDay, nil, nil, rs, Manifest{}); err != nil {
		t.Fatal(err)
	}
	db := openDuckDB(t)
	src := "read_parquet(" + sqlString(l.Path(Rejects.Name, testDay)) + ", hive_partitioning = false)"
	groups := queryRows(t, db, "SELECT count(DISTINCT row_group_id) FROM parquet_metadata("+sqlString(l.Path(Rejects.Name, testDay))+")")[0][0]
	if groups.(int64) < 2 {
		t.Errorf("%v row groups, want several", groups)
	}
	got := queryRows(t, db, "SELECT * FROM "+src)
	if len(got) != len(rs) {
		t.Fatalf("read %d rows, wrote %d", len(got), len(rs))
	}
	for i, r := range rs {
		if want := []any{r.File, r.Line, r.Raw, r.Reason}; !reflect.DeepEqual(got[i], want) {
			t.Fatalf("row %d differs", i)
		}
	}
}
