package ingest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

func init() {
	// Other test files of the package may define -update too.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files of testdata")
	}
}

// updateGolden reports whether -update was given.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// customerData are the customer values the CTI test logs hold; none may
// appear in any output.
var customerData = []string{"John", "Doe", "AC111", "5550100", "5550199", "LoadCamp", "OODefault"}

// ctiResult is everything a CTI read handed on.
type ctiResult struct {
	st      Stats
	events  []billing.Event
	rejects []Reject
	skips   map[string]int
}

func (r *ctiResult) handled() int64 {
	n := int64(len(r.events) + len(r.rejects))
	for _, c := range r.skips {
		n += int64(c)
	}
	return n
}

func readCTIAll(t testing.TB, input []byte, opts Options, m CTIMapping) *ctiResult {
	t.Helper()
	res := &ctiResult{skips: map[string]int{}}
	st, err := ReadCTI(context.Background(), bytes.NewReader(input), "test.log", opts, m, Handler{
		Event:  func(e *billing.Event) error { res.events = append(res.events, *e); return nil },
		Reject: func(r Reject) error { res.rejects = append(res.rejects, r); return nil },
		Skip:   func(kind string) { res.skips[kind]++ },
	})
	if err != nil {
		t.Fatalf("ReadCTI: %v", err)
	}
	res.st = st
	return res
}

// dump writes a result as the golden files hold it.
func (r *ctiResult) dump() string {
	var b strings.Builder
	kinds := make([]string, 0, len(r.skips))
	nskip := 0
	for k, n := range r.skips {
		kinds = append(kinds, k)
		nskip += n
	}
	sort.Strings(kinds)
	fmt.Fprintf(&b, "# records %d: events %d, rejects %d, skips %d\n", r.st.Records, len(r.events), len(r.rejects), nskip)
	for _, k := range kinds {
		fmt.Fprintf(&b, "skip %q %d\n", k, r.skips[k])
	}
	for _, e := range r.events {
		src := "-"
		if e.HasSourceCause {
			src = fmt.Sprint(e.SourceCause)
		}
		fmt.Fprintf(&b, "event line=%d time=%s agent=%s op=%d object=%d cause=%d source_cause=%s call_id=%s media=%s direction=%s\n",
			e.Source.Line, e.Time.Format(time.RFC3339Nano), e.AgentID, e.OpType, e.OpObject, e.OpCause, src,
			e.CallID, e.MediaType, e.CallInOut)
	}
	for _, rj := range r.rejects {
		fmt.Fprintf(&b, "reject line=%d reason=%q raw=%q\n", rj.Line, rj.Reason, rj.Raw)
	}
	return b.String()
}

