package lake

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

var testDay = billing.Date{Year: 2024, Month: time.March, Day: 10}

func kathmandu(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Fatalf("load zone: %v", err)
	}
	return loc
}

// at is a site-zone wall-clock time of testDay, as a UTC instant.
func at(loc *time.Location, h, m, s, usec int) time.Time {
	return time.Date(testDay.Year, testDay.Month, testDay.Day, h, m, s, usec*1000, loc).UTC()
}

// sampleBills covers what a bill can hold: empty and set optional strings,
// source causes set (also to 0) and unset, imported origins, flags,
// non-ASCII agent ids and times with microseconds.
func sampleBills(loc *time.Location) []billing.Bill {
	bills := []billing.Bill{
		{
			AgentID: "agent-001", OpType: 1, OpObject: 65535, OpCause: 65535,
			Begin: at(loc, 0, 0, 0, 1), End: at(loc, 0, 0, 0, 1),
			LogonSN: at(loc, 0, 0, 0, 1).UnixMilli(), Flags: billing.FlagImplicitLogin,
			Source: billing.Source{File: "in/events.csv", Line: 2},
		},
		{
			AgentID: "agent-001", OpType: 60, OpObject: 3, OpCause: 1,
			Begin: at(loc, 9, 58, 12, 345678), End: at(loc, 10, 0, 0, 0),
			Attrs: billing.Attrs{
				CallID: "call-7", MediaType: "voice", SkillID: "12", VDNID: "v1", CCID: "1",
				AgentType: "4", PhoneNo: "+977 1 555 0101", CallInOut: "inbound", LocationID: "KTM",
			},
			LogonSN: at(loc, 0, 0, 0, 1).UnixMilli(), SourceCause: 4, HasSourceCause: true,
			Source: billing.Source{File: "in/cti.log", Line: 40},
		},
		{
			AgentID: "agent-001", OpType: 26, OpObject: 65535, OpCause: 7,
			Begin: at(loc, 10, 0, 0, 0), End: at(loc, 10, 30, 0, 999999),
			LogonSN: at(loc, 0, 0, 0, 1).UnixMilli(), SourceCause: 0, HasSourceCause: true,
			Flags:  billing.FlagImplicitLogout | billing.FlagTimeout,
			Source: billing.Source{File: "in/cti.log", Line: 41},
		},
		{
			AgentID: "agent-ü-ß", OpType: 3, OpObject: 65535, OpCause: 2,
			Begin: at(loc, 11, 0, 0, 5), End: at(loc, 11, 0, 1, 6),
			Attrs:   billing.Attrs{MediaType: "text", SkillID: "12"},
			LogonSN: 1710042000123,
			Source:  billing.Source{File: "in/events.csv", Line: 3},
		},
		{
			AgentID: "エージェント7", OpType: 0, OpObject: 65535, OpCause: 258,
			Begin: at(loc, 1, 2, 3, 4), End: at(loc, 23, 59, 59, 999999),
			LogonSN: 1710010000000,
			Source:  billing.Source{File: "in/agentOprInfo.csv", Line: 9},
			Origin: billing.Origin{
				RecordID: "900001", DeveloperID: "dev-1", AccountID: "acc'1",
				ServiceNo: "S-1", SkillInfoSN: "77",
			},
		},
	}
	for i := range bills {
		bills[i].AssignID()
	}
	return bills
}

// sampleOpen is what is still open at the end of testDay.
func sampleOpen(loc *time.Location) []billing.OpenSpan {
	end := testDay.Next().Start(loc)
	var open []billing.OpenSpan
	for i, b := range sampleBills(loc)[1:4] {
		b.End = end
		b.Flags |= billing.FlagOpen
		b.AssignID()
		open = append(open, billing.OpenSpan{Bill: b, LastEvent: at(loc, 12+i, 0, 0, 123456)})
	}
	return open
}

func sampleRejects() []ingest.Reject {
	return []ingest.Reject{
		{File: "in/events.csv", Line: 7, Raw: "2024-03-10 25:00:00,agent-001,2", Reason: "time: hour out of range"},
		{File: "in/cti.log", Line: 90, Raw: "MsgType: AGENT_STATE_EVENT AgentState: 12", Reason: "unsupported agent state"},
		{File: "in/cti.log", Line: 91, Raw: "", Reason: "no timestamp"},
	}
}

