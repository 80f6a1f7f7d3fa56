package linescan

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// scanBytes is Scan a byte at a time.
func scanBytes(b []byte) (commas, high, ctl uint64) {
	for i, c := range b[:min(len(b), Block)] {
		bit := uint64(1) << i
		if c == ',' {
			commas |= bit
		}
		if c >= 0x80 {
			high |= bit
		}
		if c < 0x20 || c == 0x7f || c == 0xc2 {
			ctl |= bit
		}
	}
	return
}

// TestScan compares Scan with a byte at a time on lines of every length up
// to past a block, of bytes drawn to hold commas, controls and non-ASCII.
func TestScan(t *testing.T) {
	if !Available {
		t.Skip("no AVX-512 here: the readers split lines eight bytes at a time")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{',', 'a', '0', ' ', '"', 0x00, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xc2, 0xc3, 0xff, '-', '+'}
	buf := make([]byte, 200)
	for n := 0; n <= 130; n++ {
		for range 200 {
			for i := range buf {
				buf[i] = alphabet[rng.IntN(len(alphabet))]
			}
			b := buf[:n]
			gc, gh, gt := Scan(b)
			wc, wh, wt := scanBytes(b)
			if gc != wc || gh != wh || gt != wt {
				t.Fatalf("%q: got %x %x %x, want %x %x %x", b, gc, gh, gt, wc, wh, wt)
			}
		}
	}
}

// TestAppendCommas checks the places of the commas of lines of several
// blocks against a byte at a time.
func TestAppendCommas(t *testing.T) {
	if !Available {
		t.Skip("no AVX-512 here")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= 300; n++ {
		line := make([]byte, n)
		var want []int
		wantASCII, wantCtl := true, false
		for i := range line {
			line[i] = []byte{',', 'x', 0x05, 0xc2, 0xe9}[rng.IntN(5)]
			switch c := line[i]; {
			case c == ',':
				want = append(want, i)
			case c < 0x20 || c == 0xc2:
				wantCtl = true
			}
			if line[i] >= 0x80 {
				wantASCII = false
			}
		}
		got, ascii, ctl := AppendCommas([]int{-1}, line)
		if !slices.Equal(got[1:], want) || got[0] != -1 || ascii != wantASCII || ctl != wantCtl {
			t.Fatalf("%d bytes: %v %v %v, want %v %v %v", n, got, ascii, ctl, want, wantASCII, wantCtl)
		}
	}
}
