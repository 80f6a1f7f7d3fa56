package ingest

import (
	"encoding/binary"
	"fmt"
)

// controlIn returns the first control character of v, which is valid UTF-8:
// U+0000..U+001F, U+007F or U+0080..U+009F.
func controlIn(v []byte) (rune, bool) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < 0x20 || c == 0x7f:
			return rune(c), true
		case c == 0xc2 && i+1 < len(v) && v[i+1] <= 0x9f:
			// C2 80..C2 9F: a C1 control (C2 is never a continuation byte,
			// and what follows it is one, 80..BF, in valid UTF-8).
			return rune(v[i+1]), true
		}
	}
	return 0, false
}

// checkIdentifier fails with a *FieldError wrapping ErrControlChar when v,
// the value of field, holds a control character.
func checkIdentifier(field string, v []byte) error {
	if r, ok := controlIn(v); ok {
		return controlErr(field, r)
	}
	return nil
}

func controlErr(field string, r rune) *FieldError {
	return &FieldError{Field: field, Err: fmt.Errorf("%w U+%04X", ErrControlChar, r)}
}

// Words of eight bytes for the control character tests.
const (
	swarSpaces = 0x20 * swarOnes
	swarDELs   = 0x7f * swarOnes
	swarC2s    = 0xc2 * swarOnes
)

// controlBits has the high bit set in some byte when w holds a byte below
// 0x20 (a C0 control), a DEL, or 0xC2 (which opens a C1 control, among
// other characters): the bits are exact as a whole, not byte by byte.
func controlBits(w uint64) uint64 {
	d := w ^ swarDELs
	c := w ^ swarC2s
	return ((w - swarSpaces) &^ w) | ((d - swarOnes) &^ d) | ((c - swarOnes) &^ c)
}

// mayHoldControl reports whether b may hold a control character: false
// means surely not. Lines that hold a tab, or a character written with
// 0xC2 (U+0080..U+00BF: £, °, a no-break space ...), give true too; their
// fields are then checked one by one.
func mayHoldControl(b []byte) bool {
	var acc uint64
	i := 0
	for ; i+8 <= len(b); i += 8 {
		acc |= controlBits(binary.LittleEndian.Uint64(b[i:]))
	}
	if acc&swarHighs != 0 {
		return true
	}
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c == 0x7f || c == 0xc2 {
			return true
		}
	}
	return false
}

// scanText reports whether b is all ASCII (so valid UTF-8), and whether it
// may hold a control character (mayHoldControl), in one pass.
func scanText(b []byte) (ascii, ctl bool) {
	var seen, acc uint64
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		seen |= w
		acc |= controlBits(w)
	}
	for ; i < len(b); i++ {
		c := b[i]
		seen |= uint64(c)
		if c < 0x20 || c == 0x7f || c == 0xc2 {
			acc |= swarHighs
		}
	}
	return seen&swarHighs == 0, acc&swarHighs != 0
}
