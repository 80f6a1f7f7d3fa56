package lake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand"
	"testing"

	ddzstd "github.com/DataDog/zstd"
)

// timesPage is a page of n PLAIN times as the bills hold them: agents one
// after another, each's times rising by seconds to minutes, some repeated.
func timesPage(r *rand.Rand, n int) []byte {
	var page []byte
	t := int64(1_795_000_000_000_000)
	for i := range n {
		if i%40 == 0 { // the next agent
			t = 1_795_000_000_000_000 + r.Int63n(86_400_000_000)
		}
		if r.Intn(10) > 0 {
			t += r.Int63n(600_000_000)
		}
		page = binary.LittleEndian.AppendUint64(page, uint64(t))
	}
	return page
}

func uint64Page(vals ...uint64) []byte {
	var page []byte
	for _, v := range vals {
		page = binary.LittleEndian.AppendUint64(page, v)
	}
	return page
}

func TestNumberFrame(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	random := make([]byte, 8*20_000)
	r.Read(random)
	same := bytes.Repeat(uint64Page(42), 20_000)
	var counting []byte
	for i := range 20_000 {
		counting = binary.LittleEndian.AppendUint64(counting, uint64(i/3))
	}
	// Values sharing one, two, then six low bytes with the one before,
	// and bytes in the middle equal too.
	var shapes []byte
	for i := range 5_000 {
		shapes = binary.LittleEndian.AppendUint64(shapes, uint64(i%7)<<56|0x1122_3344_5566_0000|uint64(i%3))
	}
	tests := []struct {
		name string
		page []byte
	}{
		{"times", timesPage(r, 20_000)},
		{"times of a short page", timesPage(r, 100)},
		{"times, one block and a value", timesPage(r, numberBlockValues+1)},
		{"the fewest values", timesPage(r, minNumberValues)},
		{"random", random},
		{"one value repeated", same},
		{"counting", counting},
		{"shapes", shapes},
	}
	var f numberFrame
	for _, tt := range tests {
		for _, skip := range []int{0, 5, maxNumberSkip} {
			levels := bytes.Repeat([]byte{0x33}, skip)
			src := append(levels, tt.page...)
			t.Run(fmt.Sprintf("%s after %d bytes", tt.name, skip), func(t *testing.T) {
				frame, ok := f.appendNumberFrame([]byte("kept"), src, skip)
				if !ok || string(frame[:4]) != "kept" {
					t.Fatalf("not taken (%v) or the front of dst lost", ok)
				}
				frame = frame[4:]
				checkFrame(t, frame, src, skip == 5)
				if again, _ := f.appendNumberFrame(nil, src, skip); !bytes.Equal(again, frame) {
					t.Fatal("the same input gave other bytes")
				}
				if len(frame) > len(src)+len(src)/numberBlockValues+16 {
					t.Errorf("%d bytes of %d", len(frame), len(src))
				}
			})
		}
	}
}

// The frames of the bills' kinds of numbers are about as small as
// libzstd's at the level they would otherwise be compressed at.
func TestNumberFrameSize(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	var durations, sessions []byte
	for i := range 20_000 {
		d := r.Int63n(900_000)
		if r.Intn(4) == 0 {
			d = 300_000 // a five-minute cut
		}
		durations = binary.LittleEndian.AppendUint64(durations, uint64(d))
		sessions = binary.LittleEndian.AppendUint64(sessions, uint64(1_000_000+i/50))
	}
	var f numberFrame
	for _, tt := range []struct {
		name string
		page []byte
	}{{"times", timesPage(r, 20_000)}, {"durations", durations}, {"sessions", sessions}} {
		frame, ok := f.appendNumberFrame(nil, tt.page, 0)
		if !ok {
			t.Fatalf("%s: not taken", tt.name)
		}
		lib, err := ddzstd.CompressLevel(nil, tt.page, numberLevel)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes, libzstd %d", tt.name, len(frame), len(lib))
		if len(frame) > len(lib)*11/10+64 {
			t.Errorf("%s: %d bytes, libzstd at level %d %d", tt.name, len(frame), numberLevel, len(lib))
		}
	}
}

func TestNumberFrameRefuses(t *testing.T) {
	var f numberFrame
	page := timesPage(rand.New(rand.NewSource(5)), 100)
	for _, tt := range []struct {
		name string
		src  []byte
		skip int
	}{
		{"too few values", page[:8*(minNumberValues-1)], 0},
		{"not whole values", page[:len(page)-3], 0},
		{"too many levels", append(make([]byte, maxNumberSkip+1), page...), maxNumberSkip + 1},
		{"levels past the end", page[:16], 17},
		{"negative levels", page, -1},
	} {
		if frame, ok := f.appendNumberFrame([]byte("kept"), tt.src, tt.skip); ok || string(frame) != "kept" {
			t.Errorf("%s: taken (%v) or dst changed", tt.name, ok)
		}
	}
}

func BenchmarkNumberFrame(b *testing.B) {
	page := timesPage(rand.New(rand.NewSource(6)), 20_000)
	var f numberFrame
	var dst []byte
	b.Run("frame", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			dst, _ = f.appendNumberFrame(dst[:0], page, 0)
		}
	})
	b.Run("libzstd", func(b *testing.B) {
		ctx := ddzstd.NewCtx()
		dst = make([]byte, len(page)+1024)
		b.SetBytes(int64(len(page)))
		for b.Loop() {
			if _, err := ctx.CompressLevel(dst, page, numberLevel); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Whatever appendNumberFrame takes, the decoders give back byte for byte;
// what it refuses leaves dst as it was.
func FuzzNumberFrame(f *testing.F) {
	r := rand.New(rand.NewSource(7))
	f.Add(timesPage(r, minNumberValues), 0)
	f.Add(append([]byte{1, 2, 3}, timesPage(r, 200)...), 3)
	f.Add(bytes.Repeat(uint64Page(7), 100), 0)
	f.Add([]byte{}, 0)
	var nf numberFrame
	f.Fuzz(func(t *testing.T, src []byte, skip int) {
		frame, ok := nf.appendNumberFrame([]byte("kept"), src, skip)
		if !ok {
			if string(frame) != "kept" {
				t.Fatalf("refused, and dst changed: %q", frame[:min(len(frame), 8)])
			}
			return
		}
		checkFrame(t, frame[4:], src, false)
	})
}
