//go:build amd64 && !purego

package linescan

import "golang.org/x/sys/cpu"

// Available reports whether this machine runs Scan: it needs AVX-512 (F
// and BW).
var Available = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW

//go:noescape
func scanBlock(p *byte, n int) (commas, high, ctl uint64)

func scan(p *byte, n int) (commas, high, ctl uint64) {
	if !Available {
		panic("linescan: Scan without AVX-512")
	}
	return scanBlock(p, n)
}
