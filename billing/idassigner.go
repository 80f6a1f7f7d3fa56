package billing

import (
	"encoding/binary"
	"slices"
	"unsafe"

	"github.com/agentbill/agentbill/billing/internal/sha256x16"
)

// IDAssigner gives many bills their IDs at once, the IDs Identity gives
// them: where the machine has AVX-512, sixteen hashes are computed at a
// time, three times as fast as one by one. An IDAssigner serves one
// goroutine.
type IDAssigner struct {
	idents Identifier
	text   []byte // where the ids of the current call go
	// lanes holds the bills waiting for a full batch, by the number of
	// blocks their message takes (1 to 4).
	lanes [4]*idLanes
}

// idLanes is a batch of bills whose messages take the same number of
// blocks.
type idLanes struct {
	sha256x16.Batch
	bills [sha256x16.Lanes]*Bill
	n     int
}

// hashInBatches is whether Assign hashes sixteen bills at a time; tests
// turn it off to check the other way.
var hashInBatches = sha256x16.Available

// minLanes is the fewest bills worth hashing as a batch: below it, one
// by one costs less than sixteen lanes.
const minLanes = 6

// Assign sets the ID of every bill of bills to text appended to text, and
// returns text: the bills' IDs are valid while it is not written again
// (a text grown anew leaves the IDs before it in the old one, which stays
// theirs).
func (a *IDAssigner) Assign(text []byte, bills []*Bill) []byte {
	a.text = slices.Grow(text, 32*len(bills))
	defer func() { a.text = nil }()
	if !hashInBatches {
		for _, b := range bills {
			a.one(b)
		}
		return a.text
	}
	for _, b := range bills {
		base := a.idents.baseOf(b)
		n := identityLen(b, base)
		if n > sha256x16.MaxLen {
			a.one(b)
			continue
		}
		blocks := sha256x16.Blocks(n)
		l := a.lanes[blocks-1]
		if l == nil {
			l = new(idLanes)
			a.lanes[blocks-1] = l
		}
		appendIdentity(l.Msgs[l.n][:0], b, base)
		sha256x16.Pad(&l.Msgs[l.n], n)
		l.bills[l.n] = b
		if l.n++; l.n == sha256x16.Lanes {
			a.sum(l, blocks)
		}
	}
	for i, l := range a.lanes {
		switch {
		case l == nil || l.n == 0:
		case l.n >= minLanes:
			a.sum(l, i+1)
		default:
			for _, b := range l.bills[:l.n] {
				a.one(b)
			}
			l.n = 0
		}
	}
	return a.text
}

// sum hashes the batch and names its bills. Lanes past l.n hash what an
// earlier batch left there, for nothing.
func (a *IDAssigner) sum(l *idLanes, blocks int) {
	l.Sum(blocks)
	for i, b := range l.bills[:l.n] {
		a.name(b, [4]uint32{l.Word(i, 0), l.Word(i, 1), l.Word(i, 2), l.Word(i, 3)})
	}
	l.n = 0
}

// one names b with one hash of its own.
func (a *IDAssigner) one(b *Bill) {
	sum := a.idents.sum(b)
	a.name(b, [4]uint32{binary.BigEndian.Uint32(sum[0:]), binary.BigEndian.Uint32(sum[4:]),
		binary.BigEndian.Uint32(sum[8:]), binary.BigEndian.Uint32(sum[12:])})
}

// name sets b's ID to the hex digits of the hash's first half, its first
// four words, appended to the call's text.
func (a *IDAssigner) name(b *Bill, half [4]uint32) {
	at := len(a.text)
	for i, w := range half {
		a.text = binary.BigEndian.AppendUint64(a.text, HexDigits(w))
		binary.BigEndian.PutUint32(b.idDigits[4*i:], w)
	}
	b.ID = unsafe.String(&a.text[at], 32)
	b.idText = &a.text[at]
}

// HexDigits is the eight lower-case hex digits of w, most significant
// first, as the bytes of a big-endian word: each nibble is moved into a
// byte of its own, then made a digit, all eight at once.
func HexDigits(w uint32) uint64 {
	x := uint64(w)
	x = x&0xFFFF0000<<16 | x&0x0000FFFF
	x = x&0x0000FF000000FF00<<8 | x&0x000000FF000000FF
	x = x&0x00F000F000F000F0<<4 | x&0x000F000F000F000F
	letters := (x + 0x0606060606060606) >> 4 & 0x0101010101010101 // nibbles over 9
	return x + 0x3030303030303030 + letters*('a'-'0'-10)
}
