package lake

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// chainManifest is a manifest whose counts agree with the sample files.
func chainManifest(t *testing.T, l *Lake, day billing.Date, input string) Manifest {
	t.Helper()
	loc := l.location()
	m := Manifest{Version: "test", Counts: Counts{
		Records: 8, Events: 4, Rejects: 3, Imported: 1,
		Bills: int64(len(sampleBills(loc))), OpenRows: int64(len(sampleOpen(loc))),
		BillsByType: map[string]int64{}, RejectsByReason: map[string]int64{},
	}}
	for _, b := range sampleBills(loc) {
		m.Counts.BillsByType[strconv.Itoa(int(b.OpType))]++
	}
	for _, r := range sampleRejects() {
		m.Counts.RejectsByReason[r.Reason]++
	}
	if input != "" {
		sum, size, err := FileSHA256(input)
		if err != nil {
			t.Fatal(err)
		}
		m.Inputs = []InputFile{{Path: input, Format: "csv", Size: size, SHA256: sum}}
	}
	prev := day.AddDays(-1)
	if sum, _, err := FileSHA256(l.Path(Open.Name, prev)); err == nil {
		m.CarriedIn = &CarriedState{Date: prev.String(), SHA256: sum, Rows: len(sampleOpen(loc))}
	}
	return m
}

// writeChainDay writes day as a run does: carrying in the open table of
// the day before, when there is one. shift makes the open table differ.
func writeChainDay(t *testing.T, l *Lake, day billing.Date, input string, shift int) {
	t.Helper()
	loc := l.location()
	open := sampleOpen(loc)
	open[0].LastEvent = open[0].LastEvent.Add(time.Second * time.Duration(shift))
	m := chainManifest(t, l, day, input)
	if err := l.WriteDay(context.Background(), day, sampleBills(loc), open, sampleRejects(), m); err != nil {
		t.Fatal(err)
	}
}

