package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/agentbill/agentbill/billing"
)

// compressedCSV is canonical CSV with a reject on line 3 and a NUL on
// line 5.
const compressedCSV = "time,agent_id,op_type,call_id\n" +
	"2026-11-20 08:00:00,A1,1,\n" +
	"2026-11-20 08:10:00,A1,99,\n" +
	"2026-11-20 08:20:00,A1,60,c-1\n" +
	"2026-11-20 08:30:00,A\x001,2,\n" +
	"2026-11-20 17:00:00,A1,0,\n"

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstded(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeTestFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readFiles reads inputs as the command line does (ReadInputs with Read)
// and collects what comes out.
func readFiles(t *testing.T, inputs []Input) ([]FileStat, []billing.Event, []Reject, error) {
	t.Helper()
	var events []billing.Event
	var rejects []Reject
	read := func(ctx context.Context, r io.Reader, in Input, opts Options, h Handler) (Stats, error) {
		return Read(ctx, r, in.Path, in.Format, opts, h)
	}
	files, err := ReadInputs(context.Background(), inputs, Options{}, read, Handler{
		Event:  func(e *billing.Event) error { events = append(events, *e); return nil },
		Reject: func(r Reject) error { rejects = append(rejects, r); return nil },
		Skip:   func(string) { t.Error("skip") },
	})
	return files, events, rejects, err
}

// TestReadCompressed reads the same CSV plain, gzip- and zstd-compressed,
// under names with and without the compression's extension: the same
// events and rejects come out, with the same line numbers and raw text, and
// the file's size and checksum are those on disk.
func TestReadCompressed(t *testing.T) {
	dir := t.TempDir()
	plain := []byte(compressedCSV)
	twoMembers := append(gzipped(t, plain[:60]), gzipped(t, plain[60:])...)
	files := []struct {
		name string
		data []byte
	}{
		{"events.csv", plain},
		{"events-2026-11-20.csv.gz", gzipped(t, plain)},
		{"events-2026-11-20.csv.zst", zstded(t, plain)},
		{"events.csv.1.gz", gzipped(t, plain)},
		{"gzip-named-csv.csv", gzipped(t, plain)},
		{"zstd-no-extension", zstded(t, plain)},
		{"plain-named.csv.gz", plain},
		{"two-members.csv.gz", twoMembers},
		{"events.CSV.GZ", gzipped(t, plain)},
	}
	var want struct {
		events  []billing.Event
		rejects []Reject
		stat    FileStat
	}
	for i, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := writeTestFile(t, dir, f.name, f.data)
			stats, events, rejects, err := readFiles(t, []Input{{Path: path}})
			if err != nil {
				t.Fatal(err)
			}
			for j := range events {
				if events[j].Source.File != path {
					t.Errorf("event source %q", events[j].Source.File)
				}
				events[j].Source.File = ""
			}
			for j := range rejects {
				if rejects[j].File != path {
					t.Errorf("reject file %q", rejects[j].File)
				}
				rejects[j].File = ""
			}
			sum := sha256.Sum256(f.data)
			st := stats[0]
			if st.Size != int64(len(f.data)) || st.SHA256 != hex.EncodeToString(sum[:]) || st.Format != FormatCSV {
				t.Errorf("file stat %+v, want size %d, the sha256 of the file on disk and csv", st, len(f.data))
			}
			if i == 0 {
				want.events, want.rejects, want.stat = events, rejects, st
				if len(events) != 3 || len(rejects) != 2 || st.Records != 5 {
					t.Fatalf("plain file: %d events, rejects %+v, %d records", len(events), rejects, st.Records)
				}
				return
			}
			if !reflect.DeepEqual(events, want.events) {
				t.Errorf("events\n%+v\nwant\n%+v", events, want.events)
			}
			if !reflect.DeepEqual(rejects, want.rejects) {
				t.Errorf("rejects\n%+v\nwant\n%+v", rejects, want.rejects)
			}
			if st.Records != want.stat.Records {
				t.Errorf("%d records, want %d", st.Records, want.stat.Records)
			}

			// FetchLines quotes the decompressed lines.
			got, err := FetchLines(path, []int64{5, 3, 99})
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(compressedCSV, "\n")
			if len(got) != 2 || got[3] != lines[2] || got[5] != lines[4] {
				t.Errorf("FetchLines: %v", got)
			}
		})
	}
}

