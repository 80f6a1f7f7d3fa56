package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

type aoiResult struct {
	st      Stats
	bills   []billing.Bill
	rejects []Reject
}

func readAOI(t testing.TB, input []byte, name string, opts Options) *aoiResult {
	t.Helper()
	res := &aoiResult{}
	st, err := ReadAgentOprInfo(context.Background(), bytes.NewReader(input), name, opts, Handler{
		Bill:   func(b billing.Bill) error { res.bills = append(res.bills, b); return nil },
		Reject: func(r Reject) error { res.rejects = append(res.rejects, r); return nil },
	})
	if err != nil {
		t.Fatalf("ReadAgentOprInfo: %v", err)
	}
	res.st = st
	if n := int64(len(res.bills) + len(res.rejects)); n != st.Records {
		t.Fatalf("bills+rejects = %d, Stats.Records = %d", n, st.Records)
	}
	return res
}

func readAOIFile(t testing.TB, file string) *aoiResult {
	t.Helper()
	input, err := os.ReadFile(filepath.Join("testdata", "agentoprinfo", file))
	if err != nil {
		t.Fatal(err)
	}
	return readAOI(t, input, file, Options{})
}

func writeAOI(t testing.TB, bills []billing.Bill, opts AgentOprInfoOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewAgentOprInfoWriter(&buf, opts)
	for i := range bills {
		if err := w.Write(&bills[i]); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return buf.Bytes()
}

func TestReadAgentOprInfoGood(t *testing.T) {
	res := readAOIFile(t, "good.csv")
	if len(res.rejects) != 0 {
		t.Fatalf("rejects: %+v", res.rejects)
	}
	if len(res.bills) != 6 || res.st.Records != 6 {
		t.Fatalf("got %d bills of %d records, want 6", len(res.bills), res.st.Records)
	}
	b := res.bills[0]
	want := billing.Bill{
		ID:       b.ID,
		AgentID:  "chli4020",
		OpType:   60,
		OpObject: billing.USNoUse,
		OpCause:  1,
		Begin:    time.Date(2026, 11, 20, 9, 0, 14, 0, time.UTC),
		End:      time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC),
		Attrs: billing.Attrs{
			CallID: "16800096", MediaType: "5", SkillID: "12", VDNID: "1", CCID: "1",
			AgentType: "4", PhoneNo: "88880001", CallInOut: "1", LocationID: "0",
		},
		LogonSN: 1763629200000,
		Source:  billing.Source{File: "good.csv", Line: 1},
		Origin:  billing.Origin{RecordID: "1001", DeveloperID: "700", AccountID: "acc01", ServiceNo: "svc9", SkillInfoSN: "7"},
	}
	if b != want {
		t.Errorf("bill 1:\n got %+v\nwant %+v", b, want)
	}
	if b.ID == "" || b.ID != b.Identity() {
		t.Errorf("bill 1 ID %q not assigned", b.ID)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"-1 object is US_NO_USE", res.bills[1].OpObject, int32(billing.USNoUse)},
		{"65535 object is US_NO_USE", res.bills[0].OpObject, int32(billing.USNoUse)},
		{"-1 cause is US_NO_USE", res.bills[3].OpCause, int32(billing.USNoUse)},
		{"empty logon_sn is 0", res.bills[3].LogonSN, int64(0)},
		{"instant bill", res.bills[3].Duration(), time.Duration(0)},
		{"blank line skipped, line kept", res.bills[4].Source.Line, int64(6)},
		{"quoted comma", res.bills[4].AgentID, "ann,x"},
		{"quoted quote", res.bills[4].PhoneNo, `say "hi"`},
		{"object", res.bills[4].OpObject, int32(101)},
		{"rest cause", res.bills[4].OpCause, int32(210)},
		{"empty skillInfo_sn", res.bills[2].Origin.SkillInfoSN, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestReadAgentOprInfoRejects(t *testing.T) {
	res := readAOIFile(t, "bad.csv")
	want := []string{
		"columns: want 21, got 20",
		"columns: want 21, got 22",
		`begin_time: "2026-11-20 9:00:14": want YYYY-MM-DD hh:mm:ss`,
		`end_time: "2026-11-31 09:05:00": want YYYY-MM-DD hh:mm:ss`,
		"end_time: before begin_time",
		"op_type: unknown operation type 48",
		`op_type: not an integer: "six"`,
		"op_object: -2 outside -1..65535",
		"op_cause: 65536 outside -1..65535",
		`logon_sn: not an integer: "1.5"`,
		`op_cause: not an integer: "x1"`,
		"id: missing",
		"agent_id: missing",
		"columns: bad quoting: field 4: no closing quote",
		"columns: bad quoting: field 4: text after the closing quote",
		`begin_time: "2026-11-20T09:00:14Z": want YYYY-MM-DD hh:mm:ss`,
		"agent_id: invalid UTF-8",
	}
	if len(res.bills) != 0 {
		t.Errorf("bills from bad records: %+v", res.bills)
	}
	if len(res.rejects) != len(want) {
		t.Fatalf("got %d rejects, want %d: %+v", len(res.rejects), len(want), res.rejects)
	}
	for i, r := range res.rejects {
		if r.Reason != want[i] {
			t.Errorf("line %d: reason %q, want %q", r.Line, r.Reason, want[i])
		}
		if r.Line != int64(i+1) || r.File != "bad.csv" || r.Raw == "" {
			t.Errorf("reject %d: %+v", i, r)
		}
	}
}

func TestReadAgentOprInfoLongLine(t *testing.T) {
	input := "1,a,b,c" + strings.Repeat("x", 300) + "\n" +
		"1001,700,acc01,chli4020,svc9,12,1,2026-11-20 09:00:14,2026-11-20 09:05:00,60,65535,1,5,1,1,4,8888,1,0,1,7\n"
	res := readAOI(t, []byte(input), "x.csv", Options{MaxLineBytes: 200})
	if len(res.rejects) != 1 || !strings.HasPrefix(res.rejects[0].Reason, "line longer than ") || len(res.bills) != 1 {
		t.Errorf("got %d bills and rejects %+v", len(res.bills), res.rejects)
	}
	if len(res.rejects) == 1 && len(res.rejects[0].Raw) > 210 {
		t.Errorf("reject keeps %d bytes of a long line", len(res.rejects[0].Raw))
	}
}

func TestReadAgentOprInfoSiteZone(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Skip(err)
	}
	input := "1,,,a,,,,2026-11-20 05:45:00,2026-11-20 05:50:00,3,65535,1,,,,,,,,0,\n"
	res := readAOI(t, []byte(input), "x.csv", Options{Location: loc})
	if len(res.bills) != 1 || !res.bills[0].Begin.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %+v %+v", res.bills, res.rejects)
	}
	out := writeAOI(t, res.bills, AgentOprInfoOptions{Location: loc})
	if string(out) != input {
		t.Errorf("written in the site zone:\n got %q\nwant %q", out, input)
	}
}

