package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/synth"
)

// connectRecord renders a Connect record with the fields the mapping reads
// and the names it must not let through.
func connectTestRecord(kind, at, status string, contacts ...string) string {
	snap := fmt.Sprintf(`{"AgentStatus":{"ARN":"arn:s","Name":%q},"Configuration":{"FirstName":"Jane","LastName":"Roe","RoutingProfile":{"Name":"Premium"},"Username":"jroe"},"Contacts":[%s]}`,
		status, strings.Join(contacts, ","))
	return fmt.Sprintf(`{"AgentARN":"arn:aws:connect:x:1:instance/i/agent/u-1","CurrentAgentSnapshot":%s,"EventTimestamp":%q,"EventType":%q,"PreviousAgentSnapshot":null}`, snap, at, kind)
}

func connectTestContact(id, state, channel, method, connected string) string {
	c := "null"
	if connected != "" {
		c = fmt.Sprintf("%q", connected)
	}
	return fmt.Sprintf(`{"Channel":%q,"ConnectedToAgentTimestamp":%s,"ContactId":%q,"InitiationMethod":%q,"State":%q,"StateStartTimestamp":"2026-11-20T08:00:00Z","Queue":{"Name":"Sales"}}`, channel, c, id, method, state)
}

type connectRead struct {
	events  []billing.Event
	rejects []Reject
	skips   int
	notes   []string
	stats   Stats
}