// TestReadCompressedFormats checks that the format comes from the name
// without its compression and rotation extensions, else from the
// decompressed content.
func TestReadCompressedFormats(t *testing.T) {
	dir := t.TempDir()
	cti := "2026-11-20 08:00:00 MsgType: AGENT_STATE_EVENT AgentState: LOGIN EventReasonCode: 0 AgentID: ann AgentExtension: 6001\n"
	jsonl := `{"time":"2026-11-20 08:00:00","agent_id":"A1","op_type":1}` + "\n"
	aoi := "1001,700,acc01,chli4020,svc9,12,16800096,2026-11-20 09:00:14,2026-11-20 09:05:00,60,65535,1,5,1,1,4,88880001,1,0,1763629200000,7\n"
	tests := []struct {
		name string
		data []byte
		want Format
	}{
		{"cti.log.1.gz", gzipped(t, []byte(cti)), FormatCTI},
		{"cti.log.2.zst", zstded(t, []byte(cti)), FormatCTI},
		{"cti.log-20261120.gz", gzipped(t, []byte(cti)), FormatCTI},
		{"events.jsonl.gz", gzipped(t, []byte(jsonl)), FormatJSONL},
		{"events.gz", gzipped(t, []byte(jsonl)), FormatJSONL},
		{"events.ndjson.zstd", zstded(t, []byte(jsonl)), FormatJSONL},
		{"bills.csv.gz", gzipped(t, []byte(aoi)), FormatAgentOprInfo},
		{"bills.zst", zstded(t, []byte(aoi)), FormatAgentOprInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTestFile(t, dir, tt.name, tt.data)
			read := func(ctx context.Context, r io.Reader, in Input, opts Options, h Handler) (Stats, error) {
				return Read(ctx, r, in.Path, in.Format, opts, h)
			}
			var n int
			stats, err := ReadInputs(context.Background(), []Input{{Path: path}}, Options{}, read, Handler{
				Event: func(*billing.Event) error { n++; return nil },
				Bill:  func(billing.Bill) error { n++; return nil },
				Reject: func(r Reject) error {
					t.Errorf("reject %+v", r)
					return nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if stats[0].Format != tt.want || n != 1 {
				t.Errorf("format %q and %d records, want %q and 1", stats[0].Format, n, tt.want)
			}
		})
	}
}

func TestFormatName(t *testing.T) {
	for in, want := range map[string]string{
		"events.csv":               "events.csv",
		"events.csv.gz":            "events.csv",
		"events.csv.GZ":            "events.csv",
		"/var/log/cti/x.log.1.gz":  "/var/log/cti/x.log",
		"x.log.12":                 "x.log",
		"x.jsonl.zst":              "x.jsonl",
		"x.jsonl.zstd":             "x.jsonl",
		"x.gzip":                   "x",
		"x.log-20261120.gz":        "x.log-20261120",
		"events-2026-11-20.csv.gz": "events-2026-11-20.csv",
		"archive.tar.gz":           "archive.tar",
		"events.v2":                "events.v2",
		"dir.1/events":             "dir.1/events",
		"events.":                  "events.",
	} {
		if got := formatName(in); got != want {
			t.Errorf("formatName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReadCompressedDamaged checks that a compressed input cut short is an
// error that names the compression, not a quiet end of the input.
func TestReadCompressedDamaged(t *testing.T) {
	big := []byte(compressedCSV + strings.Repeat("2026-11-20 08:00:00,A1,2,\n", 20000))
	for name, data := range map[string][]byte{
		"gzip": gzipped(t, big),
		"zstd": zstded(t, big),
	} {
		t.Run(name, func(t *testing.T) {
			cut := data[:len(data)/2]
			_, err := Read(context.Background(), bytes.NewReader(cut), "x.csv", FormatAuto, Options{}, Handler{})
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "x.csv") {
				t.Errorf("error %v, want one naming x.csv and %s", err, name)
			}
			dir := t.TempDir()
			path := writeTestFile(t, dir, "x.csv."+name, cut)
			if _, err := FetchLines(path, []int64{1 << 30}); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("FetchLines: error %v, want one naming %s", err, name)
			}
		})
	}
	_, err := Read(context.Background(), bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), "x.csv", FormatAuto, Options{}, Handler{})
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("bad gzip header: error %v", err)
	}
}

func BenchmarkReadCompressed(b *testing.B) {
	const n = 100_000
	plain := csvLines(n)
	for _, c := range []struct {
		name string
		data []byte
	}{{"plain", plain}, {"gzip", gzipped(b, plain)}, {"zstd", zstded(b, plain)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			h := Handler{Reject: func(r Reject) error { return fmt.Errorf("reject: %+v", r) }}
			for b.Loop() {
				st, err := Read(context.Background(), bytes.NewReader(c.data), "bench.csv", FormatAuto, Options{}, h)
				if err != nil || st.Records != n {
					b.Fatalf("Records %d, error %v", st.Records, err)
				}
			}
		})
	}
}
