package ingest

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

const sniffCSV = "time,agent_id,op_type\r\n2026-11-20 08:00:00,A1,1\r\n2026-11-20 17:00:00,A1,0\r\n"

// utf16Text encodes s as UTF-16, with a byte-order mark when bom is set.
func utf16Text(s string, bigEndian, bom bool) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	if bigEndian {
		order = binary.BigEndian
	}
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xfeff)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

func zipped(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarred(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	if err := w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestReadRefusesBinary checks that an input no reader can read is one
// reject of line 1 that says what the file looks like, whatever the format
// asked for.
func TestReadRefusesBinary(t *testing.T) {
	cp1251 := bytes.Repeat([]byte("time,agent_id,op_type\n2026-11-20 08:00:00,\xc8\xe2\xe0\xed \xcf\xe5\xf2\xf0\xee\xe2,1\n"), 50)
	tests := []struct {
		name   string
		data   []byte
		reason string
		raw    string // "" for any
	}{
		{"UTF-16 little-endian", utf16Text(sniffCSV, false, true),
			"file looks like UTF-16 text (byte-order mark FF FE); convert it to UTF-8", "time,agent_id,op_type"},
		{"UTF-16 big-endian", utf16Text(sniffCSV, true, true),
			"file looks like UTF-16 text (byte-order mark FE FF); convert it to UTF-8", "time,agent_id,op_type"},
		{"UTF-16 without a mark", utf16Text(sniffCSV, false, false),
			"file looks like UTF-16 text (little-endian, no byte-order mark); convert it to UTF-8", "time,agent_id,op_type"},
		{"UTF-16 big-endian without a mark", utf16Text(sniffCSV, true, false),
			"file looks like UTF-16 text (big-endian, no byte-order mark); convert it to UTF-8", "time,agent_id,op_type"},
		{"UTF-32", append([]byte{0xff, 0xfe, 0, 0}, 't', 0, 0, 0),
			"file looks like UTF-32 text (byte-order mark FF FE 00 00); convert it to UTF-8", "ff fe 00 00 74 00 00 00"},
		{"random bytes", noise(1<<16, 1), "file looks like binary data (NUL bytes)", ""},
		{"a little random", noise(100, 2), "file looks like binary data (NUL bytes)", ""},
		{"zeros", make([]byte, 10000), "file looks like binary data (NUL bytes)", ""},
		{"control bytes", bytes.Repeat([]byte("a\x01\x02\x03"), 100), "file looks like binary data (control characters)", "61 01 02 03 61 01 02 03 61 01 02 03 61 01 02 03 61 01 02 03 61 01 02 03 61 01 02 03 61 01 02 03 …"},
		{"ZIP", zipped(t, "events.csv", []byte(sniffCSV)),
			"file looks like a ZIP archive (an .xlsx workbook is one too); unpack it, or save the sheet as CSV UTF-8", ""},
		{"tar", tarred(t, "events.csv", []byte(sniffCSV)), "file looks like a tar archive; unpack it", ""},
		{"bzip2", append([]byte("BZh91AY&SY"), noise(200, 3)...),
			"file looks like bzip2-compressed data; decompress it, or compress it with gzip or zstd", ""},
		{"xz", append([]byte("\xfd7zXZ\x00"), noise(200, 4)...),
			"file looks like xz-compressed data; decompress it, or compress it with gzip or zstd", ""},
		{"gzip of UTF-16", gzipped(t, utf16Text(sniffCSV, false, true)),
			"gzip-compressed file looks like UTF-16 text (byte-order mark FF FE); convert it to UTF-8", "time,agent_id,op_type"},
		{"zstd of a ZIP", zstded(t, zipped(t, "x", []byte("x"))),
			"zstd-compressed file looks like a ZIP archive (an .xlsx workbook is one too); unpack it, or save the sheet as CSV UTF-8", ""},
		{"gzip of gzip", gzipped(t, gzipped(t, []byte(sniffCSV))), "gzip-compressed file looks like gzip-compressed data", ""},
		{"Windows-1251 text", cp1251,
			"file looks like text in an encoding other than UTF-8 (such as Windows-1252 or GBK); convert it to UTF-8", ""},
	}
	for _, tt := range tests {
		for _, format := range []Format{FormatAuto, FormatCSV, FormatJSONL, FormatCTI, FormatAgentOprInfo} {
			t.Run(tt.name+"/"+string(format), func(t *testing.T) {
				var rejects []Reject
				st, err := Read(context.Background(), bytes.NewReader(tt.data), "in.csv", format, Options{}, Handler{
					Event:  func(*billing.Event) error { t.Error("event"); return nil },
					Bill:   func(billing.Bill) error { t.Error("bill"); return nil },
					Reject: func(r Reject) error { rejects = append(rejects, r); return nil },
					Skip:   func(string) { t.Error("skip") },
				})
				if err != nil {
					t.Fatal(err)
				}
				if st.Records != 1 || len(rejects) != 1 {
					t.Fatalf("%d records, rejects %+v; want one", st.Records, rejects)
				}
				r := rejects[0]
				if r.File != "in.csv" || r.Line != 1 || r.Reason != tt.reason {
					t.Errorf("reject %s line %d: %q\nwant in.csv line 1: %q", r.File, r.Line, r.Reason, tt.reason)
				}
				if tt.raw != "" && r.Raw != tt.raw || r.Raw == "" {
					t.Errorf("raw %q, want %q", r.Raw, tt.raw)
				}
				if want := format; want != FormatAuto && st.Format != want {
					t.Errorf("format %q, want %q", st.Format, want)
				}
			})
		}
	}
}

// TestReadTextWithControls checks that text with a few control bytes is
// read record by record: those records are rejected, the others read.
func TestReadTextWithControls(t *testing.T) {
	head := "time,agent_id,op_type\n2026-11-20 08:00:00,A1,1\n"
	tail := "2026-11-20 17:00:00,A1,0\n"
	tests := []struct {
		name    string
		format  Format
		input   string
		events  int
		rejects int
	}{
		{"a NUL in a field", FormatAuto, head + "2026-11-20 09:00:00,A\x001,2\n" + tail, 2, 1},
		{"NULs in a few fields", FormatAuto, head + strings.Repeat("2026-11-20 09:00:00,A\x001,2\n", 3) + tail, 2, 3},
		{"a block of NULs a crash left", FormatAuto, head + "2026-11-20 09:00:00,A1" + strings.Repeat("\x00", 4096) + "\n" + tail, 2, 1},
		{"a block of NULs as a line", FormatAuto, head + strings.Repeat("\x00", 4000) + "\n" + tail, 2, 1},
		{"colours in a CTI log", FormatAuto, "\x1b[32m2026-11-20 08:00:00 MsgType: AGENT_STATE_EVENT AgentState: LOGIN AgentID: ann\x1b[0m\n", 0, 1},
		{"Latin-1 accents", FormatAuto, head + "2026-11-20 09:00:00,Jos\xe9,2\n" + tail, 2, 1},
		{"a tab in a field", FormatAuto, head + "2026-11-20 09:00:00,A\t1,2\n" + tail, 2, 1},
		{"tabs around fields", FormatAuto, head + "2026-11-20 09:00:00\t,\tA1\t,\t2\n" + tail, 3, 0},
		{"a short UTF-8 file", FormatAuto, "time,agent_id,op_type\n2026-11-20 08:00:00,Ан,1\n", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, rejects := readAll(t, tt.input, "in", tt.format)
			if len(events) != tt.events || len(rejects) != tt.rejects {
				t.Errorf("%d events, rejects %+v; want %d events and %d rejects", len(events), rejects, tt.events, tt.rejects)
			}
			for _, r := range rejects {
				if strings.HasPrefix(r.Reason, "file looks like") {
					t.Errorf("file refused: %s", r.Reason)
				}
			}
		})
	}
}

func TestSniffNothing(t *testing.T) {
	for _, head := range []string{"", "x", "\n", sniffCSV, "\uFEFF" + sniffCSV, "MsgType: X\n", "{}\n", "BZh", "BZhx and some text", "PK is a column name"} {
		if what, _ := sniffFile([]byte(head)); what != "" {
			t.Errorf("sniffFile(%q) = %q", head, what)
		}
	}
}

// FuzzRead reads anything through the dispatcher: compressed or not, text
// or binary, each record read is one event, bill, reject or skip.
func FuzzRead(f *testing.F) {
	f.Add([]byte(sniffCSV))
	f.Add(utf16Text(sniffCSV, false, true))
	f.Add(utf16Text(sniffCSV, true, false))
	f.Add(gzipped(f, []byte(sniffCSV)))
	f.Add(zstded(f, []byte("2026-11-20 08:00:00 MsgType: AGENT_STATE_EVENT AgentState: LOGIN AgentID: ann\n")))
	f.Add(noise(300, 5))
	f.Add([]byte("time,agent_id,op_type\n" + strings.Repeat("\x00", 40) + "\n2026-11-20 08:00:00,A\x001,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int64
		st, err := Read(context.Background(), bytes.NewReader(data), "fuzz", FormatAuto, Options{MaxLineBytes: 300}, Handler{
			Event: func(*billing.Event) error { n++; return nil },
			Bill:  func(billing.Bill) error { n++; return nil },
			Reject: func(r Reject) error {
				n++
				if r.Reason == "" || r.Line < 1 || !utf8.ValidString(r.Raw) {
					t.Errorf("bad reject %+v", r)
				}
				return nil
			},
			Skip: func(string) { n++ },
		})
		if err == nil && n != st.Records {
			t.Fatalf("%d records handed on, Stats.Records = %d", n, st.Records)
		}
	})
}
