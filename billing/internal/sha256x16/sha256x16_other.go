//go:build !amd64 || purego

package sha256x16

// Available reports whether this machine runs Sum: it needs AVX-512.
const Available = false

func sumBlocks(*[8][Lanes]uint32, *[Lanes][Stride]byte, int) {
	panic("sha256x16: Sum without AVX-512")
}
