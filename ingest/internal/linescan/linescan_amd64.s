//go:build amd64 && !purego

#include "textflag.h"

// func scanBlock(p *byte, n int) (commas, high, ctl uint64)
//
// n is 1..64. The bytes are loaded under the mask of the first n, the
// others zeroed and left out of every comparison, so that no byte past
// p+n is read (a masked load does not fault on the bytes it leaves out).
TEXT ·scanBlock(SB), NOSPLIT, $0-40
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ $-1, AX
	CMPQ CX, $64
	JAE  all
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
all:
	KMOVQ AX, K1
	VMOVDQU8.Z (SI), K1, Z0
	MOVL $0x2c, AX // ','
	VPBROADCASTB AX, Z1
	VPCMPEQB Z1, Z0, K1, K2
	KMOVQ K2, AX
	MOVQ AX, commas+16(FP)
	VPMOVB2M Z0, K3
	KMOVQ K3, AX
	MOVQ AX, high+24(FP)
	MOVL $0x20, AX
	VPBROADCASTB AX, Z2
	VPCMPUB $1, Z2, Z0, K1, K4 // below 0x20
	MOVL $0x7f, AX
	VPBROADCASTB AX, Z3
	VPCMPEQB Z3, Z0, K1, K5
	MOVL $0xc2, AX
	VPBROADCASTB AX, Z4
	VPCMPEQB Z4, Z0, K1, K6
	KORQ K5, K4, K4
	KORQ K6, K4, K4
	KMOVQ K4, AX
	MOVQ AX, ctl+32(FP)
	VZEROUPPER
	RET