func readConnectString(t *testing.T, input string, m ConnectMapping) connectRead {
	t.Helper()
	var r connectRead
	st, err := ReadConnect(context.Background(), strings.NewReader(input), "s.jsonl", Options{}, m, Handler{
		Event:  func(e *billing.Event) error { r.events = append(r.events, *e); return nil },
		Reject: func(rj Reject) error { r.rejects = append(r.rejects, rj); return nil },
		Skip:   func(string) { r.skips++ },
		Note:   func(_, name string) { r.notes = append(r.notes, name) },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.stats = st
	if n := int64(len(r.events) + len(r.rejects) + r.skips); st.Records != n {
		t.Errorf("Records %d; %d events, rejects and skips", st.Records, n)
	}
	return r
}

// TestConnectMainState checks each row of SPEC §1.4's main-state table.
func TestConnectMainState(t *testing.T) {
	const at = "2026-11-20T08:05:00.250Z"
	c := connectTestContact
	tests := []struct {
		name             string
		status           string
		contacts         []string
		op, cause        int
		call, media, dir string
		note             string
	}{
		{"connected voice", "Available", []string{c("v1", "CONNECTED", "VOICE", "INBOUND", at)}, 60, 65535, "v1", "voice", "inbound", ""},
		{"on hold is connected", "Available", []string{c("v1", "CONNECTED_ONHOLD", "VOICE", "OUTBOUND", at)}, 60, 65535, "v1", "voice", "outbound", ""},
		{"connected beats ended", "Available", []string{c("e1", "ENDED", "CHAT", "INBOUND", "2026-11-20T07:00:00Z"), c("c2", "CONNECTED", "CHAT", "INBOUND", at)}, 60, 65535, "c2", "text", "inbound", ""},
		{"first connected by ConnectedToAgentTimestamp", "Available", []string{c("b", "CONNECTED", "CHAT", "INBOUND", "2026-11-20T08:01:00Z"), c("a", "CONNECTED", "CHAT", "INBOUND", "2026-11-20T08:02:00Z")}, 60, 65535, "b", "text", "inbound", ""},
		{"ties by ContactId", "Available", []string{c("b", "CONNECTED", "TASK", "API", at), c("a", "CONNECTED", "EMAIL", "INBOUND", at)}, 60, 65535, "a", "text", "inbound", ""},
		{"ended is after-contact work", "Lunch", []string{c("e1", "ENDED", "VOICE", "INBOUND", at)}, 27, 0, "e1", "voice", "inbound", ""},
		{"incoming", "Available", []string{c("r1", "INCOMING", "VOICE", "INBOUND", "")}, 5, 65535, "r1", "voice", "inbound", ""},
		{"pending", "Available", []string{c("r1", "PENDING", "CHAT", "INBOUND", "")}, 5, 65535, "r1", "text", "inbound", ""},
		{"connecting outbound", "Available", []string{c("r1", "CONNECTING", "VOICE", "OUTBOUND", "")}, 5, 65535, "r1", "voice", "outbound", ""},
		{"missed", "Available", []string{c("m1", "MISSED", "VOICE", "INBOUND", "")}, 3, 2, "m1", "voice", "inbound", ""},
		{"rejected", "Available", []string{c("m1", "REJECTED", "CHAT", "INBOUND", "")}, 3, 2, "m1", "text", "inbound", ""},
		{"error", "Available", []string{c("m1", "ERROR", "VOICE", "INBOUND", "")}, 3, 2, "m1", "voice", "inbound", ""},
		{"ringing beats missed", "Available", []string{c("m1", "MISSED", "VOICE", "INBOUND", ""), c("r1", "INCOMING", "VOICE", "INBOUND", "")}, 5, 65535, "r1", "voice", "inbound", ""},
		{"available", "Available", nil, 2, 65535, "", "", "", ""},
		{"offline in any case", "OFFLINE", nil, 3, 1, "", "", "", ""},
		{"a site's own status", "Lunch", nil, 26, 0, "", "", "", "Lunch"},
		{"a status with no name", "", nil, 26, 0, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readConnectString(t, connectTestRecord("STATE_CHANGE", at, tt.status, tt.contacts...)+"\n", DefaultConnectMapping())
			want := 1
			if strings.Contains(strings.Join(tt.contacts, ""), "ONHOLD") {
				want = 2 // and a hold entered (38), the previous snapshot had none
			}
			if len(r.rejects) > 0 || len(r.events) != want || want == 2 && r.events[1].OpType != billing.OpHold {
				t.Fatalf("rejects %+v, events %+v", r.rejects, r.events)
			}
			e := r.events[0]
			if e.AgentID != "jroe" || e.OpType != tt.op || e.OpCause != tt.cause || e.OpObject != billing.USNoUse ||
				e.CallID != tt.call || e.MediaType != tt.media || e.CallInOut != tt.dir ||
				!e.Time.Equal(time.Date(2026, 11, 20, 8, 5, 0, 250e6, time.UTC)) || e.Source.Line != 1 {
				t.Errorf("event %+v", e)
			}
			if tt.note != "" && (len(r.notes) != 1 || r.notes[0] != tt.note) {
				t.Errorf("notes %v, want %s", r.notes, tt.note)
			}
		})
	}
}

// TestConnectHolds checks the hold entered and left around the main state.
func TestConnectHolds(t *testing.T) {
	const at = "2026-11-20T08:05:00Z"
	held := connectTestContact("h1", "CONNECTED_ONHOLD", "VOICE", "INBOUND", at)
	talking := connectTestContact("h1", "CONNECTED", "VOICE", "INBOUND", at)
	withPrev := func(cur, prev string) string {
		rec := connectTestRecord("STATE_CHANGE", at, "Available", cur)
		prevSnap := fmt.Sprintf(`{"AgentStatus":{"Name":"Available"},"Contacts":[%s]}`, prev)
		return strings.Replace(rec, `"PreviousAgentSnapshot":null`, `"PreviousAgentSnapshot":`+prevSnap, 1)
	}
	r := readConnectString(t, withPrev(held, talking)+"\n"+withPrev(talking, held)+"\n"+withPrev(held, held)+"\n", DefaultConnectMapping())
	var got []int
	for _, e := range r.events {
		got = append(got, e.OpType)
		if e.CallID != "h1" {
			t.Errorf("event %+v without the held contact", e)
		}
	}
	if fmt.Sprint(got) != "[60 38 39 60 60]" {
		t.Errorf("types %v, want [60 38 39 60 60]", got)
	}
}

// TestConnectRecords checks the event types, the agent, the rejects and
// their masked text.
func TestConnectRecords(t *testing.T) {
	const at = "2026-11-20T08:05:00Z"
	ok := connectTestRecord("LOGIN", at, "Offline")
	tests := []struct {
		name   string
		input  string
		op     int
		cause  int
		agent  string
		reason string
	}{
		{"login", ok, 1, 65535, "jroe", ""},
		{"logout", connectTestRecord("LOGOUT", at, "Offline"), 0, 258, "jroe", ""},
		{"agent from the ARN", `{"EventType":"LOGIN","EventTimestamp":"` + at + `","AgentARN":"arn:a/agent/u-9","CurrentAgentSnapshot":null}`, 1, 65535, "u-9", ""},
		{"heartbeat", connectTestRecord("HEART_BEAT", at, "Available"), -1, 0, "", ""},
		{"no type", `{"EventTimestamp":"` + at + `"}`, 0, 0, "", "EventType: missing"},
		{"no time", `{"EventType":"LOGIN","AgentARN":"a/b"}`, 0, 0, "", "EventTimestamp: missing"},
		{"unknown type", strings.Replace(ok, `"LOGIN"`, `"RENAME"`, 1), 0, 0, "", `EventType: unknown event type "RENAME"`},
		{"no snapshot", `{"EventType":"STATE_CHANGE","EventTimestamp":"` + at + `","AgentARN":"a/b"}`, 0, 0, "", "CurrentAgentSnapshot: missing"},
		{"no agent", `{"EventType":"LOGIN","EventTimestamp":"` + at + `"}`, 0, 0, "", "AgentARN: missing"},
		{"bad time", strings.Replace(ok, at, "noon", 1), 0, 0, "", "EventTimestamp: "},
		{"not an object", `["LOGIN"]`, 0, 0, "", "want a JSON object"},
		{"truncated", ok[:len(ok)-30], 0, 0, "", "truncated record"},
		{"bad JSON", strings.Replace(ok, `"Username":"jroe"`, `"Username":jroe`, 1), 0, 0, "", "invalid JSON: "},
		{"wrong kind", strings.Replace(ok, `"Name":"Offline"`, `"Name":7`, 1), 0, 0, "", "AgentStatus.Name: want a string"},
		{"invalid UTF-8", strings.Replace(ok, "Jane", "J\xffne", 1), 0, 0, "", "invalid UTF-8"},
		{"control character", strings.Replace(ok, `"jroe"`, `"jr\u0001oe"`, 1), 0, 0, "", "Configuration.Username: control character U+0001"},
		{"escapes", strings.Replace(ok, `"jroe"`, `"j\u0072oe\/"`, 1), 1, 65535, "jroe/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readConnectString(t, tt.input+"\n", DefaultConnectMapping())
			switch {
			case tt.reason != "":
				if len(r.rejects) != 1 || !strings.HasPrefix(r.rejects[0].Reason, tt.reason) || r.rejects[0].Line != 1 {
					t.Fatalf("rejects %+v, want one: %s", r.rejects, tt.reason)
				}
				for _, name := range []string{"Jane", "Roe", "Premium", "Sales"} {
					if strings.Contains(r.rejects[0].Raw, name) {
						t.Errorf("%q in the reject: %s", name, r.rejects[0].Raw)
					}
				}
			case tt.op < 0:
				if r.skips != 1 || len(r.events) > 0 {
					t.Errorf("skips %d, events %+v", r.skips, r.events)
				}
			default:
				if len(r.events) != 1 || r.events[0].OpType != tt.op || r.events[0].OpCause != tt.cause || r.events[0].AgentID != tt.agent {
					t.Errorf("events %+v rejects %+v", r.events, r.rejects)
				}
			}
		})
	}
}

