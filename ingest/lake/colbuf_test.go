package lake

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xitongsys/parquet-go/parquet"
)

// The string statistics are the least and greatest value put, byte for
// byte, whichever way they are put (PLAIN or through the dictionary), with
// values that share their first eight bytes, are shorter than eight, or
// hold zero bytes and bytes above 0x7f.
func TestStringStatistics(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	alphabet := []byte{0, 1, 'a', 'b', 'z', 0x7f, 0xc3, 0xa9, 0xff}
	for _, dict := range []bool{false, true} {
		for round := range 200 {
			c := newColBuf(Column{Name: "s", Kind: KindString, dict: dict})
			prefix := string(alphabet[:r.IntN(9)])
			var lo, hi string
			for i := range 1 + r.IntN(50) {
				b := []byte(prefix[:r.IntN(len(prefix)+1)])
				for range r.IntN(12) {
					b = append(b, alphabet[r.IntN(len(alphabet))])
				}
				s := string(b)
				c.putStr(s)
				// The statistics are of the values as written: invalid
				// UTF-8 is written repaired.
				s = validUTF8(s)
				if i == 0 || s < lo {
					lo = s
				}
				if i == 0 || s > hi {
					hi = s
				}
			}
			if c.los != lo || c.his != hi {
				t.Fatalf("dict %v, round %d: min %q max %q, want %q %q", dict, round, c.los, c.his, lo, hi)
			}
		}
	}
}

// statKey orders strings as the strings are ordered wherever two keys
// differ.
func TestStatKeyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	alphabet := []byte{0, 1, 'a', 0xff}
	word := func() string {
		b := make([]byte, r.IntN(11))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 100_000 {
		a, b := word(), word()
		ka, kb := statKey(a), statKey(b)
		if ka < kb && !(a < b) || ka > kb && !(a > b) {
			t.Fatalf("keys %x %x of %q %q", ka, kb, a, b)
		}
	}
}

// validUTF8 is strings.ToValidUTF8 for invalid strings and s itself for
// valid ones, wherever in the string a byte above 0x7f stands.
func TestValidUTF8(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	alphabet := []string{"a", "0", "\x00", "\x7f", "é", "\xff", "\xc3", "€"}
	for range 20_000 {
		var b strings.Builder
		for range r.IntN(20) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := b.String()
		want := s
		if !utf8.ValidString(s) {
			want = strings.ToValidUTF8(s, "\uFFFD")
		}
		if got := validUTF8(s); got != want {
			t.Fatalf("validUTF8(%q) = %q, want %q", s, got, want)
		}
	}
}

// The pages of PLAIN strings noted as the values come are those encoding
// finds by reading every value's length: the same chunk, byte for byte,
// across long and short values, nulls in runs and alone, and pages cut by
// rows and by bytes.
func TestNotedPages(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	e := newChunkEncoder()
	byRows, byBytes := 0, 0
	for round := range 60 {
		optional := round%2 == 0
		c := newColBuf(Column{Name: "s", Kind: KindString, Optional: optional})
		rows := r.IntN(70_000)
		long := []int{0, 1, 30, 5000, 200_000}[round%5] // some values far longer
		nullRun := 0
		for range rows {
			if optional && nullRun == 0 && r.IntN(50) == 0 {
				nullRun = r.IntN(30_000)
			}
			if nullRun > 0 {
				nullRun--
				c.putOptStr("")
				continue
			}
			n := 1 + r.IntN(40)
			if long > 0 && r.IntN(1000) == 0 {
				n = long
			}
			if round%10 == 9 { // pages of exactly pageBytes
				n = 1020
			}
			v := strings.Repeat(string(rune('a'+r.IntN(26))), n)
			if optional {
				c.putOptStr(v)
			} else {
				c.putStr(v)
			}
		}
		c.fillLevels()
		noted, _, err := e.encode(nil, &c, rows)
		if err != nil {
			t.Fatal(err)
		}
		c.paged = false
		found, _, err := e.encode(nil, &c, rows)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(noted, found) {
			t.Fatalf("round %d (%d rows, optional %v): the chunk with noted pages differs", round, rows, optional)
		}
		for _, p := range c.pages {
			if p.row%pageRows == 0 {
				byRows++
			} else {
				byBytes++
			}
		}
	}
	if byRows < 20 || byBytes < 20 {
		t.Errorf("pages cut by rows %d, by bytes %d: the test meant more of both", byRows, byBytes)
	}
}

