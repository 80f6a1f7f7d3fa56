package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// badDir is the corpus of bad inputs; the large and binary ones are made
// by the tests.
var badDir = filepath.Join("..", "..", "testdata", "bad")

// badDay is the day of the corpus.
const badDay = "2026-11-20"

// billsOf is the bills of a lake without the columns that name the input
// (bill_id, source_file, source_line), sorted.
func billsOf(t *testing.T, lakeDir string) string {
	t.Helper()
	out, _ := mustRun(t, nil, "query", "--lake", lakeDir, "--format", "csv",
		"SELECT agent_id, op_type, op_object, op_cause, begin_time, end_time, call_id, media_type, flags FROM bills ORDER BY ALL")
	return out
}

// lakeFiles lists every file under dir with its bytes, but for the lock
// file, which holds its last holder and no data.
func lakeFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != ".lock" {
			files[p] = string(readFile(t, p))
		}
		return nil
	})
	return files
}

// garbage is n bytes of seeded noise: NULs, control bytes, invalid UTF-8
// and a few line breaks.
func garbage(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
		if r.IntN(200) == 0 {
			b[i] = '\n'
		}
	}
	return b
}

// longLine is the text of files with one line of 10 MB among good ones.
func longLine(format string) []byte {
	huge := bytes.Repeat([]byte("x"), 10<<20)
	var b bytes.Buffer
	switch format {
	case "csv":
		b.WriteString("time,agent_id,op_type\n2026-11-20 08:00:00,A1,1\n2026-11-20 08:10:00,")
		b.Write(huge)
		b.WriteString(",3\n2026-11-20 17:00:00,A1,0\n")
	case "jsonl":
		b.WriteString(`{"time":"2026-11-20 08:00:00","agent_id":"A1","op_type":1}` + "\n")
		b.WriteString(`{"time":"2026-11-20 08:10:00","agent_id":"`)
		b.Write(huge)
		b.WriteString(`","op_type":3}` + "\n" + `{"time":"2026-11-20 17:00:00","agent_id":"A1","op_type":0}` + "\n")
	case "cti":
		b.WriteString("2026-11-20 08:00:00 MsgType: AGENT_STATE_EVENT AgentState: LOGIN EventReasonCode: 0 AgentID: carol AgentExtension: 7001\n")
		b.WriteString("2026-11-20 08:10:00 MsgType: AGENT_STATE_EVENT AgentState: READY AgentID: ")
		b.Write(huge)
		b.WriteString("\n2026-11-20 17:00:00 MsgType: AGENT_STATE_EVENT AgentState: LOGOUT EventReasonCode: 0 AgentID: carol AgentExtension: 7001\n")
	case "agentoprinfo":
		b.WriteString("1001,700,acc01,chli4020,svc9,12,1,2026-11-20 09:00:14,2026-11-20 09:05:00,60,65535,1,5,1,1,4,8888,1,0,1,7\n1002,")
		b.Write(huge)
		b.WriteString("\n1003,700,acc01,chli4020,svc9,12,1,2026-11-20 09:05:00,2026-11-20 09:06:00,60,65535,0,5,1,1,4,8888,1,0,1,7\n")
	}
	return b.Bytes()
}