// TestConnectLayouts reads the same records one a line, concatenated,
// gzipped and around a damaged one.
func TestConnectLayouts(t *testing.T) {
	recs := []string{
		connectTestRecord("LOGIN", "2026-11-20T08:00:00Z", "Offline"),
		connectTestRecord("STATE_CHANGE", "2026-11-20T08:00:01Z", "Available"),
		connectTestRecord("STATE_CHANGE", "2026-11-20T08:10:00Z", "Lunch"),
	}
	concatenated := strings.Join(recs, "")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(concatenated))
	zw.Close()
	for _, tt := range []struct {
		name    string
		input   []byte
		lines   []int64
		rejects int
	}{
		{"lines", []byte(strings.Join(recs, "\n") + "\n"), []int64{1, 2, 3}, 0},
		{"lines with CRLF and blank lines", []byte("\uFEFF" + strings.Join(recs, "\r\n\r\n")), []int64{1, 3, 5}, 0},
		{"concatenated", []byte(concatenated), []int64{0, int64(len(recs[0])), int64(len(recs[0]) + len(recs[1]))}, 0},
		{"concatenated with blanks", []byte(strings.Join(recs, " \t")), []int64{0, int64(len(recs[0])) + 2, int64(len(recs[0])+len(recs[1])) + 4}, 0},
		{"gzip", gz.Bytes(), []int64{0, int64(len(recs[0])), int64(len(recs[0]) + len(recs[1]))}, 0},
		{"a truncated line between", []byte(recs[0] + "\n" + recs[1][:100] + "\n" + recs[1] + "\n" + recs[2] + "\n"), []int64{1, 3, 4}, 1},
		{"cut short at the end", []byte(concatenated + recs[0][:50]), []int64{0, int64(len(recs[0])), int64(len(recs[0]) + len(recs[1]))}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var lines []int64
			var rejects []Reject
			st, err := Read(context.Background(), bytes.NewReader(tt.input), "stream", FormatAuto, Options{}, Handler{
				Event:  func(e *billing.Event) error { lines = append(lines, e.Source.Line); return nil },
				Reject: func(r Reject) error { rejects = append(rejects, r); return nil },
			})
			if err != nil {
				t.Fatal(err)
			}
			if st.Format != FormatConnect || fmt.Sprint(lines) != fmt.Sprint(tt.lines) || len(rejects) != tt.rejects {
				t.Errorf("format %s, lines %v, rejects %+v; want connect, %v, %d rejects", st.Format, lines, rejects, tt.lines, tt.rejects)
			}
		})
	}
}

