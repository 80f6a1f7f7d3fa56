package ingest

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// gotLine is one line as lineReader returned it.
type gotLine struct {
	Text    string
	No      int64
	TooLong bool
}

// readAllLines reads r to its end with a lineReader.
func readAllLines(t *testing.T, r io.Reader, max int) []gotLine {
	t.Helper()
	lr := newLineReader(r, max)
	var out []gotLine
	for {
		line, no, tooLong, err := lr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("line %d: %v", no, err)
		}
		out = append(out, gotLine{string(line), no, tooLong})
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		name  string
		input string
		max   int
		want  []gotLine
	}{
		{"empty", "", 10, nil},
		{"one line without newline", "abc", 10, []gotLine{{"abc", 1, false}}},
		{"LF", "a\nb\n", 10, []gotLine{{"a", 1, false}, {"b", 2, false}}},
		{"CRLF", "a\r\nb\r\n", 10, []gotLine{{"a", 1, false}, {"b", 2, false}}},
		{"mixed endings", "a\r\nb\nc", 10, []gotLine{{"a", 1, false}, {"b", 2, false}, {"c", 3, false}}},
		{"a CR inside a line stays", "a\rb\n", 10, []gotLine{{"a\rb", 1, false}}},
		{"only one CR is dropped", "a\r\r\n", 10, []gotLine{{"a\r", 1, false}}},
		{"blank lines", "\n\r\n\n", 10, []gotLine{{"", 1, false}, {"", 2, false}, {"", 3, false}}},
		{"BOM", "\uFEFFa\nb\n", 10, []gotLine{{"a", 1, false}, {"b", 2, false}}},
		{"BOM alone", "\uFEFF", 10, nil},
		{"BOM does not count against the limit", "\uFEFF0123456789\n", 10, []gotLine{{"0123456789", 1, false}}},
		{"only the first BOM is dropped", "a\n\uFEFFb\n", 10, []gotLine{{"a", 1, false}, {"\uFEFFb", 2, false}}},
		{"exactly the limit", "0123456789\n", 10, []gotLine{{"0123456789", 1, false}}},
		{"exactly the limit with CRLF", "0123456789\r\n", 10, []gotLine{{"0123456789", 1, false}}},
		{"exactly the limit at the end", "0123456789", 10, []gotLine{{"0123456789", 1, false}}},
		{"one over the limit", "0123456789a\nok\n", 10, []gotLine{{"0123456789", 1, true}, {"ok", 2, false}}},
		{"one over the limit with CRLF", "0123456789a\r\nok\n", 10, []gotLine{{"0123456789", 1, true}, {"ok", 2, false}}},
		{"one over the limit at the end", "0123456789a", 10, []gotLine{{"0123456789", 1, true}}},
		{"far over the limit", strings.Repeat("x", 100) + "\nok\n", 10, []gotLine{{"xxxxxxxxxx", 1, true}, {"ok", 2, false}}},
		{"far over the limit at the end", "ok\n" + strings.Repeat("x", 100), 10, []gotLine{{"ok", 1, false}, {"xxxxxxxxxx", 2, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAllLines(t, strings.NewReader(tt.input), tt.max)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
			// Reading one byte at a time must not change anything.
			got = readAllLines(t, iotest.OneByteReader(strings.NewReader(tt.input)), tt.max)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("one byte at a time:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestLineReaderLongLines crosses the reader's buffer size.
func TestLineReaderLongLines(t *testing.T) {
	big := strings.Repeat("b", lineBufferSize+100)
	tests := []struct {
		name string
		max  int
		want []gotLine
	}{
		{"under the limit", 1 << 20, []gotLine{{"a", 1, false}, {big, 2, false}, {"c", 3, false}}},
		{"over the limit", 1000, []gotLine{{"a", 1, false}, {big[:1000], 2, true}, {"c", 3, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAllLines(t, strings.NewReader("a\n"+big+"\r\nc\n"), tt.max)
			if len(got) != len(tt.want) {
				t.Fatalf("%d lines, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("line %d: got %d bytes (no %d, too long %v), want %d bytes (no %d, too long %v)",
						i, len(got[i].Text), got[i].No, got[i].TooLong, len(tt.want[i].Text), tt.want[i].No, tt.want[i].TooLong)
				}
			}
		})
	}
}

func TestLineReaderError(t *testing.T) {
	broken := errors.New("broken pipe")
	lr := newLineReader(io.MultiReader(strings.NewReader("a\nb"), iotest.ErrReader(broken)), 10)
	if line, _, _, err := lr.next(); err != nil || string(line) != "a" {
		t.Fatalf("first line %q, %v", line, err)
	}
	if _, _, _, err := lr.next(); !errors.Is(err, broken) {
		t.Errorf("error %v, want %v", err, broken)
	}
}