// TestPackedIDs checks that a column of ids held packed (colBuf.putHex)
// gives the chunk its values give written as PLAIN text, byte for byte,
// and that the packing is used: for ids of every length it takes, with
// nulls, and when a value part way through is not such an id.
func TestPackedIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	id := func(width int) string {
		b := make([]byte, width/2)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return hex.EncodeToString(b)
	}
	tests := []struct {
		name     string
		rows     int
		width    int
		optional bool
		odd      func(row int) (string, bool) // a value other than an id
		packed   bool
	}{
		{name: "ids of 32", rows: 50_000, width: 32, packed: true},
		{name: "ids of 8", rows: 45_000, width: 8, packed: true},
		{name: "ids of 48", rows: 41_000, width: 48, packed: true},
		{name: "one id", rows: 1, width: 32, packed: true},
		{name: "ids with nulls", rows: 60_000, width: 32, optional: true, packed: true},
		{name: "ids of 56, longer than packed", rows: 30_000, width: 56},
		{name: "ids of 12, not whole words", rows: 1000, width: 12},
		{name: "a shorter id", rows: 50_000, width: 32, odd: func(row int) (string, bool) { return "abc", row == 25_000 }},
		{name: "an upper-case id", rows: 50_000, width: 32, odd: func(row int) (string, bool) {
			return strings.ToUpper(id(32)), row == 45_000
		}},
		{name: "a g in the last word", rows: 30_000, width: 32, odd: func(row int) (string, bool) {
			return id(24) + "0123456g", row == 29_999
		}},
		{name: "bad UTF-8 after ids", rows: 30_000, width: 32, odd: func(row int) (string, bool) {
			return "\xff" + id(30) + "\xfe", row == 100
		}},
		{name: "an empty first value", rows: 1000, width: 32, odd: func(row int) (string, bool) { return "", row == 0 }},
		{name: "nulls with a short id", rows: 30_000, width: 32, optional: true, odd: func(row int) (string, bool) {
			return "12345678", row == 20_001
		}},
		{name: "ids of one first word", rows: 30_000, width: 32, packed: true, odd: func(int) (string, bool) {
			return "deadbeef" + id(24), true // the statistics' keys tie
		}},
		{name: "all null", rows: 30_000, width: 32, optional: true, odd: func(int) (string, bool) { return "", true }},
	}
	e := newChunkEncoder()
	for _, tt := range tests {
		col := Column{Name: "id", Kind: KindString, Optional: tt.optional, random: true}
		packed, text := newColBuf(col), newColBuf(col)
		text.hexWidth = -1
		// digits is put as putBill puts bill ids: an id of 32 digits
		// from its digits packed (putPackedID), any other value as text.
		digits := newColBuf(col)
		nullRun := 0
		for row := range tt.rows {
			v := id(tt.width)
			if tt.optional && nullRun == 0 && r.IntN(100) == 0 {
				nullRun = r.IntN(25_000)
			}
			if nullRun > 0 {
				nullRun--
				v = ""
			}
			if tt.odd != nil {
				if odd, ok := tt.odd(row); ok {
					v = odd
				}
			}
			for _, c := range []*colBuf{&packed, &text} {
				if tt.optional {
					c.putOptStr(v)
				} else {
					c.putStr(v)
				}
			}
			if !tt.optional {
				var d [16]byte
				ok := len(v) == 32 && v == strings.ToLower(v)
				if ok {
					_, err := hex.Decode(d[:], []byte(v))
					ok = err == nil
				}
				if ok {
					digits.putPackedID(v, &d)
				} else {
					digits.putStr(v)
				}
			}
		}
		all := []*colBuf{&packed, &text}
		if !tt.optional {
			all = append(all, &digits)
		}
		if got := packed.hexWidth > 0; got != tt.packed {
			t.Errorf("%s: held packed %v, want %v", tt.name, got, tt.packed)
		}
		if packed.size != text.size {
			t.Errorf("%s: size %d, as text %d", tt.name, packed.size, text.size)
		}
		var chunks [3][]byte
		var metas [3]*parquet.ColumnChunk
		for i, c := range all {
			c.fillLevels()
			var err error
			if chunks[i], metas[i], err = e.encode(nil, c, tt.rows); err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
		}
		for i := range all[1:] {
			if i == 1 && digits.size != text.size {
				t.Errorf("%s: size %d from digits, as text %d", tt.name, digits.size, text.size)
			}
			if got := chunks[i*2]; !bytes.Equal(got, chunks[1]) {
				t.Errorf("%s: the chunk from packed ids (%d) differs (%d bytes, as text %d)", tt.name, i, len(got), len(chunks[1]))
			}
			if a, b := metas[i*2].MetaData, metas[1].MetaData; a.TotalUncompressedSize != b.TotalUncompressedSize ||
				a.TotalCompressedSize != b.TotalCompressedSize || !reflect.DeepEqual(a.Statistics, b.Statistics) {
				t.Errorf("%s: metadata %+v, as text %+v", tt.name, a, b)
			}
		}
	}
}

// TestPackHexString checks the packing of ids as they are put against
// hex.DecodeString, digits and not.
func TestPackHexString(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	alphabet := "0123456789abcdef/:`gAF\x00\x7f\x80\xff"
	for range 100_000 {
		b := make([]byte, 8*(1+r.IntN(6)))
		for i := range b {
			if r.IntN(40) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = alphabet[r.IntN(16)]
			}
		}
		want, err := hex.DecodeString(string(b))
		valid := err == nil && !bytes.ContainsAny(b, "ABCDEF")
		got := make([]byte, len(b)/2)
		if ok := packHexString(got, string(b)) == 0; ok != valid {
			t.Fatalf("%q: packHexString says %v", b, ok)
		}
		if valid && !bytes.Equal(got, want) {
			t.Fatalf("%q: %x, want %x", b, got, want)
		}
	}
}

