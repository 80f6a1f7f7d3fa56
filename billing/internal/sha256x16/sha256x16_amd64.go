//go:build amd64 && !purego

package sha256x16

import "golang.org/x/sys/cpu"

// Available reports whether this machine runs Sum: it needs AVX-512 (F
// and BW).
var Available = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

//go:noescape
func blocks(state *[8][Lanes]uint32, msgs *[Lanes][Stride]byte, n int)

func sumBlocks(state *[8][Lanes]uint32, msgs *[Lanes][Stride]byte, n int) {
	if !Available {
		panic("sha256x16: Sum without AVX-512")
	}
	blocks(state, msgs, n)
}
