package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/agentbill/agentbill/billing"
)

// partRecords is what one part's Handler received, in order.
type partRecords struct {
	events  []billing.Event
	bills   []billing.Bill
	rejects []Reject
	skips   []string
}

func (r *partRecords) handler() Handler {
	return Handler{
		Event:  func(e *billing.Event) error { r.events = append(r.events, *e); return nil },
		Bill:   func(b billing.Bill) error { r.bills = append(r.bills, b); return nil },
		Reject: func(x Reject) error { r.rejects = append(r.rejects, x); return nil },
		Skip:   func(kind string) { r.skips = append(r.skips, kind) },
	}
}

// add appends another part's records.
func (r *partRecords) add(o *partRecords) {
	r.events = append(r.events, o.events...)
	r.bills = append(r.bills, o.bills...)
	r.rejects = append(r.rejects, o.rejects...)
	r.skips = append(r.skips, o.skips...)
}

// readSequential reads in as ReadInputs reads it.
func readSequential(t *testing.T, in Input, opts Options) (FileStat, *partRecords, error) {
	t.Helper()
	var got partRecords
	files, err := ReadInputs(context.Background(), []Input{in}, opts, readInput, got.handler())
	if err != nil {
		return FileStat{}, &got, err
	}
	return files[0], &got, nil
}

// readInParts reads in with ReadParts in up to n parts and joins what the
// parts received in part order.
func readInParts(t *testing.T, in Input, opts Options, n int) (FileStat, *partRecords, int, error) {
	t.Helper()
	var parts []*partRecords
	st, err := ReadParts(context.Background(), in, opts, n, func(part int) Handler {
		if part != len(parts) {
			t.Errorf("handler(%d) after %d parts", part, len(parts))
		}
		parts = append(parts, &partRecords{})
		return parts[part].handler()
	})
	var all partRecords
	for _, p := range parts {
		all.add(p)
	}
	return st, &all, len(parts), err
}

// withMinPartSize sets minPartSize for the test.
func withMinPartSize(t *testing.T, size int64) {
	t.Helper()
	old := minPartSize
	minPartSize = size
	t.Cleanup(func() { minPartSize = old })
}

// partsCSV is canonical CSV with what a cut must not disturb: a byte-order
// mark, blank lines before the header, CRLF line ends, quoted fields with
// commas and doubled quotes, rejects of every kind, a line too long, a
// byte-order mark inside the file (text there), a CR inside a line, blank
// lines, and no line break at the end.
var partsCSV = "\uFEFF\r\n  \r\n" +
	"time,agent_id,op_type,op_object,op_cause,call_id,phone_no,skill_id\r\n" +
	"2026-11-20 08:00:00,A1,1,,,,,s1\r\n" +
	"2026-11-20 08:00:01,\"A,2\",1,,,,,s1\r\n" +
	"2026-11-20 08:00:02,A1,60,,,\"c \"\"1\"\"\",5550001,s1\r\n" +
	"2026-11-20 08:00:03,A1,99,,,,,s1\r\n" +
	"\r\n" +
	"not a time,A1,2,,,,,s1\r\n" +
	"2026-11-20 08:00:04,A1,2,,\r\n" +
	"2026-11-20 08:00:05,A\x001,2,,,,,s1\r\n" +
	"2026-11-20 08:00:06,A1,3,,,\"open,,s1\r\n" +
	"2026-11-20 08:00:07,A1,3,,,c\"x,,s1\r\n" +
	"2026-11-20 08:00:08,A1,26," + strings.Repeat("9", 300) + ",,,,s1\r\n" +
	"\uFEFF2026-11-20 08:00:09,A1,2,,,,,s1\r\n" +
	"2026-11-20 08:00:10,A1,2,,,c\rx,,s1\r\n" +
	"2026-11-20 08:00:11,A1,38,,,,,\xff\r\n" +
	"   \n" +
	"2026-11-20T08:00:12+05:45,A2,27,,0,,,s2\n" +
	"2026-11-20 08:00:13,A2,0,,258,,,s2"

var partsJSONL = "\uFEFF" +
	`{"time":"2026-11-20 08:00:00","agent_id":"A1","op_type":1}` + "\r\n" +
	`{"time":"2026-11-20 08:00:01","agent_id":"A1","op_type":48}` + "\r\n" +
	"\r\n" +
	`{"time":"2026-11-20 08:00:02","agent_id":"A\u0000","op_type":2}` + "\n" +
	`{"time":"2026-11-20 08:00:03","agent_id":"A1","op_type":60,"call_id":"c,1"}` + "\n" +
	`{"time":"2026-11-20 08:00:04","agent_id":"A1","op_type":60,"colour":"red"}` + "\n" +
	`not json` + "\n" +
	`{"time":"2026-11-20 08:00:05","agent_id":"A1","op_type":27,"op_cause":0,"call_id":"` + strings.Repeat("x", 300) + `"}` + "\n" +
	`{"time":"2026-11-20 08:00:06","agent_id":"A1","op_type":0}`

