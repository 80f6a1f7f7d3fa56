package lake

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/thrift/lib/go/thrift"
	"github.com/klauspost/compress/huff0"
	"github.com/klauspost/compress/zstd"
	"github.com/xitongsys/parquet-go/parquet"

	"github.com/agentbill/agentbill/billing"
)

// encTable has a column for each way the writer encodes values.
var encTable = Table{Name: "enc", Columns: []Column{
	{Name: "s", Kind: KindString, Optional: true, dict: true},
	{Name: "p", Kind: KindString, Optional: true},
	{Name: "k", Kind: KindInt32, dict: true},
	{Name: "o", Kind: KindInt32, Optional: true, dict: true},
	{Name: "x", Kind: KindInt64},
	{Name: "t", Kind: KindTimestamp},
	{Name: "q", Kind: KindInt32, Optional: true},
}}

type encRow struct {
	s, p string // "" is null
	k    int32
	o    int32
	hasO bool
	x    int64
	t    int64
	q    int32 // null when 0
}

func (r encRow) values() []any {
	var o any
	if r.hasO {
		o = r.o
	}
	var q any
	if r.q != 0 {
		q = r.q
	}
	return []any{nullable(r.s), nullable(r.p), r.k, o, r.x, time.UnixMicro(r.t).UTC(), q}
}

