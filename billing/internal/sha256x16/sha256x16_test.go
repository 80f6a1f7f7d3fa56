package sha256x16

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Every lane's digest is crypto/sha256's, for messages of every length
// that makes one to four blocks, with the lanes' contents all different.
func TestSumIsSHA256(t *testing.T) {
	if !Available {
		t.Skip("no AVX-512 on this machine; the callers fall back to crypto/sha256")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var b Batch
	for n := 0; n <= MaxLen; n++ {
		var msgs [Lanes][]byte
		blocks := 0
		for i := range msgs {
			msgs[i] = make([]byte, n)
			for j := range msgs[i] {
				msgs[i][j] = byte(rng.Uint32())
			}
			copy(b.Msgs[i][:], msgs[i])
			blocks = Pad(&b.Msgs[i], n)
		}
		b.Sum(blocks)
		for i := range msgs {
			want := sha256.Sum256(msgs[i])
			var got []byte
			for w := range 8 {
				got = binary.BigEndian.AppendUint32(got, b.Word(i, w))
			}
			if string(got) != string(want[:]) {
				t.Fatalf("length %d lane %d: %x, want %x", n, i, got, want)
			}
		}
	}
}

func BenchmarkSum(b *testing.B) {
	if !Available {
		b.Skip("no AVX-512")
	}
	var x Batch
	for i := range Lanes {
		Pad(&x.Msgs[i], 110)
	}
	b.SetBytes(Lanes * 110)
	for b.Loop() {
		x.Sum(2)
	}
}

func BenchmarkSHA256(b *testing.B) {
	msg := make([]byte, 110)
	b.SetBytes(Lanes * 110)
	for b.Loop() {
		for range Lanes {
			sha256.Sum256(msg)
		}
	}
}

// The assembly is what gen_asm.go writes today.
func TestAssemblyIsGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generator")
	}
	out := filepath.Join(t.TempDir(), "gen.s")
	if b, err := exec.Command("go", "run", "gen_asm.go", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run gen_asm.go: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("sha256x16_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("sha256x16_amd64.s differs from what gen_asm.go writes: run go generate ./billing/internal/sha256x16")
	}
}