func sampleManifest() Manifest {
	return Manifest{
		Version: "test",
		Started: time.Date(2024, 3, 11, 1, 0, 0, 0, time.UTC),
		Inputs:  []InputFile{{Path: "in/events.csv", Format: "csv", Size: 10, SHA256: "ab"}},
		Counts: Counts{
			Records: 9, Events: 6, Bills: 5, Rejects: 3, OpenRows: 3,
			BillsByType:     map[string]int64{"60": 1, "1": 1, "0": 1, "26": 1, "3": 1},
			RejectsByReason: map[string]int64{"no timestamp": 1},
		},
	}
}

func writeSample(t *testing.T, l *Lake) {
	t.Helper()
	loc := l.location()
	if err := l.WriteDay(context.Background(), testDay, sampleBills(loc), sampleOpen(loc), sampleRejects(), sampleManifest()); err != nil {
		t.Fatalf("WriteDay: %v", err)
	}
}

func openDuckDB(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryRows runs q and returns every row as values.
func queryRows(t testing.TB, db *sql.DB, q string) [][]any {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// wall is the wall clock of t in loc, written as a UTC time: what a
// TIMESTAMP column of the lake holds.
func wall(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// billRow is the row DuckDB should read for b.
func billRow(b *billing.Bill, loc *time.Location) []any {
	var cause any
	if b.HasSourceCause {
		cause = b.SourceCause
	}
	return []any{
		b.ID, b.AgentID, b.OpType, b.OpObject, b.OpCause,
		wall(b.Begin, time.UTC), wall(b.End, time.UTC), wall(b.Begin, loc), wall(b.End, loc),
		b.End.Sub(b.Begin).Milliseconds(),
		nullable(b.CallID), nullable(b.MediaType), nullable(b.SkillID), nullable(b.VDNID), nullable(b.CCID),
		nullable(b.AgentType), nullable(b.PhoneNo), nullable(b.CallInOut), nullable(b.LocationID),
		b.LogonSN, cause, b.Flags.String(), b.Source.File, b.Source.Line,
		nullable(b.Origin.RecordID), nullable(b.Origin.DeveloperID), nullable(b.Origin.AccountID),
		nullable(b.Origin.ServiceNo), nullable(b.Origin.SkillInfoSN),
	}
}

func TestWriteDayDuckDB(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	writeSample(t, l)
	db := openDuckDB(t)

	var wantBills, wantOpen, wantRejects [][]any
	for _, b := range sampleBills(loc) {
		wantBills = append(wantBills, billRow(&b, loc))
	}
	for _, s := range sampleOpen(loc) {
		wantOpen = append(wantOpen, append(billRow(&s.Bill, loc), wall(s.LastEvent, time.UTC)))
	}
	for _, r := range sampleRejects() {
		wantRejects = append(wantRejects, []any{r.File, r.Line, r.Raw, r.Reason})
	}
	tests := []struct {
		table Table
		want  [][]any
	}{
		{Bills, wantBills},
		{Open, wantOpen},
		{Rejects, wantRejects},
	}
	for _, tt := range tests {
		t.Run(tt.table.Name, func(t *testing.T) {
			src := "read_parquet(" + sqlString(l.Path(tt.table.Name, testDay)) + ", hive_partitioning = false)"
			t.Run("types", func(t *testing.T) {
				var got, want []string
				for _, r := range queryRows(t, db, "DESCRIBE SELECT * FROM "+src) {
					got = append(got, fmt.Sprint(r[0], " ", r[1]))
				}
				for _, c := range tt.table.Columns {
					want = append(want, c.Name+" "+c.Kind.SQLType())
				}
				if !slices.Equal(got, want) {
					t.Errorf("columns:\ngot  %q\nwant %q", got, want)
				}
			})
			t.Run("values", func(t *testing.T) {
				got := queryRows(t, db, "SELECT * FROM "+src)
				if len(got) != len(tt.want) {
					t.Fatalf("got %d rows, want %d", len(got), len(tt.want))
				}
				for i := range got {
					if !reflect.DeepEqual(got[i], tt.want[i]) {
						t.Errorf("row %d:\ngot  %#v\nwant %#v", i, got[i], tt.want[i])
					}
				}
			})
		})
	}
}

func TestReadOpen(t *testing.T) {
	loc := kathmandu(t)
	tests := []struct {
		name string
		open []billing.OpenSpan
	}{
		{"spans", sampleOpen(loc)},
		{"empty", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Lake{Dir: t.TempDir(), Location: loc}
			if err := l.WriteDay(context.Background(), testDay, sampleBills(loc), tt.open, nil, Manifest{}); err != nil {
				t.Fatal(err)
			}
			got, carried, err := l.ReadOpen(context.Background(), testDay)
			if err != nil || carried == nil {
				t.Fatalf("ReadOpen = carried %v, %v", carried, err)
			}
			if carried.Rows != len(tt.open) || carried.Date != testDay.String() {
				t.Errorf("carried = %+v", carried)
			}
			if len(got) != len(tt.open) {
				t.Fatalf("got %d spans, want %d", len(got), len(tt.open))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], tt.open[i]) {
					t.Errorf("span %d:\ngot  %+v\nwant %+v", i, got[i], tt.open[i])
				}
			}
		})
	}
	t.Run("missing day", func(t *testing.T) {
		l := &Lake{Dir: t.TempDir(), Location: loc}
		got, carried, err := l.ReadOpen(context.Background(), testDay)
		if err != nil || carried != nil || got != nil {
			t.Fatalf("ReadOpen = %v, %v, %v; want nothing", got, carried, err)
		}
	})
}