// TestUniformLevels checks the levels of pages all null or all set against
// the levels read from their bytes, and that a column's bytes per row are
// filled right whichever way it was put.
func TestUniformLevels(t *testing.T) {
	var w rleWriter
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 1000, 20_000} {
		for _, v := range []byte{0, 1} {
			valid := bytes.Repeat([]byte{v}, n)
			want := appendLevels([]byte("kept"), valid, &w)
			if got := appendUniformLevels([]byte("kept"), n, v); !bytes.Equal(got, want) {
				t.Errorf("%d rows of %d: %x, want %x", n, v, got, want)
			}
		}
	}
	for _, rows := range []int{1, 2, 3, 1000, 65_537} {
		for _, set := range []bool{false, true} {
			c := newColBuf(Column{Name: "s", Kind: KindString, Optional: true})
			g := rowGroup{cols: []colBuf{c}}
			for range rows {
				if set {
					g.cols[0].putOptStr("x")
				} else {
					g.cols[0].putOptStr("")
				}
			}
			g.fillLevels()
			c = g.cols[0]
			want := byte(0)
			if set {
				want = 1
			}
			if !c.uniform || len(c.valid) != rows || bytes.Count(c.valid, []byte{want}) != rows {
				t.Errorf("%d rows set %v: uniform %v, %d bytes, %d of them %d", rows, set, c.uniform, len(c.valid), bytes.Count(c.valid, []byte{want}), want)
			}
		}
	}
	// A column of nulls and values is not uniform.
	g := rowGroup{cols: []colBuf{newColBuf(Column{Name: "s", Kind: KindString, Optional: true})}}
	g.cols[0].putOptStr("")
	g.cols[0].putOptStr("x")
	if g.fillLevels(); g.cols[0].uniform || !bytes.Equal(g.cols[0].valid, []byte{0, 1}) {
		t.Errorf("nulls and values: uniform %v, levels %v", g.cols[0].uniform, g.cols[0].valid)
	}
}

// An integer column's dictionary gives each distinct value one index, in
// order of first appearance, for values found by array and by map alike,
// and forgets them all when the buffer is reset or spilled to PLAIN.
func TestIntDictionary(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	c := newColBuf(Column{Name: "k", Kind: KindInt32, dict: true})
	for round := range 50 {
		pool := []int32{0, 1, 7, lowInts - 1, lowInts, -1, -lowInts, 1 << 20, -(1 << 31), 1<<31 - 1}
		for range r.IntN(40) {
			pool = append(pool, int32(r.IntN(3*lowInts)-lowInts))
		}
		pool = pool[:1+r.IntN(len(pool))]
		var want []int32
		ids := map[int32]uint32{}
		for range 1 + r.IntN(500) {
			v := pool[r.IntN(len(pool))]
			if _, ok := ids[v]; !ok {
				ids[v] = uint32(len(want))
				want = append(want, v)
			}
			c.putI32(v)
			if got := c.idx[len(c.idx)-1]; got != ids[v] {
				t.Fatalf("round %d: %d has index %d, want %d", round, v, got, ids[v])
			}
		}
		if !slices.Equal(c.dict.ints, want) {
			t.Fatalf("round %d: dictionary %v, want %v", round, c.dict.ints, want)
		}
		if round%5 == 4 {
			c.spill()
			if c.dict.low != nil && *c.dict.low != [lowInts]uint32{} || len(c.dict.intIDs) != 0 {
				t.Fatalf("round %d: spilled dictionary still indexes values", round)
			}
		}
		c.reset()
		if c.dict.low != nil && *c.dict.low != [lowInts]uint32{} || len(c.dict.intIDs) != 0 {
			t.Fatalf("round %d: reset dictionary still indexes values", round)
		}
	}
}

// spanMillis gives what Sub and Milliseconds give, for spans of any sign,
// sub-millisecond and sub-microsecond parts, and instants far apart.
func TestSpanMillis(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	base := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	check := func(b, e time.Time) {
		t.Helper()
		if got, want := spanMillis(b, e), e.Sub(b).Milliseconds(); got != want {
			t.Fatalf("%v to %v: %d ms, Sub gives %d", b, e, got, want)
		}
	}
	for range 100_000 {
		b := base.Add(time.Duration(r.Int64N(int64(48 * time.Hour))))
		check(b, b.Add(time.Duration(r.Int64N(int64(72*time.Hour))-int64(24*time.Hour))))
		check(b, b.Add(time.Duration(r.IntN(3_000_000)-1_500_000)))
	}
	far := time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)
	check(far, base)
	check(base, far)
	check(base, time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.FixedZone("x", 3600)))
	check(base.In(time.FixedZone("y", -7200)), base.Add(time.Millisecond-1))
}
