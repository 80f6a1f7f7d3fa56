package lake

import (
	"math/rand/v2"
	"testing"
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