func testdataFile(t *testing.T, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{"testdata"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadPartsAsSequential(t *testing.T) {
	withMinPartSize(t, 1)
	aoi := append(testdataFile(t, "agentoprinfo", "good.csv"), testdataFile(t, "agentoprinfo", "bad.csv")...)
	aoi = append(aoi, testdataFile(t, "agentoprinfo", "good.csv")...)
	tests := []struct {
		name   string // the file's name
		format Format
		data   []byte
		oneOf  bool // read as one part whatever n
	}{
		{name: "events.csv", data: []byte(partsCSV)},
		{name: "events.txt", format: FormatEvents, data: []byte(partsCSV)},
		{name: "events.jsonl", data: []byte(partsJSONL)},
		{name: "events.log", format: FormatEvents, data: []byte(partsJSONL)},
		{name: "rejects.csv", data: testdataFile(t, "events", "rejects.csv")},
		{name: "sample.csv", data: testdataFile(t, "events", "sample.csv")},
		{name: "sample.jsonl", data: testdataFile(t, "events", "sample.jsonl")},
		{name: "rejects.jsonl", data: testdataFile(t, "events", "rejects.jsonl")},
		{name: "agentoprinfo.csv", data: aoi},
		{name: "agentoprinfo.txt", format: FormatAgentOprInfo, data: []byte("\uFEFF\r\n" + string(aoi))},
		{name: "header only.csv", data: []byte("\uFEFFtime,agent_id,op_type\r\n")},
		{name: "header without line end.csv", data: []byte("time,agent_id,op_type")},
		{name: "day.csv", data: dayCSV(20, 3)},
		{name: "empty.csv", data: nil},
		{name: "bad header.csv", data: []byte("time,agent_id,colour\n2026-11-20 08:00:00,A1,1\n")},
		{name: "cti.log", data: testdataFile(t, "cti", "seed_flow.log"), oneOf: true},
		{name: "sessions.log", format: FormatCTI, data: testdataFile(t, "cti", "sessions.log"), oneOf: true},
		{name: "events.csv.gz", data: gzipped(t, []byte(partsCSV)), oneOf: true},
		{name: "utf16.csv", data: []byte("\xff\xfet\x00i\x00m\x00e\x00\n\x00"), oneOf: true},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Path: writeTestFile(t, dir, tt.name, tt.data), Format: tt.format}
			wantSt, want, wantErr := readSequential(t, in, Options{MaxLineBytes: 200})
			lines := bytes.Count(tt.data, []byte{'\n'}) + 1
			for _, n := range []int{1, 2, 3, 4, 7, lines, lines + 5} {
				st, got, parts, err := readInParts(t, in, Options{MaxLineBytes: 200}, n)
				if fmt.Sprint(err) != fmt.Sprint(wantErr) {
					t.Fatalf("n=%d: error %v, want %v", n, err, wantErr)
				}
				if st != wantSt {
					t.Errorf("n=%d: FileStat %+v, want %+v", n, st, wantSt)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("n=%d: the parts read\n%+v\nwant\n%+v", n, got, want)
				}
				if parts > n || (tt.oneOf || n == 1) && parts != 1 {
					t.Errorf("n=%d: %d parts", n, parts)
				}
			}
		})
	}
}

// TestReadPartsCuts reads a file cut at every line, which puts every kind
// of record first and last in a part.
func TestReadPartsCuts(t *testing.T) {
	for _, tt := range []struct {
		name string
		data string
	}{
		{"events.csv", partsCSV},
		{"events.jsonl", partsJSONL},
	} {
		t.Run(tt.name, func(t *testing.T) {
			withMinPartSize(t, 1)
			in := Input{Path: writeTestFile(t, t.TempDir(), tt.name, []byte(tt.data))}
			wantSt, want, err := readSequential(t, in, Options{MaxLineBytes: 200})
			if err != nil {
				t.Fatal(err)
			}
			n := len(tt.data) // cutAtLines leaves out the empty parts
			st, got, parts, err := readInParts(t, in, Options{MaxLineBytes: 200}, n)
			if err != nil {
				t.Fatal(err)
			}
			if st != wantSt || !reflect.DeepEqual(got, want) {
				t.Errorf("read in %d parts: %+v\n%+v\nwant %+v\n%+v", parts, st, got, wantSt, want)
			}
			if lines := strings.Count(tt.data, "\n") + 1; parts < lines-5 {
				t.Errorf("%d parts of %d lines", parts, lines)
			}
		})
	}
}