// Read → write → read → write gives identical bytes and equal bills.
func TestAgentOprInfoRoundTrip(t *testing.T) {
	for _, noUse := range []int{0, -1, billing.USNoUse} {
		res1 := readAOIFile(t, "good.csv")
		out1 := writeAOI(t, res1.bills, AgentOprInfoOptions{NoUse: noUse})
		res2 := readAOI(t, out1, "good.csv", Options{})
		out2 := writeAOI(t, res2.bills, AgentOprInfoOptions{NoUse: noUse})
		res3 := readAOI(t, out2, "good.csv", Options{})
		if !bytes.Equal(out1, out2) {
			t.Errorf("NoUse %d: second write differs:\n%s\n%s", noUse, out1, out2)
		}
		if len(res2.rejects)+len(res3.rejects) != 0 {
			t.Fatalf("NoUse %d: rejects reading back: %+v %+v", noUse, res2.rejects, res3.rejects)
		}
		for i := range res1.bills {
			a, b, c := res1.bills[i], res2.bills[i], res3.bills[i]
			if b != c {
				t.Errorf("NoUse %d: bill %d read back differs:\n%+v\n%+v", noUse, i, b, c)
			}
			// The first file has a blank line, so lines (and so ids) move.
			a.Source, a.ID, b.Source, b.ID = billing.Source{}, "", billing.Source{}, ""
			if a != b {
				t.Errorf("NoUse %d: bill %d:\n%+v\n%+v", noUse, i, a, b)
			}
		}
		marker := "65535"
		if noUse == -1 {
			marker = "-1"
		}
		if fields := strings.Split(strings.SplitN(string(out1), "\n", 2)[0], ","); fields[aoiOpObject] != marker {
			t.Errorf("NoUse %d: op_object written as %q", noUse, fields[aoiOpObject])
		}
	}
}

func TestAgentOprInfoWriter(t *testing.T) {
	b := billing.Bill{
		ID: "abc", AgentID: "a", OpType: 3, OpObject: billing.USNoUse, OpCause: 2,
		Begin: time.Date(2026, 11, 20, 9, 0, 0, 999999000, time.UTC),
		End:   time.Date(2026, 11, 20, 9, 1, 0, 0, time.UTC),
		Attrs: billing.Attrs{CallID: "c\r1"},
	}
	got := string(writeAOI(t, []billing.Bill{b}, AgentOprInfoOptions{}))
	want := "abc,,,a,,,\"c\r1\",2026-11-20 09:00:00,2026-11-20 09:01:00,3,65535,2,,,,,,,,0,\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// The CR is written as it is, quoted; the reader refuses it, as it
	// refuses every control character in an identifier.
	res := readAOI(t, []byte(got), "x", Options{})
	if len(res.bills) != 0 || len(res.rejects) != 1 || res.rejects[0].Reason != "call_id: control character U+000D" {
		t.Errorf("read back %+v %+v", res.bills, res.rejects)
	}

	b.AgentID = "a\nb"
	var buf bytes.Buffer
	w := NewAgentOprInfoWriter(&buf, AgentOprInfoOptions{})
	if err := w.Write(&b); !errors.Is(err, ErrLineBreakInValue) || !strings.Contains(err.Error(), "agent_id") {
		t.Errorf("line break: %v", err)
	}
	w.Flush()
	if buf.Len() != 0 {
		t.Errorf("wrote %q for a refused bill", buf.String())
	}

	if err := (AgentOprInfoOptions{NoUse: 7}).Validate(); !errors.Is(err, ErrBadNoUse) {
		t.Errorf("Validate NoUse 7: %v", err)
	}
	w = NewAgentOprInfoWriter(&buf, AgentOprInfoOptions{NoUse: 7})
	if err := w.Write(&b); !errors.Is(err, ErrBadNoUse) {
		t.Errorf("Write with NoUse 7: %v", err)
	}
}