func TestWriteDayDeterministic(t *testing.T) {
	loc := kathmandu(t)
	a, b := &Lake{Dir: t.TempDir(), Location: loc}, &Lake{Dir: t.TempDir(), Location: loc}
	writeSample(t, a)
	writeSample(t, b)
	for _, tbl := range Tables() {
		t.Run(tbl.Name, func(t *testing.T) {
			x, err := os.ReadFile(a.Path(tbl.Name, testDay))
			if err != nil {
				t.Fatal(err)
			}
			y, err := os.ReadFile(b.Path(tbl.Name, testDay))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(x, y) {
				t.Errorf("the two writes differ (%d and %d bytes)", len(x), len(y))
			}
		})
	}
}

func TestManifest(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	days := []billing.Date{testDay.AddDays(2), testDay, testDay.AddDays(1)}
	for _, d := range days {
		if err := l.WriteDay(context.Background(), d, nil, nil, nil, sampleManifest()); err != nil {
			t.Fatal(err)
		}
	}
	// Not days: a stray file and a folder in runs.
	if err := os.WriteFile(filepath.Join(l.Dir, "runs", "notes.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("days", func(t *testing.T) {
		got, err := l.Days()
		want := []billing.Date{testDay, testDay.AddDays(1), testDay.AddDays(2)}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Days = %v, %v; want %v", got, err, want)
		}
	})
	t.Run("stale successors", func(t *testing.T) {
		tests := []struct {
			day  billing.Date
			want []billing.Date
		}{
			{testDay.AddDays(-1), []billing.Date{testDay, testDay.AddDays(1), testDay.AddDays(2)}},
			{testDay, []billing.Date{testDay.AddDays(1), testDay.AddDays(2)}},
			{testDay.AddDays(2), nil},
		}
		for _, tt := range tests {
			got, err := l.StaleSuccessors(tt.day)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("StaleSuccessors(%s) = %v, %v; want %v", tt.day, got, err, tt.want)
			}
		}
	})
	t.Run("read", func(t *testing.T) {
		m, found, err := l.ReadManifest(testDay)
		if err != nil || !found {
			t.Fatalf("ReadManifest = %v, %v", found, err)
		}
		if m.Date != testDay.String() || m.Timezone != "Asia/Kathmandu" || m.Version != "test" {
			t.Errorf("manifest head = %q %q %q", m.Date, m.Timezone, m.Version)
		}
		if len(m.Files) != 3 {
			t.Fatalf("files = %+v", m.Files)
		}
		for _, f := range m.Files {
			sum, size, err := FileSHA256(filepath.Join(l.Dir, filepath.FromSlash(f.Path)))
			if err != nil || sum != f.SHA256 || size != f.Size || f.Rows != 0 {
				t.Errorf("file %+v: on disk %s %d %v", f, sum, size, err)
			}
		}
		if _, found, err := l.ReadManifest(testDay.AddDays(5)); found || err != nil {
			t.Errorf("ReadManifest of a day with no run = %v, %v", found, err)
		}
	})
	t.Run("wrong date", func(t *testing.T) {
		m := sampleManifest()
		m.Date = "2024-01-01"
		if err := l.WriteDay(context.Background(), testDay, nil, nil, nil, m); err == nil {
			t.Error("WriteDay took a manifest of another date")
		}
	})
	t.Run("json", func(t *testing.T) {
		data, err := os.ReadFile(l.manifestPath(testDay))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"\n  \"date\": \"2024-03-10\",\n", "\"carried_in\": null", "\"bills_by_type\": {\n      \"0\": 1,\n      \"1\": 1,"} {
			if !strings.Contains(string(data), want) {
				t.Errorf("manifest lacks %q:\n%s", want, data)
			}
		}
	})
}

