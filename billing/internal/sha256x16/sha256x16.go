// Package sha256x16 computes the SHA-256 of sixteen short messages at once,
// one in each 32-bit lane of the AVX-512 registers: about three times the
// throughput of the SHA instructions on one message at a time, for the
// many short messages that bill ids are hashed from.
package sha256x16

import "encoding/binary"

//go:generate go run gen_asm.go

const (
	// Lanes is how many messages a Batch hashes at once.
	Lanes = 16
	// Stride is the room of one lane's message, padding included: a
	// message of up to MaxLen bytes fits.
	Stride = 256
	// MaxLen is the longest message a lane takes.
	MaxLen = Stride - 9
)

// Batch holds the messages of the sixteen lanes and their digests.
type Batch struct {
	// Msgs are the lanes' messages, each padded by Pad.
	Msgs  [Lanes][Stride]byte
	state [8][Lanes]uint32 // word w of lane i's hash state at [w][i]
}

// Blocks is the number of 64-byte blocks of an n-byte message once
// padded: its bytes, the 0x80 and the 8-byte length.
func Blocks(n int) int { return (n + 9 + 63) / 64 }

// Pad pads the n-byte message in msg as SHA-256 does (n at most MaxLen)
// and returns its number of 64-byte blocks.
func Pad(msg *[Stride]byte, n int) int {
	blocks := Blocks(n)
	end := blocks * 64
	msg[n] = 0x80
	clear(msg[n+1 : end-8])
	binary.BigEndian.PutUint64(msg[end-8:end], uint64(n)*8)
	return blocks
}

// Sum hashes the padded messages of all lanes, which must have the same
// number of blocks. Only Available machines run it.
func (b *Batch) Sum(blocks int) {
	for w := range b.state {
		for i := range b.state[w] {
			b.state[w][i] = iv[w]
		}
	}
	sumBlocks(&b.state, &b.Msgs, blocks)
}

// Word is word w (0 to 7) of lane i's hash: its bytes 4w to 4w+3, big
// endian.
func (b *Batch) Word(lane, w int) uint32 { return b.state[w][lane] }

var iv = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// k256 are the round constants, laneOffsets where each lane's message
// begins, byteSwap the shuffle that turns little-endian words into
// big-endian ones: all read by the assembly.
var (
	k256 = [64]uint32{
		0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
		0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
		0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
		0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
		0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
		0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
		0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
		0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
	}
	laneOffsets = func() (o [Lanes]int32) {
		for i := range o {
			o[i] = int32(i * Stride)
		}
		return o
	}()
	byteSwap = func() (s [64]byte) {
		for i := range s {
			s[i] = byte(i&^3 + 3 - i&3)
		}
		return s
	}()
)
