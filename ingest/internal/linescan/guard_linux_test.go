package linescan

import (
	"syscall"
	"testing"
)

// TestScanAtPageEnd scans lines that end where a page that may not be read
// begins: the masked load must not touch a byte past the line.
func TestScanAtPageEnd(t *testing.T) {
	if !Available {
		t.Skip("no AVX-512 here")
	}
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	for i := range page {
		mem[i] = ','
	}
	for n := 1; n <= 100; n++ {
		b := mem[page-n : page]
		commas, _, _ := Scan(b)
		want := uint64(1)<<min(n, Block) - 1
		if n >= Block {
			want = ^uint64(0)
		}
		if commas != want {
			t.Fatalf("%d bytes: commas %x, want %x", n, commas, want)
		}
	}
}