func TestReadCTIGolden(t *testing.T) {
	logs, err := filepath.Glob(filepath.Join("testdata", "cti", "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no test logs: %v", err)
	}
	for _, path := range logs {
		name := strings.TrimSuffix(filepath.Base(path), ".log")
		t.Run(name, func(t *testing.T) {
			input, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res := readCTIAll(t, input, Options{}, DefaultCTIMapping())
			if got := res.handled(); got != res.st.Records {
				t.Errorf("events+rejects+skips = %d, Stats.Records = %d", got, res.st.Records)
			}
			got := res.dump()
			for _, c := range customerData {
				if strings.Contains(got, c) {
					t.Errorf("customer data %q in the output", c)
				}
			}
			golden := strings.TrimSuffix(path, ".log") + ".golden"
			if updateGolden() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update to accept):\n%s", golden, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff shows the lines that differ, for a golden mismatch.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// The seed flow, stamped: the agent is reserved, then talks on the preview
// call 16800096 (outbound), then goes to after-call work.
func TestReadCTISeedFlow(t *testing.T) {
	for _, file := range []string{"seed_flow.log", "seed_flow_numeric.log"} {
		t.Run(file, func(t *testing.T) {
			input, err := os.ReadFile(filepath.Join("testdata", "cti", file))
			if err != nil {
				t.Fatal(err)
			}
			res := readCTIAll(t, input, Options{}, DefaultCTIMapping())
			if len(res.rejects) != 0 {
				t.Errorf("rejects: %+v", res.rejects)
			}
			type want struct {
				op, cause      int
				call, dir, med string
			}
			wants := []want{
				{5, billing.USNoUse, "", "", ""},
				{60, billing.USNoUse, "16800096", CallOutbound, MediaVoice},
				{27, 0, "", "", ""},
			}
			if len(res.events) != len(wants) {
				t.Fatalf("got %d events, want %d:\n%s", len(res.events), len(wants), res.dump())
			}
			for i, w := range wants {
				e := res.events[i]
				if e.AgentID != "chli4020" || e.OpType != w.op || e.OpCause != w.cause || e.CallID != w.call ||
					e.CallInOut != w.dir || e.MediaType != w.med || !e.HasSourceCause || e.SourceCause != 0 {
					t.Errorf("event %d = %+v, want %+v", i, e, w)
				}
			}
			if got, want := res.events[1].Time, time.Date(2026, 11, 20, 9, 0, 14, 0, time.UTC); !got.Equal(want) {
				t.Errorf("TALKING at %v, want %v", got, want)
			}
		})
	}
}

// Without timestamps every message of the seed is rejected, and no reject
// shows customer data.
func TestReadCTINoTimestamp(t *testing.T) {
	input, err := os.ReadFile(filepath.Join("testdata", "cti", "seed_raw.log"))
	if err != nil {
		t.Fatal(err)
	}
	res := readCTIAll(t, input, Options{}, DefaultCTIMapping())
	if len(res.events) != 0 || len(res.rejects) != 19 {
		t.Fatalf("got %d events and %d rejects, want 0 and 19", len(res.events), len(res.rejects))
	}
	for _, r := range res.rejects {
		if r.Reason != "no timestamp" {
			t.Errorf("line %d: reason %q", r.Line, r.Reason)
		}
	}
}

func TestReadCTISiteZone(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Skip(err)
	}
	input := "2026-11-20 05:45:00.5 MsgType: AGENT_STATE_EVENT AgentState: LOGIN AgentID: a AgentExtension: 1\n" +
		"2026-11-20T01:00:00Z MsgType: AGENT_STATE_EVENT AgentState: READY AgentID: a AgentExtension: 1\n" +
		"2026-11-20 06:00:00 +01:00 MsgType: AGENT_STATE_EVENT AgentState: LOGOUT AgentID: a AgentExtension: 1\n"
	res := readCTIAll(t, []byte(input), Options{Location: loc}, DefaultCTIMapping())
	want := []time.Time{
		time.Date(2026, 11, 20, 0, 0, 0, 500e6, time.UTC),
		time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 20, 5, 0, 0, 0, time.UTC),
	}
	if len(res.events) != len(want) {
		t.Fatalf("got %s", res.dump())
	}
	for i, w := range want {
		if !res.events[i].Time.Equal(w) {
			t.Errorf("event %d at %v, want %v", i, res.events[i].Time, w)
		}
	}
}

func TestScanCTIPairs(t *testing.T) {
	tests := []struct {
		name, line string
		want       []string // key=value, MsgType marked with !
	}{
		{"one pair", "AgentID: chli4020", []string{"AgentID=chli4020"}},
		{"several pairs", "A: 1 B: two words C:", []string{"A=1", "B=two words", "C="}},
		{"empty value", "BACampaignID: BAStatus: DO", []string{"BACampaignID=", "BAStatus=DO"}},
		{"no space after colon", "MsgType:BEGIN_CALL_EVENT NumCTIClients: 0", []string{"MsgType!BEGIN_CALL_EVENT", "NumCTIClients=0"}},
		{"colon after type", "MsgType: CALL_DELIVERED_EVENT: CallID: 16800097", []string{"MsgType!CALL_DELIVERED_EVENT", "CallID=16800097"}},
		{"angle brackets", "ExpandedCallContxt: <TotalBytes: 161> BACampaign: LoadCamp", []string{"ExpandedCallContxt=<TotalBytes: 161>", "BACampaign=LoadCamp"}},
		{"spaced brackets", "X: <Total Bytes: 1 > Y: 2", []string{"X=<Total Bytes: 1 >", "Y=2"}},
		{"comma in value", "BABuddyName: John,Doe BAStatus: CO", []string{"BABuddyName=John,Doe", "BAStatus=CO"}},
		{"dotted key", "user.layout: OODefault", []string{"user.layout=OODefault"}},
		{"prose prefix", "Server sends the following message(s) MsgType: X", []string{"MsgType!X"}},
		{"prose only", "The agent is reserved.", nil},
		{"numbers are no keys", "Time: 10:20:30 N/A: x", []string{"Time=10:20:30 N/A: x"}},
		{"key glued to text", "a:b: c", []string{"a=b: c"}},
		{"empty type", "MsgType: ", []string{"MsgType!"}},
		{"tabs", "A:\t1\tB:\t2", []string{"A=1", "B=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(tt.line)
			var got []string
			for _, p := range scanCTIPairs(b, 0, nil) {
				sep := "="
				if p.msgType {
					sep = "!"
				}
				got = append(got, string(b[p.ks:p.ke])+sep+string(b[p.vs:p.ve]))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCTITimestampLen(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"2026-11-20 09:00:01 MsgType: X", 19},
		{"2026-11-20 09:00:01", 19},
		{"2026-11-20T09:00:01.123456Z MsgType", 27},
		{"2026-11-20 09:00:01,5 x", 21},
		{"2026-11-20T09:00:01+08:00 x", 25},
		{"2026-11-20 09:00:01 +0800 x", 25},
		{"2026-11-20 09:00:01 -05 x", 23},
		{"2026-11-20 09:00:01 - prose", 19},
		{"2026-11-20 09:00:01MsgType", 0},
		{"2026-11-20 9:00:01 x", 0},
		{"MsgType: X", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := ctiTimestampLen([]byte(tt.line)); got != tt.want {
			t.Errorf("ctiTimestampLen(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestReadCTILimits(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct {
		name    string
		input   string
		reasons []string
		events  int
	}{
		{
			name:    "long continuation rejects the message",
			input:   "2026-11-20 09:00:00 MsgType: AGENT_STATE_EVENT AgentState: READY\nAgentID: a BABuddyName: John " + long + "\n",
			reasons: []string{"message longer than 120 bytes"},
		},
		{
			name:    "long prose line is a reject of its own",
			input:   "2026-11-20 09:00:00 MsgType: AGENT_STATE_EVENT AgentState: READY AgentID: a\nprose " + long + "\n",
			reasons: []string{"line longer than 120 bytes"},
			events:  1,
		},
		{
			name:    "long orphan line keeps customer data out",
			input:   "- \nBABuddyName: John,Doe Other: " + long + "\n",
			reasons: []string{"line longer than 120 bytes"},
		},
		{
			name:    "long message line",
			input:   "2026-11-20 09:00:00 MsgType: AGENT_STATE_EVENT AgentState: READY AgentID: a X: " + long + "\n",
			reasons: []string{"message longer than 120 bytes"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := readCTIAll(t, []byte(tt.input), Options{MaxLineBytes: 120}, DefaultCTIMapping())
			var reasons []string
			for _, r := range res.rejects {
				reasons = append(reasons, r.Reason)
				if strings.Contains(r.Raw, "John") {
					t.Errorf("customer data in reject: %q", r.Raw)
				}
			}
			if strings.Join(reasons, "|") != strings.Join(tt.reasons, "|") || len(res.events) != tt.events {
				t.Errorf("got %s", res.dump())
			}
			if res.handled() != res.st.Records {
				t.Errorf("handled %d of %d records", res.handled(), res.st.Records)
			}
		})
	}
}

func TestReadCTIMediaAndMapping(t *testing.T) {
	input := "2026-11-20 09:00:00 MsgType: BEGIN_CALL_EVENT CallType: CALLTYPE_TASK_ROUTED_BY_APPLICATION ConnectionCallID: 1 ConnectionDeviceID: 10\n" +
		"2026-11-20 09:00:00 MsgType: BEGIN_CALL_EVENT CallType: ACD_IN ConnectionCallID: 2 ConnectionDeviceID: 20 ExpandedCallContxt: <TotalBytes: 9> user.media: Chat\n" +
		"2026-11-20 09:00:01 MsgType: AGENT_STATE_EVENT AgentState: TALKING AgentID: a AgentExtension: 10\n" +
		"2026-11-20 09:00:01 MsgType: AGENT_STATE_EVENT AgentState: TALKING AgentID: b AgentExtension: 20\n" +
		"2026-11-20 09:00:02 MsgType: AGENT_STATE_EVENT AgentState: RESERVED AgentID: c AgentExtension: 30\n"
	m := DefaultCTIMapping()
	m.TextCallTypes = []string{"TASK_ROUTED_BY_APPLICATION"}
	m.MediaField = "user.media"
	m.AgentStates["reserved"] = 9 // overridden, in another case
	delete(m.AgentStates, "RESERVED")
	res := readCTIAll(t, []byte(input), Options{}, m)
	if len(res.events) != 3 {
		t.Fatalf("got %s", res.dump())
	}
	for i, e := range res.events[:2] {
		if e.OpType != billing.OpTextTalk || e.MediaType != MediaText || e.CallInOut != CallInbound {
			t.Errorf("event %d = %+v, want a text conversation", i, e)
		}
	}
	if res.events[2].OpType != 9 {
		t.Errorf("RESERVED mapped to %d, want 9", res.events[2].OpType)
	}
}

func TestCTIMappingValidate(t *testing.T) {
	if err := DefaultCTIMapping().Validate(); err != nil {
		t.Fatalf("default mapping: %v", err)
	}
	tests := []struct {
		name   string
		change func(m *CTIMapping)
		want   string
	}{
		{"unknown op type", func(m *CTIMapping) { m.AgentStates["TALKING"] = 48 }, "unknown operation type 48"},
		{"clashing names", func(m *CTIMapping) { m.AgentStates["talking"] = 4 }, "name the same state"},
		{"empty states", func(m *CTIMapping) { m.AgentStates = nil }, "agent_states: empty"},
		{"cause out of range", func(m *CTIMapping) { m.LogoutCauses[5] = 70000 }, "logout_causes.5"},
		{"inverted range", func(m *CTIMapping) { m.ClientLogoutCodes = CodeRange{Min: 9, Max: 1} }, "above max"},
		{"bad call event op", func(m *CTIMapping) { m.CallEvents["X_EVENT"] = CTICallEvent{OpType: 61, Devices: []string{"D"}} }, "call_events.X_EVENT"},
		{"no devices", func(m *CTIMapping) { m.CallEvents["X_EVENT"] = CTICallEvent{OpType: 45} }, "no device field"},
		{"bad key", func(m *CTIMapping) { m.ContextDevices = []string{"Conn Device"} }, "not a CTI key"},
		{"rest type", func(m *CTIMapping) { m.RestOpType = 99 }, "rest_op_type"},
		{"system min", func(m *CTIMapping) { m.SystemReasonMin = 0 }, "system_reason_min"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := DefaultCTIMapping()
			tt.change(&m)
			err := m.Validate()
			if err == nil || !errors.Is(err, ErrCTIMapping) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error about %q", err, tt.want)
			}
			if _, err := ReadCTI(context.Background(), strings.NewReader(""), "x", Options{}, m, Handler{}); err == nil {
				t.Error("ReadCTI accepted an invalid mapping")
			}
		})
	}
}

func TestCTIStateCauses(t *testing.T) {
	r, err := compileCTI(DefaultCTIMapping())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		op, code, wantOp, wantCause int
	}{
		{0, 0, 0, 258}, {0, 22, 0, 257}, {0, 32767, 0, 264}, {0, 32740, 0, 259},
		{0, 32766, 0, 256}, {0, 32765, 0, 256}, {0, 255, 0, 256}, {0, 1, 0, 1},
		{0, 254, 0, 254}, {0, 300, 0, 256}, {0, -1, 0, 256},
		{3, 32763, 3, 2}, {3, 33, 3, 3}, {3, 32757, 3, 5}, {3, 32753, 3, 5},
		{3, 0, 3, 1}, {3, 32749, 3, 1}, {3, 32760, 3, 1},
		{3, 32741, 3, 1}, {3, 7, 26, 7}, {3, 32739, 26, 32739}, {3, -5, 3, 1},
		{27, 9, 27, 0}, {60, 3, 60, billing.USNoUse}, {1, 0, 1, billing.USNoUse},
	}
	for _, tt := range tests {
		op, cause := r.stateOp(tt.op, tt.code)
		if op != tt.wantOp || cause != tt.wantCause {
			t.Errorf("stateOp(%d, %d) = %d, %d; want %d, %d", tt.op, tt.code, op, cause, tt.wantOp, tt.wantCause)
		}
	}
}

func TestReadCTIStops(t *testing.T) {
	input := []byte("2026-11-20 09:00:00 MsgType: AGENT_STATE_EVENT AgentState: READY AgentID: a\n" +
		"2026-11-20 09:00:01 MsgType: AGENT_STATE_EVENT AgentState: LOGOUT AgentID: a\n")
	stop := errors.New("stop")
	n := 0
	_, err := ReadCTI(context.Background(), bytes.NewReader(input), "x", Options{}, DefaultCTIMapping(), Handler{
		Event: func(*billing.Event) error { n++; return stop },
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("handler error: got %v after %d events", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadCTI(ctx, bytes.NewReader(input), "x", Options{}, DefaultCTIMapping(), Handler{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled read: %v", err)
	}
}

// A call's context is forgotten when it ends.
func TestReadCTIForgetsCalls(t *testing.T) {
	var b bytes.Buffer
	for i := range 1000 {
		fmt.Fprintf(&b, "2026-11-20 09:00:00 MsgType: BEGIN_CALL_EVENT ConnectionCallID: %d ConnectionDeviceID: %d\n", i, i%7)
		fmt.Fprintf(&b, "2026-11-20 09:00:00 MsgType: END_CALL_EVENT ConnectionCallID: %d\n", i)
	}
	rules, err := compileCTI(DefaultCTIMapping())
	if err != nil {
		t.Fatal(err)
	}
	c := newCTIReader("x", Options{}, rules, Handler{})
	lr := newLineReader(&b, DefaultMaxLineBytes)
	for {
		line, no, tooLong, err := lr.next()
		if err != nil {
			break
		}
		if err := c.line(line, no, tooLong); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.finishMsg(); err != nil {
		t.Fatal(err)
	}
	if n := len(c.calls.cur) + len(c.calls.old); n != 0 {
		t.Errorf("%d calls still held", n)
	}
	if len(c.devices) != 7 {
		t.Errorf("%d devices held, want 7", len(c.devices))
	}
}

func ctiFuzzSeeds(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("..", "..", "shared", "seeds", "000_566a12aa1c578a9e.txt"))
	if err == nil {
		f.Add(seed)
	}
	logs, _ := filepath.Glob(filepath.Join("testdata", "cti", "*.log"))
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		f.Add(b)
		if strings.HasPrefix(filepath.Base(p), "quirks") {
			// Short inputs mutate faster: the quirks one line at a time.
			for _, line := range bytes.Split(b, []byte("\n")) {
				f.Add(line)
			}
		}
	}
	f.Add([]byte("MsgType:"))
	f.Add([]byte("2026-11-20 09:00:00 MsgType: X A: <<b> C:\n"))
	f.Add([]byte("2026-11-20 09:00:00 MsgType: AGENT_STATE_EVENT AgentState: LOGIN AgentID: a\x00b AgentExtension: 1\t2\n" +
		"2026-11-20 09:00:01 MsgType: CALL_HELD_EVENT ConnectionCallID: 9\u0085 HoldingDeviceID: 1\n"))
}

func FuzzReadCTI(f *testing.F) {
	ctiFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		res := &ctiResult{skips: map[string]int{}}
		st, err := ReadCTI(context.Background(), bytes.NewReader(input), "fuzz.log", Options{MaxLineBytes: 4096}, DefaultCTIMapping(), Handler{
			Event: func(e *billing.Event) error {
				res.events = append(res.events, *e)
				return nil
			},
			Reject: func(r Reject) error { res.rejects = append(res.rejects, r); return nil },
			Skip:   func(kind string) { res.skips[kind]++ },
		})
		if err != nil {
			t.Fatalf("ReadCTI: %v", err)
		}
		res.st = st
		if res.handled() != st.Records {
			t.Fatalf("events+rejects+skips = %d, Stats.Records = %d", res.handled(), st.Records)
		}
		for _, e := range res.events {
			if e.AgentID == "" || !billing.Known(e.OpType) || e.Time.IsZero() || hasControlString(e.AgentID, e.CallID) {
				t.Fatalf("bad event %+v", e)
			}
		}
		for _, r := range res.rejects {
			if r.Reason == "" || r.Line < 1 {
				t.Fatalf("bad reject %+v", r)
			}
		}
	})
}

// seedLikeCTI returns at least n bytes of CTI text: the stamped seed flow
// for a rotating set of agents.
func seedLikeCTI(tb testing.TB, n int) []byte {
	tb.Helper()
	flow, err := os.ReadFile(filepath.Join("testdata", "cti", "seed_flow.log"))
	if err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		agent := fmt.Sprintf("%04d", 4000+i%500)
		text := bytes.ReplaceAll(flow, []byte("4020"), []byte(agent))
		text = bytes.ReplaceAll(text, []byte("1680009"), []byte(fmt.Sprintf("%07d", i)))
		b.Write(text)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func BenchmarkReadCTI(b *testing.B) {
	input := seedLikeCTI(b, 8<<20)
	m := DefaultCTIMapping()
	h := Handler{
		Event:  func(*billing.Event) error { return nil },
		Reject: func(Reject) error { return nil },
		Skip:   func(string) {},
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := ReadCTI(context.Background(), bytes.NewReader(input), "bench.log", Options{}, m, h); err != nil {
			b.Fatal(err)
		}
	}
}