func writeEnc(t *testing.T, rows []encRow) string {
	t.Helper()
	var buf bytes.Buffer
	tw := newTableWriter(&buf, encTable, createdBy("", ""))
	for _, r := range rows {
		tw.cols[0].putOptStr(r.s)
		tw.cols[1].putOptStr(r.p)
		tw.cols[2].putI32(r.k)
		tw.cols[3].putOptI32(r.o, r.hasO)
		tw.cols[4].putI64(r.x)
		tw.cols[5].putI64(r.t)
		tw.cols[6].putOptI32(r.q, r.q != 0)
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
				x: int64(i) * int64(i), t: base + int64(i)*1_234_567, q: int32(i % 3 * i),
			}
		})},
		{"dictionary too big for one page", gen(30_000, func(i int) encRow {
			return encRow{s: fmt.Sprintf("%040d", i), k: int32(i), x: -int64(i), t: base - int64(i)}
		})},
		{"integer dictionary too big", gen(maxDictBytes/4+500, func(i int) encRow {
			return encRow{k: int32(i * 7), o: -int32(i), hasO: i%2 == 0, t: base}
		})},
		{"extreme numbers", gen(300, func(i int) encRow {
			ext64 := []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}
			ext32 := []int32{math.MinInt32, math.MaxInt32, 0, -1, 65535}
			return encRow{
				k: ext32[i%5], o: ext32[(i+1)%5], hasO: true, x: ext64[i%5], q: ext32[(i+2)%5],
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
			if want := []string{"s VARCHAR", "p VARCHAR", "k INTEGER", "o INTEGER", "x BIGINT", "t TIMESTAMP", "q INTEGER"}; !reflect.DeepEqual(types, want) {
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

func TestCreatedBy(t *testing.T) {
	tests := []struct {
		version, build string
		want           string
	}{
		{"", "", "agentbill version dev"},
		{"1.4.0", "", "agentbill version 1.4.0"},
		{"1.4.0", "3f2c1d9", "agentbill version 1.4.0 (build 3f2c1d9)"},
	}
	db := openDuckDB(t)
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			l := &Lake{Dir: t.TempDir(), Location: kathmandu(t), Version: tt.version, Build: tt.build}
			writeSample(t, l)
			for _, tb := range Tables() {
				p := l.Path(tb.Name, testDay)
				meta, err := readFooter(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := meta.GetCreatedBy(); got != tt.want {
					t.Errorf("%s: created_by %q, want %q", tb.Name, got, tt.want)
				}
				if got := queryRows(t, db, "SELECT created_by FROM parquet_file_metadata("+sqlString(p)+")")[0][0]; got != tt.want {
					t.Errorf("%s: DuckDB reads created_by %q, want %q", tb.Name, got, tt.want)
				}
			}
		})
	}
}

func TestSortingColumns(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	// Enough bills for several row groups.
	if err := l.WriteDay(t.Context(), testDay, syntheticBills(300_000, loc), sampleOpen(loc), sampleRejects(), Manifest{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		table Table
		want  []string // column names, each ascending with nulls first
	}{
		{Bills, []string{"agent_id", "begin_time", "op_type", "end_time"}},
		{Open, []string{"agent_id", "begin_time", "op_type", "end_time"}},
		{Rejects, nil},
	}
	for _, tt := range tests {
		t.Run(tt.table.Name, func(t *testing.T) {
			meta, err := readFooter(l.Path(tt.table.Name, testDay))
			if err != nil {
				t.Fatal(err)
			}
			if tt.table.Name == Bills.Name && len(meta.RowGroups) < 2 {
				t.Errorf("%d row groups, want several", len(meta.RowGroups))
			}
			for i, rg := range meta.RowGroups {
				var got []string
				for _, sc := range rg.SortingColumns {
					if sc.Descending || !sc.NullsFirst {
						t.Errorf("row group %d: %+v, want ascending with nulls first", i, sc)
					}
					got = append(got, meta.Schema[sc.ColumnIdx+1].Name)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("row group %d sorted by %q, want %q", i, got, tt.want)
				}
			}
		})
	}
}

// TestPageEncodings walks every page of a bills file: integers and times
// are PLAIN, strings that repeat and small integers have a dictionary,
// every page is ZSTD, and the column metadata says so.
func TestPageEncodings(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	bills := append(sampleBills(loc), syntheticBills(50_000, loc)...)
	if err := l.WriteDay(t.Context(), testDay, bills, nil, nil, Manifest{}); err != nil {
		t.Fatal(err)
	}
	walkPages(t, l.Path(Bills.Name, testDay), func(col Column, rg *parquet.RowGroup, md *parquet.ColumnMetaData, pages []page) {
		want := parquet.Encoding_PLAIN
		if col.dict && md.Statistics.GetNullCount() < rg.NumRows { // all nulls: nothing to look up
			want = parquet.Encoding_PLAIN_DICTIONARY
		}
		if md.Codec != parquet.CompressionCodec_ZSTD {
			t.Errorf("%s: codec %v", col.Name, md.Codec)
		}
		if !slices.Equal(md.Encodings, []parquet.Encoding{want, parquet.Encoding_RLE}) {
			t.Errorf("%s: encodings %v, want %v and RLE", col.Name, md.Encodings, want)
		}
		var values int64
		for i, pg := range pages {
			h := pg.header
			switch {
			case i == 0 && want == parquet.Encoding_PLAIN_DICTIONARY:
				if h.Type != parquet.PageType_DICTIONARY_PAGE || h.DictionaryPageHeader.Encoding != want {
					t.Errorf("%s: first page %v, want a dictionary", col.Name, h)
				}
			case h.Type != parquet.PageType_DATA_PAGE || h.DataPageHeader.Encoding != want:
				t.Errorf("%s page %d: %v, want a data page of %v", col.Name, i, h, want)
			default:
				values += int64(h.DataPageHeader.NumValues)
			}
		}
		if values != rg.NumRows {
			t.Errorf("%s: pages hold %d values, the row group %d rows", col.Name, values, rg.NumRows)
		}
	})
}

// page is one page of a column chunk: its header, its compressed body and
// the body uncompressed.
type page struct {
	header     *parquet.PageHeader
	compressed []byte
	plain      []byte
}

// walkPages calls f with the pages of every column chunk of the Parquet
// file at path (a bills file), each page uncompressed with a zstd decoder
// of another make than the writer's.
func walkPages(t *testing.T, path string, f func(col Column, rg *parquet.RowGroup, md *parquet.ColumnMetaData, pages []page)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := readFooter(path)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for _, rg := range meta.RowGroups {
		for i, cc := range rg.Columns {
			col := Bills.Columns[i]
			md := cc.MetaData
			start := md.DataPageOffset
			if md.DictionaryPageOffset != nil {
				start = *md.DictionaryPageOffset
			}
			buf := data[start : start+md.TotalCompressedSize]
			var pages []page
			for len(buf) > 0 {
				mem := thrift.NewTMemoryBuffer()
				mem.Write(buf)
				h := parquet.NewPageHeader()
				if err := h.Read(t.Context(), thrift.NewTCompactProtocolConf(mem, nil)); err != nil {
					t.Fatalf("%s page %d: %v", col.Name, len(pages), err)
				}
				body := buf[len(buf)-mem.Len():][:h.CompressedPageSize]
				buf = buf[len(buf)-mem.Len()+int(h.CompressedPageSize):]
				plain, err := dec.DecodeAll(body, nil)
				if err != nil || len(plain) != int(h.UncompressedPageSize) {
					t.Fatalf("%s page %d: %d bytes, want %d (%v)", col.Name, len(pages), len(plain), h.UncompressedPageSize, err)
				}
				pages = append(pages, page{h, body, plain})
			}
			f(col, rg, md, pages)
		}
	}
}

// Strings that look random are written as zstd frames without a search
// for matches: the bills' ids always, as frames of hex digits, other
// strings once their first page shows zstd finds little more in them.
// Strings that repeat keep zstd.
func TestRandomStringsAsLiterals(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	bills := syntheticBills(50_000, loc)
	r := rand.New(rand.NewSource(1))
	for i := range bills {
		var id [16]byte
		r.Read(id[:])
		bills[i].Origin.RecordID = hex.EncodeToString(id[:])
	}
	if err := l.WriteDay(t.Context(), testDay, bills, nil, nil, Manifest{}); err != nil {
		t.Fatal(err)
	}
	var s huff0.Scratch
	seen := map[string]bool{}
	walkPages(t, l.Path(Bills.Name, testDay), func(col Column, rg *parquet.RowGroup, md *parquet.ColumnMetaData, pages []page) {
		var want bool
		switch col.Name {
		case "bill_id", "origin_id":
			want = true
		case "call_id", "source_file":
		default:
			return
		}
		seen[col.Name] = true
		if len(pages) < 2 {
			t.Fatalf("%s: %d pages in a row group of %d rows", col.Name, len(pages), rg.NumRows)
		}
		levels := func(pg page) int { // the definition levels, with their length
			if !col.Optional {
				return 0
			}
			return 4 + int(binary.LittleEndian.Uint32(pg.plain))
		}
		for i, pg := range pages[1:] { // the first may go either way
			got := bytes.Equal(pg.compressed, appendRandomFrame(nil, pg.plain, levels(pg), &s))
			if got != want {
				t.Errorf("%s page %d: random-looking %v, want %v", col.Name, i+1, got, want)
			}
		}
		if want { // ids of 32 digits: frames of hex digits, levels or none
			for i, pg := range pages[1:] {
				if hex, ok := appendHexFrame(nil, pg.plain, levels(pg)); !ok || !bytes.Equal(hex, pg.compressed) {
					t.Errorf("%s page %d: not a frame of hex digits", col.Name, i+1)
				}
			}
		}
	})
	if len(seen) != 4 {
		t.Errorf("columns seen: %v", seen)
	}
}

// TestParquetGoReads reads many spans back through the open table, which
// parquet-go reads, across pages, dictionaries and nulls.
func TestParquetGoReads(t *testing.T) {
	// On UTC, the *_local columns are twins of the instants' (see
	// rowGroup.twins).
	for _, loc := range []*time.Location{kathmandu(t), time.UTC} {
		t.Run(loc.String(), func(t *testing.T) { testParquetGoReads(t, loc) })
	}
}

func testParquetGoReads(t *testing.T, loc *time.Location) {
	var open []billing.OpenSpan
	for _, b := range append(sampleBills(loc), syntheticBills(60_000, loc)...) {
		open = append(open, billing.OpenSpan{Bill: b, LastEvent: b.End.Add(time.Second)})
	}
	l := &Lake{Dir: t.TempDir(), Location: loc}
	if err := l.WriteDay(t.Context(), testDay, nil, open, nil, Manifest{}); err != nil {
		t.Fatal(err)
	}
	got, _, err := l.ReadOpen(t.Context(), testDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(open) {
		t.Fatalf("read %d spans, wrote %d", len(got), len(open))
	}
	bad := 0
	for i := range got {
		if !reflect.DeepEqual(got[i], open[i]) {
			t.Errorf("span %d:\ngot  %+v\nwant %+v", i, got[i], open[i])
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

func TestTwinColumns(t *testing.T) {
	col := func(name string) int {
		return slices.IndexFunc(billColumns, func(c Column) bool { return c.Name == name })
	}
	begin := col("begin_time")
	for _, tt := range []struct {
		name    string
		loc     *time.Location
		instant bool // every bill ends where it begins
		twins   map[int]int
	}{
		{"Kathmandu", kathmandu(t), false, map[int]int{}},
		{"UTC", time.UTC, false, map[int]int{col("begin_local"): begin, col("end_local"): col("end_time")}},
		// end_time is begin_time's twin, and end_local, which mirrors
		// it, takes begin_time's chunk too.
		{"UTC instants", time.UTC, true, map[int]int{col("end_time"): begin, col("begin_local"): begin, col("end_local"): begin}},
		{"Kathmandu instants", kathmandu(t), true, map[int]int{col("end_time"): begin, col("end_local"): col("begin_local")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newRowGroup(Bills)
			clock := newWallClock(tt.loc)
			for _, b := range syntheticBills(5000, tt.loc) {
				if tt.instant {
					b.End = b.Begin
				}
				putBill(g.cols, clock, &b)
				g.endRow()
			}
			for i, j := range g.twins() {
				if want, ok := tt.twins[i]; ok && j != want || !ok && j >= 0 {
					t.Errorf("column %s: twin of %d, want %d", billColumns[i].Name, j, want)
				}
			}
		})
	}
}