// TestConnectLongRecord rejects a record over the limit and reads on.
func TestConnectLongRecord(t *testing.T) {
	long := connectTestRecord("LOGIN", "2026-11-20T08:00:00Z", strings.Repeat("x", 5000))
	ok := connectTestRecord("LOGIN", "2026-11-20T09:00:00Z", "Offline")
	for _, sep := range []string{"\n", ""} {
		var events []billing.Event
		var rejects []Reject
		_, err := ReadConnect(context.Background(), strings.NewReader(ok+sep+long+sep+ok+sep), "s", Options{MaxLineBytes: 1000}, DefaultConnectMapping(), Handler{
			Event:  func(e *billing.Event) error { events = append(events, *e); return nil },
			Reject: func(r Reject) error { rejects = append(rejects, r); return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 2 || len(rejects) != 1 || rejects[0].Reason != "record longer than 1000 bytes" || strings.Contains(rejects[0].Raw, "Jane") {
			t.Errorf("separator %q: %d events, rejects %+v", sep, len(events), rejects)
		}
	}
}

// TestConnectQuote quotes records by line and by offset, masked.
func TestConnectQuote(t *testing.T) {
	a := connectTestRecord("LOGIN", "2026-11-20T08:00:00Z", "Offline")
	b := connectTestRecord("LOGOUT", "2026-11-20T09:00:00Z", "Offline")
	for _, tt := range []struct {
		input string
		pos   int64
	}{{a + "\n" + b + "\n", 2}, {a + b, int64(len(a))}} {
		got, err := quoteConnect(strings.NewReader(tt.input), []int64{tt.pos})
		if err != nil {
			t.Fatal(err)
		}
		if q := got[tt.pos]; !strings.Contains(q, `"LOGOUT"`) || strings.Contains(q, "Jane") || !strings.Contains(q, `"FirstName":"***"`) {
			t.Errorf("quote at %d: %q", tt.pos, q)
		}
	}
}

func TestConnectMappingValidate(t *testing.T) {
	if err := DefaultConnectMapping().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string][]int{
		{"Lunch": {}}, {"Lunch": {26, 1, 2}}, {"Lunch": {99}}, {"Lunch": {26, 70000}}, {"Lunch": {26}, "LUNCH": {26}},
	} {
		if err := (ConnectMapping{Statuses: bad}).Validate(); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// FuzzConnect reads anything as a Connect stream: it never fails nor
// panics, counts every record once, and lets no name through a reject.
func FuzzConnect(f *testing.F) {
	at := "2026-11-20T08:05:00Z"
	f.Add([]byte(connectTestRecord("STATE_CHANGE", at, "Available", connectTestContact("c", "CONNECTED_ONHOLD", "VOICE", "INBOUND", at)) + "\n"))
	f.Add([]byte(connectTestRecord("LOGIN", at, "Lunch") + connectTestRecord("HEART_BEAT", at, "Lunch")))
	f.Add([]byte(`{"EventType":"STATE_CHANGE","EventTimestamp":"` + at + `","CurrentAgentSnapshot":{"Contacts":[{"State":"ENDED"},null]}}`))
	f.Add([]byte(`{"a":"\ud83d\ude00\u00e9\"","b":[1,-2.5e3,true,false,null,{}]}` + "\n{\n"))
	f.Add([]byte("{\"a\":\"x\ny\"}{]}[{}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var n int64
		h := Handler{
			Event: func(e *billing.Event) error {
				n++
				if e.AgentID == "" {
					t.Errorf("event without agent: %+v", e)
				}
				return nil
			},
			Reject: func(r Reject) error {
				n++
				// A name is never shown: every "FirstName" key is followed
				// by "***" (or by the end of what could be read).
				raw := r.Raw
				for {
					i := strings.Index(raw, `"FirstName":`)
					if i < 0 {
						break
					}
					raw = raw[i+len(`"FirstName":`):]
					if raw != "" && raw != "…" && !strings.HasPrefix(raw, `"***"`) {
						t.Errorf("a first name in a reject: %q", r.Raw)
						break
					}
				}
				return nil
			},
			Skip: func(string) { n++ },
		}
		st, err := ReadConnect(context.Background(), bytes.NewReader(data), "f", Options{MaxLineBytes: 4096}, DefaultConnectMapping(), h)
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		if st.Records != n {
			t.Errorf("Records %d, handed on %d", st.Records, n)
		}
		if _, err := quoteConnect(bytes.NewReader(data), []int64{0, 1, 2}); err != nil {
			t.Fatal(err)
		}
		maskConnect(nil, data)
	})
}

// centreStreams renders a day of the synthetic centre as Connect records
// (one a line and concatenated) and as CTI text, for the benchmarks.
func centreStreams(tb testing.TB, agents int) (lines, concatenated, cti []byte) {
	tb.Helper()
	cfg := synth.Config{Agents: agents, Start: billing.Date{Year: 2026, Month: time.November, Day: 20}, Days: 1, Seed: 1}
	var l, c, x bytes.Buffer
	cw := synth.NewConnectWriter()
	xw := NewCTIWriter(&x, time.UTC)
	out := func(_ time.Time, rec []byte) error {
		l.Write(rec)
		l.WriteByte('\n')
		c.Write(rec)
		return nil
	}
	err := synth.Generate(context.Background(), cfg, func(e billing.Event) error {
		if _, err := xw.Write(&e); err != nil {
			return err
		}
		return cw.Write(&e, out)
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := xw.Flush(); err != nil {
		tb.Fatal(err)
	}
	return l.Bytes(), c.Bytes(), x.Bytes()
}

// BenchmarkReadConnect reads a day of the synthetic centre as a Connect
// stream in both layouts, and as CTI text, on one goroutine.
func BenchmarkReadConnect(b *testing.B) {
	lines, concatenated, cti := centreStreams(b, 200)
	var events int64
	h := Handler{
		Event:  func(*billing.Event) error { events++; return nil },
		Reject: func(r Reject) error { return fmt.Errorf("reject: %+v", r) },
		Skip:   func(string) {},
		Note:   func(string, string) {},
	}
	m, cm := DefaultConnectMapping(), DefaultCTIMapping()
	for _, bm := range []struct {
		name  string
		input []byte
		read  func(r *bytes.Reader) error
	}{
		{"connect-lines", lines, func(r *bytes.Reader) error {
			_, err := ReadConnect(context.Background(), r, "c.jsonl", Options{}, m, h)
			return err
		}},
		{"connect-concatenated", concatenated, func(r *bytes.Reader) error {
			_, err := ReadConnect(context.Background(), r, "c.json", Options{}, m, h)
			return err
		}},
		{"cti", cti, func(r *bytes.Reader) error {
			_, err := ReadCTI(context.Background(), r, "c.log", Options{}, cm, Handler{Event: h.Event, Reject: func(Reject) error { return nil }, Skip: h.Skip})
			return err
		}},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.input)))
			b.ReportAllocs()
			events = 0
			for b.Loop() {
				if err := bm.read(bytes.NewReader(bm.input)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