func TestBadInputs(t *testing.T) {
	gen := t.TempDir()
	made := func(name string, data []byte) string {
		p := filepath.Join(gen, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	corpus := func(name string) string { return filepath.Join(badDir, name) }
	// A binary input is refused whole: one reject that says what it is.
	binaryReject := map[string]int64{"file looks like binary data (NUL bytes)": 1}
	goodLake := filepath.Join(t.TempDir(), "good")
	mustRun(t, nil, "ingest", "--lake", goodLake, "--date", badDay, corpus("good.csv"))
	goodBills := billsOf(t, goodLake)
	if strings.Count(goodBills, "\n") < 6 {
		t.Fatalf("good.csv gives too few bills:\n%s", goodBills)
	}

	tests := []struct {
		name    string
		files   []string
		args    []string
		wantErr string           // a clear error, and no day written
		rejects map[string]int64 // rejects by reason, exactly
		some    bool             // rejects of any reason, at least one
		events  int64            // events used, when not -1
		same    bool             // the same bills as good.csv
		quoted  int              // the most bytes a reject's raw text may have, when not 0
		// records counted as other days' (not run)
		otherDays int64
	}{
		{name: "CRLF line ends", files: []string{corpus("crlf.csv")}, same: true, events: 9},
		{name: "byte-order mark", files: []string{corpus("bom.csv")}, same: true, events: 9},
		{name: "columns in another order", files: []string{corpus("columns_reordered.csv")}, same: true, events: 9},
		{name: "lines in reverse time order", files: []string{corpus("reverse_order.csv")}, same: true, events: 9},
		{name: "truncated CSV", files: []string{corpus("truncated.csv")}, rejects: map[string]int64{"wrong number of fields": 1}, events: 8},
		{name: "truncated JSON Lines", files: []string{corpus("truncated.jsonl")}, rejects: map[string]int64{"invalid JSON": 1}, events: 3},
		{name: "truncated CTI", files: []string{corpus("truncated.log")}, rejects: map[string]int64{"AgentID": 1}, events: 3},
		{name: "truncated agentOprInfo", files: []string{corpus("truncated_agentoprinfo.csv")}, rejects: map[string]int64{"columns": 1}, events: 0},
		{name: "truncated header", files: []string{corpus("truncated_header.csv")}, wantErr: `header: unknown column "op_ty"`},
		{name: "invalid UTF-8 in CSV", files: []string{corpus("invalid_utf8.csv")}, rejects: map[string]int64{"invalid UTF-8": 4}, events: 2},
		{name: "invalid UTF-8 in JSON Lines", files: []string{corpus("invalid_utf8.jsonl")}, rejects: map[string]int64{"invalid UTF-8": 2}, events: 2},
		{name: "fields in the wrong order", files: []string{corpus("swapped_fields.csv")}, rejects: map[string]int64{"time": 1, "op_type": 2, "op_object": 1}, events: 4},
		{name: "agentOprInfo fields in the wrong order", files: []string{corpus("swapped_agentoprinfo.csv")}, rejects: map[string]int64{"end_time": 1, "op_type": 1}, events: 0},
		{name: "events years in the future", files: []string{corpus("future.csv")}, rejects: map[string]int64{}, otherDays: 3, events: 3},
		{name: "events years in the future, no date", files: []string{corpus("future.csv")}, args: []string{},
			wantErr: " days, from 2026-11-20 (" + corpus("future.csv") + " line 2) to 9999-12-31 (" + corpus("future.csv") + " line 6), more than 366: give --date D"},
		{name: "empty CSV", files: []string{corpus("empty.csv")}, wantErr: "header: empty file"},
		{name: "empty JSON Lines", files: []string{corpus("empty.jsonl")}, rejects: map[string]int64{}, events: 0},
		{name: "empty JSON Lines, no date", files: []string{corpus("empty.jsonl")}, args: []string{}, wantErr: "the inputs hold no event or bill"},
		{name: "header only", files: []string{corpus("header_only.csv")}, rejects: map[string]int64{}, events: 0},
		{name: "binary garbage as CSV", files: []string{made("garbage.csv", garbage(1<<20, 1))}, rejects: binaryReject, events: 0, quoted: 4096 + 3},
		{name: "binary garbage as JSON Lines", files: []string{made("garbage.jsonl", garbage(1<<20, 2))}, rejects: binaryReject, events: 0, quoted: 4096 + 3},
		{name: "binary garbage as CTI", files: []string{made("garbage.log", garbage(1<<20, 3))}, args: []string{"--date", badDay, "--format", "cti"}, rejects: binaryReject, events: 0},
		{name: "binary garbage as agentOprInfo", files: []string{made("garbage.aoi", garbage(1<<20, 4))}, args: []string{"--date", badDay, "--format", "agentoprinfo"}, rejects: binaryReject, events: 0},
		{name: "10 MB line in CSV", files: []string{made("long.csv", longLine("csv"))}, rejects: map[string]int64{"line longer than 1048576 bytes": 1}, events: 2, quoted: 4096 + 3},
		{name: "10 MB line in JSON Lines", files: []string{made("long.jsonl", longLine("jsonl"))}, rejects: map[string]int64{"line longer than 1048576 bytes": 1}, events: 2, quoted: 4096 + 3},
		{name: "10 MB line in CTI", files: []string{made("long.log", longLine("cti"))}, rejects: map[string]int64{"message longer than 1048576 bytes": 1}, events: 2, quoted: 4096 + 3},
		{name: "10 MB line in agentOprInfo", files: []string{made("long.aoi", longLine("agentoprinfo"))}, args: []string{"--date", badDay, "--format", "agentoprinfo"}, rejects: map[string]int64{"line longer than 1048576 bytes": 1}, events: 0, quoted: 4096 + 3},
		{name: "every bad file at once", files: []string{corpus("truncated.csv"), corpus("invalid_utf8.jsonl"), corpus("truncated.log"), corpus("swapped_agentoprinfo.csv"), corpus("future.csv")}, some: true, otherDays: 3, events: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lakeDir := filepath.Join(t.TempDir(), "lake")
			args := tt.args
			if args == nil {
				args = []string{"--date", badDay}
			}
			// --force: these cases are about how bad records are
			// counted, so they commit runs that are mostly bad.
			code, _, errOut := runCLI(t, nil, append(append([]string{"ingest", "--force", "--lake", lakeDir}, args...), tt.files...)...)
			if tt.wantErr != "" {
				if code == 0 || !strings.Contains(logText(errOut), tt.wantErr) {
					t.Errorf("exit %d, want an error with %q:\n%s", code, tt.wantErr, errOut)
				}
				if files := lakeFiles(t, lakeDir); len(files) != 0 {
					t.Errorf("a failed run left files: %v", keysOf(files))
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, errOut)
			}
			ms := verifyLake(t, lakeDir)
			day, _ := billing.ParseDate(badDay)
			m, ok := ms[day]
			if !ok || len(ms) != 1 {
				t.Fatalf("days %v, want %s", keysOf(ms), badDay)
			}
			c := m.Counts
			if n := c.Unaccounted(); n != 0 {
				t.Errorf("%d records unaccounted: %+v", n, c)
			}
			if tt.rejects != nil && !reflect.DeepEqual(c.RejectsByReason, tt.rejects) {
				t.Errorf("rejects %v, want %v", c.RejectsByReason, tt.rejects)
			}
			if tt.some && c.Rejects == 0 {
				t.Error("no rejects")
			}
			if n := sumCounts(c.OtherDays); n != tt.otherDays {
				t.Errorf("%d records of other days (%v), want %d", n, c.OtherDays, tt.otherDays)
			}
			if tt.events >= 0 && c.Events != tt.events {
				t.Errorf("%d events used, want %d", c.Events, tt.events)
			}
			if tt.same {
				if got := billsOf(t, lakeDir); got != goodBills {
					t.Errorf("bills differ from good.csv's:\n%s\nwant\n%s", got, goodBills)
				}
			}
			if tt.quoted > 0 {
				out, _ := mustRun(t, nil, "query", "--lake", lakeDir, "--format", "csv", "SELECT coalesce(max(strlen(raw)), 0) AS n, count(*) FILTER (WHERE reason = '') AS unexplained FROM rejects")
				var n, unexplained int
				if _, err := fmt.Sscanf(strings.Split(strings.TrimSpace(out), "\n")[1], "%d,%d", &n, &unexplained); err != nil {
					t.Fatalf("%v: %s", err, out)
				}
				if n > tt.quoted || unexplained > 0 {
					t.Errorf("rejects quote up to %d bytes (want at most %d), %d have no reason", n, tt.quoted, unexplained)
				}
			}
		})
	}
}

// TestBadInputKeepsTheDay runs bad inputs over a day in the lake: a run that
// fails leaves the day as it was, byte for byte.
func TestBadInputKeepsTheDay(t *testing.T) {
	lakeDir := filepath.Join(t.TempDir(), "lake")
	mustRun(t, nil, "ingest", "--lake", lakeDir, "--date", badDay, filepath.Join(badDir, "good.csv"))
	before := lakeFiles(t, lakeDir)
	for _, f := range []string{"empty.csv", "truncated_header.csv", "missing.csv"} {
		code, _, errOut := runCLI(t, nil, "ingest", "--lake", lakeDir, "--date", badDay, filepath.Join(badDir, f))
		if code == 0 {
			t.Errorf("%s: no error", f)
		}
		if !strings.Contains(errOut, f) {
			t.Errorf("%s: the error does not name the file: %s", f, errOut)
		}
		if after := lakeFiles(t, lakeDir); !reflect.DeepEqual(after, before) {
			t.Errorf("%s: the lake changed: %v", f, keysOf(after))
		}
	}
	mustRun(t, nil, "check", "--lake", lakeDir)
}

// TestInputChangingWhileRead appends to an input while it is read: the run
// fails and writes nothing.
func TestInputChangingWhileRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "growing.csv")
	var b bytes.Buffer
	b.WriteString("time,agent_id,op_type\n")
	for i := 0; b.Len() < 8<<20; i++ {
		fmt.Fprintf(&b, "2026-11-20 %02d:%02d:%02d,A%04d,2\n", i/3600%24, i/60%60, i%60, i%1000)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the log is still being written
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			f.WriteString("2026-11-20 23:59:59,A0001,2\n")
			time.Sleep(50 * time.Microsecond)
		}
	}()
	lakeDir := filepath.Join(dir, "lake")
	code, _, errOut := runCLI(t, nil, "ingest", "--lake", lakeDir, "--date", badDay, path)
	close(stop)
	wg.Wait()
	if code == 0 || !strings.Contains(errOut, "input "+path+" changed while it was read") {
		t.Errorf("exit %d:\n%s", code, errOut)
	}
	if files := lakeFiles(t, lakeDir); len(files) != 0 {
		t.Errorf("the run wrote %v", keysOf(files))
	}
}

func keysOf[K comparable, V any](m map[K]V) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	return out
}
