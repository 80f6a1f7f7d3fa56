package ingest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// fileKind is a kind of file that no reader reads, known by the bytes at
// offset of its start.
type fileKind struct {
	magic  string
	offset int
	what   string
}

// convertHint ends the reasons of text in another encoding.
const convertHint = "; convert it to UTF-8"

// fileKinds are the files an input is sometimes by mistake, in the order
// they are tried (UTF-32 before UTF-16, whose mark begins the same way).
var fileKinds = append([]fileKind{
	{magic: "\xff\xfe\x00\x00", what: "UTF-32 text (byte-order mark FF FE 00 00)" + convertHint},
	{magic: "\x00\x00\xfe\xff", what: "UTF-32 text (byte-order mark 00 00 FE FF)" + convertHint},
	{magic: "\xff\xfe", what: "UTF-16 text (byte-order mark FF FE)" + convertHint},
	{magic: "\xfe\xff", what: "UTF-16 text (byte-order mark FE FF)" + convertHint},
	{magic: "PK\x03\x04", what: "a ZIP archive (an .xlsx workbook is one too); unpack it, or save the sheet as CSV UTF-8"},
	{magic: "PK\x05\x06", what: "an empty ZIP archive"},
	{magic: "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", what: "a Microsoft Office document (.xls); save the sheet as CSV UTF-8"},
	{magic: "\x1f\x8b", what: "gzip-compressed data"},
	{magic: "\x28\xb5\x2f\xfd", what: "zstd-compressed data"},
	{magic: "\xfd7zXZ\x00", what: "xz-compressed data; decompress it, or compress it with gzip or zstd"},
	{magic: "\x04\x22\x4d\x18", what: "LZ4-compressed data; decompress it, or compress it with gzip or zstd"},
	{magic: "\x1f\x9d", what: "compress (.Z) data; decompress it, or compress it with gzip or zstd"},
	{magic: "7z\xbc\xaf\x27\x1c", what: "a 7-Zip archive; unpack it"},
	{magic: "Rar!\x1a\x07", what: "a RAR archive; unpack it"},
	{magic: "ustar", offset: 257, what: "a tar archive; unpack it"},
	{magic: "PAR1", what: "a Parquet file"},
	{magic: "%PDF-", what: "a PDF document"},
	{magic: "\x7fELF", what: "an executable (ELF)"},
	{magic: "SQLite format 3\x00", what: "an SQLite database"},
}, bzip2Kinds()...)

// bzip2Kinds are the starts of bzip2 data, BZh and the block size 1..9.
func bzip2Kinds() []fileKind {
	var ks []fileKind
	for c := '1'; c <= '9'; c++ {
		ks = append(ks, fileKind{magic: "BZh" + string(c), what: "bzip2-compressed data; decompress it, or compress it with gzip or zstd"})
	}
	return ks
}

// sniffSample is how much of an input sniffFile counts bytes of.
const sniffSample = 8 << 10

// nulRun is the length from which a run of NULs counts as padding.
const nulRun = 16

// sniffFile tells from the first bytes of an input (after decompression)
// whether it is something no reader reads: text in UTF-16 or UTF-32, an
// archive, compressed data of a kind not read transparently, another known
// binary format, data with many NUL or control bytes, or text of which a
// tenth or more is not UTF-8 (a legacy encoding). It returns what the file looks like, for a reject
// reason, and a short rendering of its start for the reject's raw text;
// what is "" for anything a reader may read, however badly.
//
// A few control bytes in text (a NUL in one field) are no reason: the
// readers reject those records one by one.
func sniffFile(head []byte) (what, raw string) {
	for _, k := range fileKinds {
		if end := k.offset + len(k.magic); len(head) >= end && string(head[k.offset:end]) == k.magic {
			if strings.HasPrefix(k.what, "UTF-16") {
				return k.what, utf16Line(head[2:], k.magic == "\xfe\xff")
			}
			return k.what, hexStart(head)
		}
	}
	if bigEndian, ok := utf16NoMark(head); ok {
		order := "little-endian"
		if bigEndian {
			order = "big-endian"
		}
		return "UTF-16 text (" + order + ", no byte-order mark)" + convertHint, utf16Line(head, bigEndian)
	}
	// A run of NULs within text is what a crash leaves in a log file (a
	// block that was never written): the records around it are read, and
	// those it spoils rejected. Such runs count apart, as padding, and the
	// sample begins after one at the start.
	s := head
	if lead := len(s) - len(bytes.TrimLeft(s, "\x00")); lead >= nulRun {
		s = s[lead:]
		if len(s) == 0 {
			return "binary data (NUL bytes)", hexStart(head)
		}
	}
	s = s[:min(len(s), sniffSample)]
	var nul, pad, ctl, bad int
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0 {
			j := i + 1
			for j < len(s) && s[j] == 0 {
				j++
			}
			if j-i >= nulRun {
				pad += j - i
			} else {
				nul += j - i
			}
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			if c < 0x20 && !isTextControl(c) || c == 0x7f {
				ctl++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			if !utf8.FullRune(s[i:]) && len(s) < len(head) {
				break // a character cut by the end of the sample
			}
			bad++
		}
		i += size
	}
	n := len(s) - pad
	switch {
	case n == 0:
		// Empty, or padding and nothing else: the readers say what they
		// make of it.
	case nul >= 4 && nul*32 >= n, (nul+ctl+bad)*4 >= n && (nul+ctl)*100 >= n:
		if nul > 0 {
			return "binary data (NUL bytes)", hexStart(head)
		}
		return "binary data (control characters)", hexStart(head)
	case bad*10 >= n:
		return "text in an encoding other than UTF-8 (such as Windows-1252 or GBK)" + convertHint, hexStart(head)
	}
	return "", ""
}

// isTextControl reports whether c is a control byte that text holds:
// tab, line feed, vertical tab, form feed, carriage return and escape (the
// colours of a log).
func isTextControl(c byte) bool {
	return c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0x1b
}

// utf16NoMark reports whether head looks like UTF-16 text without a
// byte-order mark: mostly ASCII characters, whose other byte is zero, in
// the first 512 bytes.
func utf16NoMark(head []byte) (bigEndian, ok bool) {
	s := head[:min(len(head), 512)&^1]
	pairs := len(s) / 2
	if pairs < 8 {
		return false, false
	}
	var zeroEven, zeroOdd int
	for i := 0; i < len(s); i += 2 {
		if s[i] == 0 {
			zeroEven++
		}
		if s[i+1] == 0 {
			zeroOdd++
		}
	}
	switch {
	case zeroOdd*4 >= pairs*3 && zeroEven*8 <= pairs:
		return false, true
	case zeroEven*4 >= pairs*3 && zeroOdd*8 <= pairs:
		return true, true
	}
	return false, false
}

// utf16Line decodes the first line of UTF-16 text b, for a reject's raw
// text.
func utf16Line(b []byte, bigEndian bool) string {
	var order binary.ByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	units := make([]uint16, 0, min(len(b)/2, maxRawLen))
	for i := 0; i+1 < len(b) && len(units) < maxRawLen; i += 2 {
		u := order.Uint16(b[i:])
		if u == '\n' {
			break
		}
		units = append(units, u)
	}
	return strings.TrimSuffix(string(utf16.Decode(units)), "\r")
}

// hexStart renders the first bytes of b in hexadecimal.
func hexStart(b []byte) string {
	const n = 32
	s := hex.EncodeToString(b[:min(len(b), n)])
	var sb strings.Builder
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(s[i : i+2])
	}
	if len(b) > n {
		sb.WriteString(" …")
	}
	return sb.String()
}