func TestCutAtLines(t *testing.T) {
	data := []byte("ab\ncd\n\nefgh\nij")
	tests := []struct {
		start int64
		n     int
		want  []int64
	}{
		{0, 1, []int64{0, 14}},
		{0, 2, []int64{0, 7, 14}},
		{0, 3, []int64{0, 6, 12, 14}},
		{3, 2, []int64{3, 12, 14}},
		{0, 100, []int64{0, 3, 6, 7, 12, 14}},
		{12, 4, []int64{12, 14}},
	}
	for _, tt := range tests {
		got, err := cutAtLines(bytes.NewReader(data), tt.start, int64(len(data)), tt.n)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("cutAtLines(%d, %d) = %v, %v; want %v", tt.start, tt.n, got, err, tt.want)
		}
	}
}

// TestReadPartsStops checks that the error of a callback is the one a
// sequential read meets first, and that a callback's error stops the read.
func TestReadPartsStops(t *testing.T) {
	withMinPartSize(t, 1)
	data := dayCSV(30, 5)
	in := Input{Path: writeTestFile(t, t.TempDir(), "day.csv", data)}
	lines := int64(bytes.Count(data, []byte{'\n'}))
	stopAt := func(line int64) error { return fmt.Errorf("stop at line %d", line) }
	for _, at := range []int64{2, lines / 3, lines / 2, lines} {
		t.Run(fmt.Sprint(at), func(t *testing.T) {
			// Every part fails at its first event from line at on: the
			// error is that of line at.
			_, err := ReadParts(context.Background(), in, Options{}, 4, func(part int) Handler {
				return Handler{Event: func(e *billing.Event) error {
					if e.Source.Line >= at {
						return stopAt(e.Source.Line)
					}
					return nil
				}}
			})
			if want := stopAt(at); fmt.Sprint(err) != fmt.Sprint(want) {
				t.Errorf("error %v, want %v", err, want)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := ReadParts(ctx, in, Options{}, 4, func(int) Handler { return Handler{} })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := ReadParts(context.Background(), Input{Path: filepath.Join(t.TempDir(), "none.csv")}, Options{}, 4, func(int) Handler { return Handler{} })
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want os.ErrNotExist", err)
		}
	})
}

// BenchmarkReadPartsDay reads the day file of BenchmarkReadCSVDay in parts,
// one a processor.
func BenchmarkReadPartsDay(b *testing.B) {
	input := dayCSVOnce()
	in := Input{Path: writeTestFile(b, b.TempDir(), "day.csv", input)}
	lines := int64(bytes.Count(input, []byte{'\n'}) - 1)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	loops := 0
	for b.Loop() {
		procs := runtime.GOMAXPROCS(0)
		counts := make([]int64, 8*procs) // a cache line a part
		st, err := ReadParts(context.Background(), in, Options{}, procs, func(part int) Handler {
			return Handler{Event: func(*billing.Event) error { counts[part*8]++; return nil }}
		})
		var events int64
		for _, n := range counts {
			events += n
		}
		if err != nil || st.Records != lines || events != lines {
			b.Fatalf("Records %d, events %d of %d lines, error %v", st.Records, events, lines, err)
		}
		loops++
	}
	b.ReportMetric(float64(lines*int64(loops))/b.Elapsed().Seconds(), "lines/s")
}

// FuzzReadParts checks that reading a file in parts gives what reading it
// whole gives, whatever the file holds.
func FuzzReadParts(f *testing.F) {
	for _, s := range []string{partsCSV, partsJSONL, compressedCSV} {
		f.Add([]byte(s), uint8(3), uint8(0))
	}
	f.Add([]byte(partsCSV), uint8(2), uint8(1))
	f.Add([]byte(partsJSONL), uint8(4), uint8(2))
	if b, err := os.ReadFile(filepath.Join("testdata", "agentoprinfo", "bad.csv")); err == nil {
		f.Add(b, uint8(3), uint8(3))
	}
	old := minPartSize
	minPartSize = 1
	f.Cleanup(func() { minPartSize = old })
	formats := []Format{FormatAuto, FormatCSV, FormatJSONL, FormatAgentOprInfo, FormatEvents}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, n, format uint8) {
		in := Input{Path: filepath.Join(dir, "in.csv"), Format: formats[int(format)%len(formats)]}
		if err := os.WriteFile(in.Path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		opts := Options{Location: fuzzZone, MaxLineBytes: fuzzMaxLine}
		wantSt, want, wantErr := readSequential(t, in, opts)
		st, got, _, err := readInParts(t, in, opts, 1+int(n)%8)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("error %v, want %v", err, wantErr)
		}
		if st != wantSt {
			t.Errorf("FileStat %+v, want %+v", st, wantSt)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("the parts read\n%+v\nwant\n%+v", got, want)
		}
	})
}
