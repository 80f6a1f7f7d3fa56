package lake

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
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