// states gives "day state" for every report, and fails on an error.
func states(t *testing.T, l *Lake, opts VerifyOptions) (map[billing.Date]DayReport, []string) {
	t.Helper()
	reports, err := l.Verify(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	byDay := map[billing.Date]DayReport{}
	var got []string
	for _, r := range reports {
		byDay[r.Day] = r
		got = append(got, r.Day.String()+" "+string(r.State))
	}
	return byDay, got
}

func TestVerify(t *testing.T) {
	d1, d2, d3 := testDay, testDay.Next(), testDay.AddDays(2)
	rewriteManifest := func(t *testing.T, l *Lake, day billing.Date, edit func(*Manifest)) {
		t.Helper()
		m, _, err := l.ReadManifest(day)
		if err != nil {
			t.Fatal(err)
		}
		edit(&m)
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(l.manifestPath(day), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		damage func(t *testing.T, l *Lake, input string)
		want   []string // "day state" for d1, d2, d3
		// problem (or reason, or note) each day's report must mention
		mention map[billing.Date]string
	}{
		{
			name: "whole chain",
			want: []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 ok"},
		},
		{
			name:    "first day ingested again with another outcome",
			damage:  func(t *testing.T, l *Lake, input string) { writeChainDay(t, l, d1, input, 7) },
			want:    []string{"2024-03-10 ok", "2024-03-11 stale", "2024-03-12 stale"},
			mention: map[billing.Date]string{d2: "2024-03-10 was ingested again", d3: "built on 2024-03-11, which is stale"},
		},
		{
			name:   "first day ingested again with the same outcome",
			damage: func(t *testing.T, l *Lake, input string) { writeChainDay(t, l, d1, input, 0) },
			want:   []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 ok"},
		},
		{
			name: "bills of another run put in place, manifest not",
			damage: func(t *testing.T, l *Lake, _ string) {
				other := &Lake{Dir: t.TempDir(), Location: l.Location}
				if err := other.WriteDay(context.Background(), d1, sampleBills(l.location())[:2], nil, nil, Manifest{}); err != nil {
					t.Fatal(err)
				}
				copyFile(t, l.Path(Bills.Name, d1), other.Path(Bills.Name, d1))
			},
			want:    []string{"2024-03-10 broken", "2024-03-11 ok", "2024-03-12 ok"},
			mention: map[billing.Date]string{d1: "has 2 rows, the manifest says 5"},
		},
		{
			name:    "open table gone",
			damage:  func(t *testing.T, l *Lake, _ string) { remove(t, l.Path(Open.Name, d2)) },
			want:    []string{"2024-03-10 ok", "2024-03-11 broken", "2024-03-12 gap"},
			mention: map[billing.Date]string{d2: "open/date=2024-03-11/open.parquet is missing", d3: "no longer holds"},
		},
		{
			name:    "open table damaged",
			damage:  func(t *testing.T, l *Lake, _ string) { appendFile(t, l.Path(Open.Name, d2), "x") },
			want:    []string{"2024-03-10 ok", "2024-03-11 broken", "2024-03-12 ok"},
			mention: map[billing.Date]string{d2: "open/date=2024-03-11/open.parquet is not the file the run wrote"},
		},
		{
			name:    "manifest gone",
			damage:  func(t *testing.T, l *Lake, _ string) { remove(t, l.manifestPath(d2)) },
			want:    []string{"2024-03-10 ok", "2024-03-11 broken", "2024-03-12 ok"},
			mention: map[billing.Date]string{d2: "files but no manifest"},
		},
		{
			name:    "manifest unreadable",
			damage:  func(t *testing.T, l *Lake, _ string) { write(t, l.manifestPath(d2), "{\"date\": ") },
			want:    []string{"2024-03-10 ok", "2024-03-11 broken", "2024-03-12 ok"},
			mention: map[billing.Date]string{d2: "read manifest"},
		},
		{
			name: "day removed: the next one carried in a state that is gone",
			damage: func(t *testing.T, l *Lake, _ string) {
				for _, tb := range Tables() {
					remove(t, l.Path(tb.Name, d2))
				}
				remove(t, l.manifestPath(d2))
			},
			want:    []string{"2024-03-10 ok", "2024-03-12 gap"},
			mention: map[billing.Date]string{d3: "2024-03-11, which the lake no longer holds"},
		},
		{
			name: "day run from nothing after a gap",
			damage: func(t *testing.T, l *Lake, input string) {
				for _, tb := range Tables() {
					remove(t, l.Path(tb.Name, d2))
				}
				remove(t, l.manifestPath(d2))
				rewriteManifest(t, l, d3, func(m *Manifest) { m.CarriedIn = nil })
			},
			want:    []string{"2024-03-10 ok", "2024-03-12 gap"},
			mention: map[billing.Date]string{d3: "no run of 2024-03-11: started from nothing"},
		},
		{
			name: "day run from nothing, the day before run later",
			damage: func(t *testing.T, l *Lake, _ string) {
				rewriteManifest(t, l, d2, func(m *Manifest) { m.CarriedIn = nil })
			},
			want:    []string{"2024-03-10 ok", "2024-03-11 stale", "2024-03-12 stale"},
			mention: map[billing.Date]string{d2: "started from nothing, but 2024-03-10 is in the lake now"},
		},
		{
			name: "counts do not balance",
			damage: func(t *testing.T, l *Lake, _ string) {
				rewriteManifest(t, l, d3, func(m *Manifest) { m.Counts.Records++ })
			},
			want:    []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 broken"},
			mention: map[billing.Date]string{d3: "counts do not balance: 9 records read, but 4 events + 0 duplicates + 3 rejects + 0 skipped + 1 imported = 8"},
		},
		{
			name: "counts by kind do not add up",
			damage: func(t *testing.T, l *Lake, _ string) {
				rewriteManifest(t, l, d3, func(m *Manifest) { m.Counts.RejectsByReason["x"] = 1 })
			},
			want:    []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 broken"},
			mention: map[billing.Date]string{d3: "rejects_by_reason adds up to 4"},
		},
		{
			name: "skipped and imported in Other only, as manifests had them",
			damage: func(t *testing.T, l *Lake, _ string) {
				rewriteManifest(t, l, d3, func(m *Manifest) {
					m.Counts.Records += 2
					m.Counts.Imported = 0
					m.Counts.Other = map[string]int64{"imported_bills": 1, "skipped_prose": 2}
				})
			},
			want: []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 ok"},
		},
		{
			name:    "not a Parquet file",
			damage:  func(t *testing.T, l *Lake, _ string) { truncateFile(t, l.Path(Rejects.Name, d1), 20) },
			want:    []string{"2024-03-10 broken", "2024-03-11 ok", "2024-03-12 ok"},
			mention: map[billing.Date]string{d1: "rejects/date=2024-03-10/rejects.parquet: not a readable Parquet file"},
		},
		{
			name: "temporary files of a stopped run",
			damage: func(t *testing.T, l *Lake, _ string) {
				write(t, filepath.Join(filepath.Dir(l.Path(Bills.Name, d2)), ".bills.parquet"+tempMark+"42"), "half")
			},
			want:    []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 ok"},
			mention: map[billing.Date]string{d2: "1 temporary bills.parquet file(s) left by a stopped run"},
		},
		{
			name:    "input changed",
			damage:  func(t *testing.T, l *Lake, input string) { write(t, input, "time,agent_id,op_type\n") },
			want:    []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 ok"},
			mention: map[billing.Date]string{d1: "changed since the run", d2: "changed since the run", d3: "changed since the run"},
		},
		{
			name:    "input gone",
			damage:  func(t *testing.T, l *Lake, input string) { remove(t, input) },
			want:    []string{"2024-03-10 ok", "2024-03-11 ok", "2024-03-12 ok"},
			mention: map[billing.Date]string{d1: "is gone: its sha256 cannot be checked", d2: "is gone", d3: "is gone"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			input := filepath.Join(dir, "events.csv")
			write(t, input, "time,agent_id,op_type\n2024-03-10 09:00:00,a,1\n")
			l := &Lake{Dir: filepath.Join(dir, "lake"), Location: kathmandu(t)}
			for _, d := range []billing.Date{d1, d2, d3} {
				writeChainDay(t, l, d, input, 0)
			}
			if tt.damage != nil {
				tt.damage(t, l, input)
			}
			byDay, got := states(t, l, VerifyOptions{Inputs: true})
			if strings.Join(got, ", ") != strings.Join(tt.want, ", ") {
				t.Errorf("states %v, want %v", got, tt.want)
			}
			for d, r := range byDay {
				text := r.Reason + "\n" + strings.Join(r.Problems, "\n") + "\n" + strings.Join(r.Notes, "\n")
				if want := tt.mention[d]; want != "" && !strings.Contains(text, want) {
					t.Errorf("%s: no %q in\n%s", d, want, text)
				}
				if (r.State == StateBroken) != (len(r.Problems) > 0) && !strings.Contains(tt.name, "input changed") {
					t.Errorf("%s: state %s with problems %q", d, r.State, r.Problems)
				}
				if r.State == StateOK && tt.mention[d] == "" && len(r.Notes)+len(r.Problems) > 0 {
					t.Errorf("%s: ok, but %q %q", d, r.Problems, r.Notes)
				}
			}
			if tt.name == "input changed" && len(byDay[d1].Problems) == 0 {
				t.Error("a changed input is no problem")
			}
		})
	}
}

func TestVerifySomeDays(t *testing.T) {
	l := &Lake{Dir: t.TempDir(), Location: kathmandu(t)}
	d1, d2, d3 := testDay, testDay.Next(), testDay.AddDays(2)
	for _, d := range []billing.Date{d1, d2, d3} {
		writeChainDay(t, l, d, "", 0)
	}
	writeChainDay(t, l, d1, "", 3)
	_, got := states(t, l, VerifyOptions{Days: []billing.Date{d3, testDay.AddDays(9)}})
	// d3 is stale through d2, though d2 is not verified itself.
	if want := "2024-03-12 stale, 2024-03-19 missing"; strings.Join(got, ", ") != want {
		t.Errorf("states %v, want %s", got, want)
	}
	for _, tt := range []struct {
		day   billing.Date
		state State
	}{{d1, StateOK}, {d2, StateStale}, {d3, StateOK}, {testDay.AddDays(5), StateMissing}} {
		state, reason, err := l.Link(context.Background(), tt.day)
		if err != nil || state != tt.state {
			t.Errorf("Link(%s) = %s %q %v, want %s", tt.day, state, reason, err, tt.state)
		}
	}
	empty := &Lake{Dir: filepath.Join(t.TempDir(), "none")}
	if reports, err := empty.Verify(context.Background(), VerifyOptions{}); err != nil || len(reports) != 0 {
		t.Errorf("a lake that does not exist: %v, %v", reports, err)
	}
}

func TestParquetRows(t *testing.T) {
	l := &Lake{Dir: t.TempDir(), Location: kathmandu(t)}
	loc := l.location()
	if err := l.WriteDay(context.Background(), testDay, syntheticBills(70_000, loc), nil, nil, Manifest{}); err != nil {
		t.Fatal(err)
	}
	p := l.Path(Bills.Name, testDay)
	if n, err := parquetRows(p); err != nil || n != 70_000 {
		t.Fatalf("parquetRows = %d, %v", n, err)
	}
	if n, err := parquetRows(l.Path(Open.Name, testDay)); err != nil || n != 0 {
		t.Fatalf("parquetRows of an empty table = %d, %v", n, err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "too short"},
		{"cut", data[:len(data)/2], "no PAR1"},
		{"no head", append([]byte("PAR0"), data[4:]...), "no PAR1"},
		{"footer length too big", append(append([]byte{}, data[:len(data)-8]...), 0xff, 0xff, 0xff, 0x7f, 'P', 'A', 'R', '1'), "footer of"},
		{"footer garbage", append(append([]byte("PAR1"), make([]byte, 64)...), 0x20, 0, 0, 0, 'P', 'A', 'R', '1'), "footer"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := filepath.Join(t.TempDir(), "x.parquet")
			if err := os.WriteFile(q, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := parquetRows(q); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCountsUnaccounted(t *testing.T) {
	c := Counts{Records: 20, Events: 10, Duplicates: 2, Rejects: 3, Skipped: 4, Imported: 1}
	if n := c.Unaccounted(); n != 0 {
		t.Errorf("Unaccounted = %d", n)
	}
	c.Records = 19
	if n := c.Unaccounted(); n != -1 {
		t.Errorf("Unaccounted = %d, want -1", n)
	}
}

func copyFile(t *testing.T, dst, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dst, string(data))
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func truncateFile(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