func TestWriteDayCancelled(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	writeSample(t, l)
	before := snapshot(t, l.Dir)

	ctx, cancel := context.WithCancel(context.Background())
	dw := createWithBills(t, ctx, l)
	defer dw.Abort()
	cancel()
	if err := dw.Commit(nil, nil, Manifest{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit after cancel = %v, want context.Canceled", err)
	}
	dw.Abort()
	if after := snapshot(t, l.Dir); !reflect.DeepEqual(before, after) {
		t.Errorf("cancelled write changed the lake:\nbefore %v\nafter  %v", keys(before), keys(after))
	}
}

// A commit whose rejects table cannot be written fails whole, though the
// bills and the open table were written at the same time: no file of the
// day is left, temporary or final.
func TestCommitFailsWhole(t *testing.T) {
	loc := kathmandu(t)
	l := &Lake{Dir: t.TempDir(), Location: loc}
	// A file where the rejects' folder goes: its day cannot be made.
	if err := os.WriteFile(filepath.Join(l.Dir, Rejects.Name), []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, l.Dir)
	dw := createWithBills(t, context.Background(), l)
	defer dw.Abort()
	err := dw.Commit(sampleOpen(loc), sampleRejects(), sampleManifest())
	if err == nil {
		t.Fatal("a commit whose rejects could not be written succeeded")
	}
	t.Logf("commit: %v", err)
	dw.Abort()
	if after := snapshot(t, l.Dir); !reflect.DeepEqual(before, after) {
		t.Errorf("a failed commit left files:\nbefore %v\nafter  %v", keys(before), keys(after))
	}
	if _, found, err := l.ReadManifest(testDay); found || err != nil {
		t.Errorf("manifest after a failed commit: found %v, %v", found, err)
	}
}

// createWithBills starts writing testDay into l and writes the sample
// bills.
func createWithBills(t *testing.T, ctx context.Context, l *Lake) *DayWriter {
	t.Helper()
	dw, err := l.CreateDay(ctx, testDay)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range sampleBills(l.Location) {
		if err := dw.WriteBill(&b); err != nil {
			dw.Abort()
			t.Fatal(err)
		}
	}
	return dw
}

// snapshot maps every file under dir to its content; the lock file, which
// names its last holder, is left out.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == (&Lake{}).lockName() {
			return err
		}
		data, err := os.ReadFile(p)
		files[strings.TrimPrefix(p, dir)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func keys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}

// bigRejects makes n rejects with raw texts of 4 KiB.
func bigRejects(n int) []ingest.Reject {
	rs := make([]ingest.Reject, n)
	for i := range rs {
		rs[i] = ingest.Reject{
			File: fmt.Sprintf("in/part-%d.csv", i%3), Line: int64(i + 1),
			Raw:    fmt.Sprintf("%06d:", i) + strings.Repeat("x", 4089),
			Reason: []string{"line longer than the limit", "invalid UTF-8"}[i%2],
		}
	}
	return rs
}

// A day's open table is carried into the next day only when it is the one
// its manifest names: anything else stops the next run.
func TestReadOpenDamaged(t *testing.T) {
	loc := kathmandu(t)
	cases := []struct {
		name  string
		harm  func(t *testing.T, l *Lake)
		wants string
	}{
		{"bit flipped", func(t *testing.T, l *Lake) {
			p := l.Path(Open.Name, testDay)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0x10
			os.WriteFile(p, data, 0o644)
		}, "changed or damaged"},
		{"truncated", func(t *testing.T, l *Lake) {
			os.Truncate(l.Path(Open.Name, testDay), 10)
		}, "has 10 bytes"},
		{"removed", func(t *testing.T, l *Lake) {
			os.Remove(l.Path(Open.Name, testDay))
		}, "is missing"},
		{"manifest removed", func(t *testing.T, l *Lake) {
			os.Remove(l.manifestPath(testDay))
		}, "has no manifest"},
		{"manifest damaged", func(t *testing.T, l *Lake) {
			os.WriteFile(l.manifestPath(testDay), []byte("{"), 0o644)
		}, "read manifest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := &Lake{Dir: t.TempDir(), Location: loc}
			if err := l.WriteDay(context.Background(), testDay, sampleBills(loc), sampleOpen(loc), nil, Manifest{}); err != nil {
				t.Fatal(err)
			}
			tc.harm(t, l)
			spans, carried, err := l.ReadOpen(context.Background(), testDay)
			var cse *CarriedStateError
			if !errors.As(err, &cse) || spans != nil || carried != nil {
				t.Fatalf("ReadOpen = %d spans, %v, %v; want a CarriedStateError", len(spans), carried, err)
			}
			for _, want := range []string{tc.wants, "agentbill ingest --date " + testDay.String()} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}