func FuzzReadAgentOprInfo(f *testing.F) {
	for _, file := range []string{"good.csv", "bad.csv"} {
		if b, err := os.ReadFile(filepath.Join("testdata", "agentoprinfo", file)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`1,"a""b",,c,,,,2026-11-20 00:00:00,2026-11-20 00:00:00,0,-1,-1,,,,,,,,,` + "\n"))
	f.Add([]byte("1,,,c\x00,,,\"\r\",2026-11-20 00:00:00,2026-11-20 00:00:00,0,-1,-1,\t,,,,,,\u0085,,\n"))
	f.Fuzz(func(t *testing.T, input []byte) {
		res := &aoiResult{}
		st, err := ReadAgentOprInfo(context.Background(), bytes.NewReader(input), "fuzz.csv", Options{MaxLineBytes: 4096}, Handler{
			Bill:   func(b billing.Bill) error { res.bills = append(res.bills, b); return nil },
			Reject: func(r Reject) error { res.rejects = append(res.rejects, r); return nil },
		})
		if err != nil {
			t.Fatalf("ReadAgentOprInfo: %v", err)
		}
		if n := int64(len(res.bills) + len(res.rejects)); n != st.Records {
			t.Fatalf("bills+rejects = %d, Stats.Records = %d", n, st.Records)
		}
		for _, b := range res.bills {
			o := b.Origin
			if hasControlString(b.AgentID, b.CallID, b.MediaType, b.SkillID, b.VDNID, b.CCID, b.AgentType, b.PhoneNo, b.CallInOut, b.LocationID,
				o.RecordID, o.DeveloperID, o.AccountID, o.ServiceNo, o.SkillInfoSN) {
				t.Fatalf("bill with a control character %+v", b)
			}
		}
		// What was read writes and reads back the same.
		var buf bytes.Buffer
		w := NewAgentOprInfoWriter(&buf, AgentOprInfoOptions{})
		for i := range res.bills {
			if err := w.Write(&res.bills[i]); err != nil {
				t.Fatalf("Write: %v", err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		back := readAOI(t, buf.Bytes(), "fuzz.csv", Options{})
		if len(back.bills) != len(res.bills) {
			t.Fatalf("read back %d of %d bills: %+v", len(back.bills), len(res.bills), back.rejects)
		}
		for i := range res.bills {
			a, b := res.bills[i], back.bills[i]
			a.Source, a.ID, b.Source, b.ID = billing.Source{}, "", billing.Source{}, ""
			if a != b {
				t.Fatalf("bill %d:\n%+v\n%+v", i, a, b)
			}
		}
	})
}

func BenchmarkReadAgentOprInfo(b *testing.B) {
	// The good sample's bills, over and over with their times moved on.
	res := readAOIFile(b, "good.csv")
	var bills []billing.Bill
	for i := 0; len(bills) < 100_000; i++ {
		for _, bill := range res.bills {
			bill.Begin = bill.Begin.Add(time.Duration(i) * time.Minute)
			bill.End = bill.End.Add(time.Duration(i) * time.Minute)
			bills = append(bills, bill)
		}
	}
	input := writeAOI(b, bills, AgentOprInfoOptions{})
	h := Handler{
		Bill:   func(billing.Bill) error { return nil },
		Reject: func(r Reject) error { return fmt.Errorf("reject: %+v", r) },
	}
	b.SetBytes(int64(len(input)))
	loops := 0
	for b.Loop() {
		st, err := ReadAgentOprInfo(context.Background(), bytes.NewReader(input), "bench.csv", Options{}, h)
		if err != nil || st.Records != int64(len(bills)) {
			b.Fatalf("Records %d, error %v", st.Records, err)
		}
		loops++
	}
	b.ReportMetric(float64(len(bills)*loops)/b.Elapsed().Seconds(), "records/s")
}

func TestParseInt64(t *testing.T) {
	for _, s := range []string{"0", "-0", "+7", "1763629200000", "9223372036854775807", "-9223372036854775808",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999", "", "+", "-", "1_000", "1.5", " 1", "0x10", "007"} {
		want, err := strconv.ParseInt(s, 10, 64)
		got, ok := parseInt64([]byte(s))
		if ok != (err == nil) || ok && got != want {
			t.Errorf("parseInt64(%q) = %d, %v; strconv says %d, %v", s, got, ok, want, err)
		}
	}
}
