//go:build !amd64 || purego

package linescan

// Available reports whether this machine runs Scan: it needs AVX-512.
const Available = false

func scan(p *byte, n int) (commas, high, ctl uint64) {
	panic("linescan: Scan without AVX-512")
}
