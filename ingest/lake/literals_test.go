package lake

import (
	"bytes"
	"encoding/hex"
	"math/rand"
	"os/exec"
	"testing"

	"github.com/klauspost/compress/huff0"
	"github.com/klauspost/compress/zstd"
)

func TestLiteralsFrame(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	random := func(n int) []byte {
		b := make([]byte, n)
		r.Read(b)
		return b
	}
	hexDigits := func(n int) []byte {
		b := hex.AppendEncode(nil, random(n/2+1))
		return b[:n]
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"one byte", []byte{7}},
		{"short", hexDigits(1023)},
		{"a small block", hexDigits(1024)},
		{"a 14-bit block", hexDigits(9000)},
		{"one whole block", hexDigits(literalsBlock)},
		{"a block and a byte", hexDigits(literalsBlock + 1)},
		{"a page of ids", hexDigits(1 << 20)},
		{"one value repeated", bytes.Repeat([]byte{'a'}, 5000)},
		{"incompressible", random(300_000)},
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	// The reference decoder, when installed, reads the frames too.
	zstdCLI, _ := exec.LookPath("zstd")
	var s huff0.Scratch
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := appendLiteralsFrame(nil, tt.in, &s)
			got, err := dec.DecodeAll(frame, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !bytes.Equal(got, tt.in) {
				t.Fatalf("decoded %d bytes, want the %d given", len(got), len(tt.in))
			}
			if zstdCLI != "" {
				cmd := exec.Command(zstdCLI, "-d", "-c", "-q")
				cmd.Stdin = bytes.NewReader(frame)
				out, err := cmd.Output()
				if err != nil || !bytes.Equal(out, tt.in) {
					t.Fatalf("the reference zstd decoder: %v, %d bytes of %d", err, len(out), len(tt.in))
				}
			}
			if again := appendLiteralsFrame(nil, tt.in, &s); !bytes.Equal(again, frame) {
				t.Fatal("the same input gave other bytes")
			}
			if len(tt.in) >= 1<<20 && len(frame) > len(tt.in)*6/10 {
				t.Errorf("hex digits took %d bytes of %d", len(frame), len(tt.in))
			}
		})
	}
}
