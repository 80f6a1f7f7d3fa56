package lake

import (
	"bytes"
	"encoding/hex"
	ddzstd "github.com/DataDog/zstd"
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
	var s huff0.Scratch
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := appendLiteralsFrame(nil, tt.in, &s)
			checkFrame(t, frame, tt.in, true)
			if again := appendLiteralsFrame(nil, tt.in, &s); !bytes.Equal(again, frame) {
				t.Fatal("the same input gave other bytes")
			}
			if len(tt.in) >= 1<<20 && len(frame) > len(tt.in)*6/10 {
				t.Errorf("hex digits took %d bytes of %d", len(frame), len(tt.in))
			}
		})
	}
}

// checkFrame checks that three decoders read frame as want: the pure-Go
// one, libzstd, and with cli the reference zstd command, when installed.
func checkFrame(t *testing.T, frame, want []byte, cli bool) {
	t.Helper()
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	if got, err := dec.DecodeAll(frame, nil); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the Go decoder gave %d bytes of %d (%v)", len(got), len(want), err)
	}
	if got, err := ddzstd.Decompress(nil, frame); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("libzstd gave %d bytes of %d (%v)", len(got), len(want), err)
	}
	if zstdCLI, _ := exec.LookPath("zstd"); cli && zstdCLI != "" {
		cmd := exec.Command(zstdCLI, "-d", "-c", "-q")
		cmd.Stdin = bytes.NewReader(frame)
		if out, err := cmd.Output(); err != nil || !bytes.Equal(out, want) {
			t.Fatalf("the reference zstd decoder: %v, %d bytes of %d", err, len(out), len(want))
		}
	}
}
