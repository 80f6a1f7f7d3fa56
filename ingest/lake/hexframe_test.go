package lake

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"github.com/klauspost/compress/huff0"
)

// plainPage is n PLAIN strings of width random lower-case hex digits.
func plainPage(r *rand.Rand, n, width int) []byte {
	var page []byte
	raw := make([]byte, width/2)
	for range n {
		r.Read(raw)
		page = binary.LittleEndian.AppendUint32(page, uint32(width))
		page = hex.AppendEncode(page, raw)
	}
	return page
}

func TestHexFrame(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	var s huff0.Scratch
	for _, width := range []int{8, 16, 32, 64, 4096} {
		for _, n := range []int{1, 2, 8, 9, 10, 17, 100, 3640, 3641, 3649, 3650, 29_127} {
			// Optional columns' pages begin with their definition levels.
			skip := []int{0, 6, 1000}[n%3]
			page := plainPage(r, n, width)
			page = append(bytes.Repeat([]byte{0x55}, skip), page...)
			frame, ok := appendHexFrame([]byte("kept"), page, skip)
			if !ok || string(frame[:4]) != "kept" {
				t.Fatalf("width %d, %d values: not taken (%v) or the front of dst lost", width, n, ok)
			}
			frame = frame[4:]
			// The same frame from the ids packed, as a column holds them.
			packed := make([]byte, 0, n*width/2)
			for v := range n {
				packed, _ = hex.AppendDecode(packed, page[skip+4+v*(4+width):][:width])
			}
			if again, ok := appendPackedHexFrame(nil, page[:skip], packed, width); !ok || !bytes.Equal(again, frame) {
				t.Fatalf("width %d, %d values: the frame from packed ids differs (%v)", width, n, ok)
			}
			t.Run(fmt.Sprintf("width %d, %d values after %d bytes", width, n, skip), func(t *testing.T) {
				checkFrame(t, frame, page, n%10 == 0)
			})
			if n > 1000 {
				if lits := appendLiteralsFrame(nil, page, &s); len(frame) > len(lits) {
					t.Errorf("width %d, %d values: %d bytes, literals only %d", width, n, len(frame), len(lits))
				}
			}
		}
	}
}

// Pages of other shapes are left to the other encoders, and dst is given
// back as it was even when blocks were written before the shape failed.
func TestHexFrameRefuses(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	page := func(n int) []byte { return plainPage(r, n, 32) }
	with := func(b []byte, at int, c byte) []byte {
		b[at] = c
		return b
	}
	tests := map[string][]byte{
		"empty":                         nil,
		"short":                         {32, 0},
		"width not a multiple of 8":     plainPage(r, 100, 30),
		"empty strings":                 make([]byte, 4*100),
		"upper case":                    bytes.ToUpper(page(100)),
		"a g":                           with(page(100), 36*50+10, 'g'),
		"a byte over 0x80":              with(page(100), 36*50+11, 0xb0),
		"a slash (below '0')":           with(page(100), 36*50+12, '/'),
		"a colon (above '9')":           with(page(100), 36*50+13, ':'),
		"a backquote (below 'a')":       with(page(100), 36*50+14, '`'),
		"a bad digit in the last block": with(page(9000), 36*8990+7, 'x'),
		"a longer value":                append(page(10), append([]byte{33, 0, 0, 0}, bytes.Repeat([]byte{'a'}, 33)...)...),
		"a trailing byte":               append(page(10), 'a'),
	}
	for name, src := range tests {
		got, ok := appendHexFrame([]byte("kept"), src, 0)
		if ok || string(got) != "kept" {
			t.Errorf("%s: taken (%v), dst %q", name, ok, got[:min(len(got), 8)])
		}
	}
	// Levels longer than a block, or than the page.
	long := append(bytes.Repeat([]byte{1}, maxHexSkip+1), page(10)...)
	if _, ok := appendHexFrame(nil, long, maxHexSkip+1); ok {
		t.Errorf("levels of %d bytes taken", maxHexSkip+1)
	}
	if _, ok := appendHexFrame(nil, page(1), 37); ok {
		t.Error("levels past the page's end taken")
	}
	if _, ok := appendHexFrame(nil, page(10), -1); ok {
		t.Error("a negative length of levels taken")
	}
}

func TestPackHex(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	alphabet := []byte("0123456789abcdef/:`gAF\x00\x7f\x80\xff")
	for range 200_000 {
		var b [8]byte
		for i := range b {
			if r.Intn(8) == 0 {
				b[i] = alphabet[r.Intn(len(alphabet))]
			} else {
				b[i] = alphabet[r.Intn(16)]
			}
		}
		want, err := hex.DecodeString(string(b[:]))
		valid := err == nil && !bytes.ContainsAny(b[:], "ABCDEF")
		var got [4]byte
		bad := packHex(got[:], b[:])
		if ok := bad == 0; ok != valid {
			t.Fatalf("%q: packHex says %v", b, ok)
		}
		if slices.Reverse(want); valid && !bytes.Equal(got[:], want) {
			t.Fatalf("%q: %x, want %x backwards", b, got, want)
		}
	}
}

func BenchmarkHexFrame(b *testing.B) {
	page := plainPage(rand.New(rand.NewSource(5)), 29_127, 32) // 1 MiB, as a page of ids
	var s huff0.Scratch
	var dst []byte
	b.Run("hex", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			dst, _ = appendHexFrame(dst[:0], page, 0)
		}
	})
	b.Run("literals", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			dst = appendLiteralsFrame(dst[:0], page, &s)
		}
	})
}

// Whatever appendHexFrame takes, the decoders give back byte for byte; what
// it refuses leaves dst as it was. The seeds are small pages of ids, as
// the fuzzer mutates large inputs slowly: TestHexFrame has the pages of
// many blocks.
func FuzzHexFrame(f *testing.F) {
	r := rand.New(rand.NewSource(6))
	for _, n := range []int{1, 9, 40, 300} {
		page := plainPage(r, n, 32)
		f.Add(page, 0)
		f.Add(append([]byte{1, 2, 3}, page...), 3)
		bad := bytes.Clone(page)
		bad[len(bad)/2] = 'G'
		f.Add(bad, 0)
	}
	f.Add(plainPage(r, 100, 8), 0)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, src []byte, skip int) {
		frame, ok := appendHexFrame([]byte("kept"), src, skip)
		if !ok {
			if string(frame) != "kept" {
				t.Fatalf("refused, and dst changed: %q", frame[:min(len(frame), 8)])
			}
			return
		}
		checkFrame(t, frame[4:], src, false)
	})
}
