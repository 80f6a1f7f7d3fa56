package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the zone database, so that tests do not depend on the host's
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

// readFunc is the signature every reader shares.
type readFunc func(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error)

// result is what a reader handed to its Handler.
type result struct {
	events  []billing.Event
	rejects []Reject
	stats   Stats
	err     error
}

// run reads input with read and collects what comes out.
func run(t *testing.T, read readFunc, input string, opts Options) result {
	t.Helper()
	var res result
	res.stats, res.err = read(context.Background(), strings.NewReader(input), "in", opts, Handler{
		Event:  func(ev *billing.Event) error { res.events = append(res.events, *ev); return nil },
		Reject: func(r Reject) error { res.rejects = append(res.rejects, r); return nil },
	})
	if res.err == nil && int64(len(res.events)+len(res.rejects)) != res.stats.Records {
		t.Errorf("%d events + %d rejects, but Stats.Records = %d", len(res.events), len(res.rejects), res.stats.Records)
	}
	return res
}

// utc parses an RFC 3339 instant for a want.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// event builds a want: op_object and op_cause absent unless set by mod.
func event(t *testing.T, line int64, at, agent string, op int, mod ...func(*billing.Event)) billing.Event {
	t.Helper()
	ev := billing.Event{
		Time: utc(t, at), AgentID: agent, OpType: op,
		OpObject: billing.USNoUse, OpCause: billing.USNoUse,
		Source: billing.Source{File: "in", Line: line},
	}
	for _, m := range mod {
		m(&ev)
	}
	return ev
}

func obj(n int) func(*billing.Event)   { return func(ev *billing.Event) { ev.OpObject = n } }
func cause(n int) func(*billing.Event) { return func(ev *billing.Event) { ev.OpCause = n } }
func attrs(a billing.Attrs) func(*billing.Event) {
	return func(ev *billing.Event) { ev.Attrs = a }
}

// rej is a want of a reject: its line and reason.
type rej struct {
	line   int64
	reason string
}

func checkResult(t *testing.T, got result, wantEvents []billing.Event, wantRejects []rej) {
	t.Helper()
	if got.err != nil {
		t.Fatalf("error: %v", got.err)
	}
	if len(got.events) != len(wantEvents) {
		t.Errorf("%d events, want %d: %+v", len(got.events), len(wantEvents), got.events)
	}
	for i := range min(len(got.events), len(wantEvents)) {
		if !reflect.DeepEqual(got.events[i], wantEvents[i]) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got.events[i], wantEvents[i])
		}
	}
	var gotRejects []rej
	for _, r := range got.rejects {
		gotRejects = append(gotRejects, rej{r.Line, r.Reason})
		if r.File != "in" {
			t.Errorf("reject of line %d: file %q, want \"in\"", r.Line, r.File)
		}
	}
	if !reflect.DeepEqual(gotRejects, wantRejects) {
		t.Errorf("rejects:\n got %v\nwant %v", gotRejects, wantRejects)
	}
}

const csvHeader = "time,agent_id,op_type,op_object,op_cause,call_id,phone_no\n"

func TestReadCSV(t *testing.T) {
	kathmandu, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		input   string
		opts    Options
		events  []billing.Event
		rejects []rej
	}{
		{
			name: "basic",
			input: csvHeader +
				"2026-03-02T08:00:00Z,1001,1,,,,\n" +
				"2026-03-02 08:05:00.5,1001,3,-1,2,c1,555\n",
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "1001", 1),
				event(t, 3, "2026-03-02T08:05:00.5Z", "1001", 3, cause(2), attrs(billing.Attrs{CallID: "c1", PhoneNo: "555"})),
			},
		},
		{
			name:  "only required columns",
			input: "time,agent_id,op_type\n2026-03-02T08:00:00+05:45,7,60\n",
			events: []billing.Event{
				event(t, 2, "2026-03-02T02:15:00Z", "7", 60),
			},
		},
		{
			name: "every column",
			input: "time,agent_id,op_type,op_object,op_cause,call_id,media_type,skill_id,vdn_id,cc_id,agent_type,phone_no,call_in_out,location_id\n" +
				"2026-03-02T08:00:00Z,1001,26,1001,0,c9,text,s1,v1,cc1,4,5551234,inbound,loc1\n",
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "1001", 26, obj(1001), cause(0), attrs(billing.Attrs{
					CallID: "c9", MediaType: "text", SkillID: "s1", VDNID: "v1", CCID: "cc1",
					AgentType: "4", PhoneNo: "5551234", CallInOut: "inbound", LocationID: "loc1",
				})),
			},
		},
		{
			name:  "header in another order, any case, with spaces",
			input: " OP_TYPE , Agent_Id,Time ,Call_ID\n3, 42 ,2026-03-02T08:00:00Z,  c1  \n",
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "42", 3, attrs(billing.Attrs{CallID: "c1"})),
			},
		},
		{
			name:  "BOM and CRLF",
			input: "\uFEFFtime,agent_id,op_type\r\n2026-03-02T08:00:00Z,1001,1\r\n\r\n2026-03-02T09:00:00Z,1001,0\r\n",
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "1001", 1),
				event(t, 4, "2026-03-02T09:00:00Z", "1001", 0),
			},
		},
		{
			name:  "no newline at the end",
			input: "time,agent_id,op_type\n2026-03-02T08:00:00Z,1001,1",
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "1001", 1),
			},
		},
		{
			name: "quotes",
			input: csvHeader +
				`"2026-03-02T08:00:00Z","1001","1","","","a,b","x""y"` + "\n" +
				`2026-03-02T08:00:00Z, "1002" ,1,,,"""","" ` + "\n" +
				`2026-03-02T08:00:00Z,1003,1,,,"  padded  ",""""""` + "\n",
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "1001", 1, attrs(billing.Attrs{CallID: "a,b", PhoneNo: `x"y`})),
				event(t, 3, "2026-03-02T08:00:00Z", "1002", 1, attrs(billing.Attrs{CallID: `"`})),
				event(t, 4, "2026-03-02T08:00:00Z", "1003", 1, attrs(billing.Attrs{CallID: "padded", PhoneNo: `""`})),
			},
		},
		{
			name:  "blank lines are skipped, line numbers are physical",
			input: "\n  \ntime,agent_id,op_type\n\n\t\n2026-03-02T08:00:00Z,1001,1\n\n",
			events: []billing.Event{
				event(t, 6, "2026-03-02T08:00:00Z", "1001", 1),
			},
		},
		{
			name: "op_object and op_cause",
			input: csvHeader +
				"2026-03-02T08:00:00Z,1,3,0,65535,,\n" +
				"2026-03-02T08:00:00Z,1,3,-1,,,\n" +
				"2026-03-02T08:00:00Z,1,3, 7 ,+8,,\n",
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "1", 3, obj(0)),
				event(t, 3, "2026-03-02T08:00:00Z", "1", 3),
				event(t, 4, "2026-03-02T08:00:00Z", "1", 3, obj(7), cause(8)),
			},
		},
		{
			name: "times",
			input: "time,agent_id,op_type\n" +
				"2026-03-02 08:00:00,1,1\n" +
				"2026-03-02T08:00:00.123456789Z,1,1\n" +
				"2026-03-02T08:00:00-03:00,1,1\n",
			opts: Options{Location: kathmandu},
			events: []billing.Event{
				event(t, 2, "2026-03-02T02:15:00Z", "1", 1),
				event(t, 3, "2026-03-02T08:00:00.123456Z", "1", 1),
				event(t, 4, "2026-03-02T11:00:00Z", "1", 1),
			},
		},
		{
			name: "rejects",
			input: csvHeader +
				"2026-03-02T08:00:00Z,1001,1,,,\xff,\n" +
				"2026-03-02T08:00:00Z,1001,1\n" +
				"2026-03-02T08:00:00Z,1001,1,,,,,\n" +
				",1001,1,,,,\n" +
				"2026-03-02T08:00:00Z,,1,,,,\n" +
				"2026-03-02T08:00:00Z,  ,1,,,,\n" +
				"2026-03-02T08:00:00Z,1001,,,,,\n" +
				"yesterday,1001,1,,,,\n" +
				"2026-02-30 08:00:00,1001,1,,,,\n" +
				"2026-03-02T08:00:00Z,1001,x,,,,\n" +
				"2026-03-02T08:00:00Z,1001,48,,,,\n" +
				"2026-03-02T08:00:00Z,1001,61,,,,\n" +
				"2026-03-02T08:00:00Z,1001,-1,,,,\n" +
				"2026-03-02T08:00:00Z,1001,1.0,,,,\n" +
				"2026-03-02T08:00:00Z,1001,3,abc,,,\n" +
				"2026-03-02T08:00:00Z,1001,3,65536,,,\n" +
				"2026-03-02T08:00:00Z,1001,3,-2,,,\n" +
				"2026-03-02T08:00:00Z,1001,3,,1e3,,\n" +
				"2026-03-02T08:00:00Z,1001,3,,99999999999999999999999,,\n" +
				"2026-03-02T08:00:00Z,1001,3,,,\"c1,\n" +
				"2026-03-02T08:00:00Z,1001,3,,,\"c1\"x,\n" +
				"2026-03-02T08:00:00Z,1001,3,,,c\"1,\n" +
				"2026-03-02T08:00:00Z,1001,3,,,,,\"\n" +
				"0000-01-01T00:30:00+01:00,1001,3,,,,\n" +
				"2026-03-02T08:00:00Z,1001,3,,,c\r1,\n" +
				"2026-03-02T08:00:00Z,1001,3,,,,\"5\r5\"\n" +
				"2026-03-02T08:00:00Z,1001,3,,,,\n",
			rejects: []rej{
				{2, "invalid UTF-8"},
				{3, "wrong number of fields: 3, the header has 7"},
				{4, "wrong number of fields: 8, the header has 7"},
				{5, "time: missing"},
				{6, "agent_id: missing"},
				{7, "agent_id: missing"},
				{8, "op_type: missing"},
				{9, `time: want RFC 3339 with offset or YYYY-MM-DD hh:mm:ss[.fraction], got "yesterday"`},
				{10, `time: want RFC 3339 with offset or YYYY-MM-DD hh:mm:ss[.fraction], got "2026-02-30 08:00:00"`},
				{11, `op_type: want an integer, got "x"`},
				{12, "op_type: 48 is not an operation type of the table"},
				{13, "op_type: 61 is not an operation type of the table"},
				{14, "op_type: -1 is not an operation type of the table"},
				{15, `op_type: want an integer, got "1.0"`},
				{16, `op_object: want an integer, got "abc"`},
				{17, "op_object: 65536 is out of range 0..65535"},
				{18, "op_object: -2 is out of range 0..65535"},
				{19, `op_cause: want an integer, got "1e3"`},
				{20, "op_cause: 99999999999999999999999 is out of range 0..65535"},
				{21, "call_id: unterminated quote"},
				{22, "call_id: text after a closing quote"},
				{23, `call_id: bare " in an unquoted field`},
				{24, "field 8: unterminated quote"},
				{25, "time: 0000-01-01T00:30:00+01:00 is outside the years 0001..9999 in UTC"},
				{26, "call_id: contains a line break"},
				{27, "phone_no: contains a line break"},
			},
			events: []billing.Event{
				event(t, 28, "2026-03-02T08:00:00Z", "1001", 3),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, ReadCSV, tt.input, tt.opts)
			checkResult(t, got, tt.events, tt.rejects)
		})
	}
}

func TestReadCSVRejectKeepsRawLine(t *testing.T) {
	got := run(t, ReadCSV, "time,agent_id,op_type\r\n2026-03-02T08:00:00Z,1001,99\r\n", Options{})
	if len(got.rejects) != 1 {
		t.Fatalf("rejects %+v, want one", got.rejects)
	}
	want := Reject{File: "in", Line: 2, Raw: "2026-03-02T08:00:00Z,1001,99", Reason: "op_type: 99 is not an operation type of the table"}
	if got.rejects[0] != want {
		t.Errorf("reject\n got %+v\nwant %+v", got.rejects[0], want)
	}
}

func TestReadLineTooLong(t *testing.T) {
	good := "2026-03-02T08:00:00Z,1001,1\n"
	long := "2026-03-02T08:00:00Z,1001,1," + strings.Repeat("x", 5000) + "\n"
	tests := []struct {
		name     string
		read     readFunc
		input    string
		longLine int64
	}{
		{"csv", ReadCSV, "time,agent_id,op_type,call_id\n" + long + strings.Replace(good, "\n", ",c\n", 1), 2},
		{"jsonl", ReadJSONL, `{"call_id":"` + strings.Repeat("x", 5000) + "\"}\n" +
			`{"time":"2026-03-02T08:00:00Z","agent_id":"1001","op_type":1,"call_id":"c"}` + "\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, tt.read, tt.input, Options{MaxLineBytes: 1000})
			checkResult(t, got,
				[]billing.Event{event(t, tt.longLine+1, "2026-03-02T08:00:00Z", "1001", 1, attrs(billing.Attrs{CallID: "c"}))},
				[]rej{{tt.longLine, "line longer than 1000 bytes"}})
			if raw := got.rejects[0].Raw; len(raw) != 1000 {
				t.Errorf("raw of the long line holds %d bytes, want its first 1000", len(raw))
			}
		})
	}
	t.Run("default limit", func(t *testing.T) {
		huge := "time,agent_id,op_type,call_id\n2026-03-02T08:00:00Z,1001,1," + strings.Repeat("y", DefaultMaxLineBytes) + "\n" + "2026-03-02T08:00:00Z,1001,1,c\n"
		got := run(t, ReadCSV, huge, Options{})
		checkResult(t, got,
			[]billing.Event{event(t, 3, "2026-03-02T08:00:00Z", "1001", 1, attrs(billing.Attrs{CallID: "c"}))},
			[]rej{{2, "line longer than 1048576 bytes"}})
	})
}

func TestReadCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  Options
		want  string
	}{
		{"empty file", "", Options{}, "in: header: empty file"},
		{"only blank lines", "\n \r\n\t\n", Options{}, "in: header: empty file"},
		{"only a BOM", "\uFEFF", Options{}, "in: header: empty file"},
		{"missing time", "agent_id,op_type\n", Options{}, `in: header: missing column "time"`},
		{"missing agent_id", "time,op_type,call_id\n", Options{}, `in: header: missing column "agent_id"`},
		{"missing op_type", "time,agent_id\n", Options{}, `in: header: missing column "op_type"`},
		{"unknown column", "time,agent_id,op_type,colour\n", Options{}, `in: header: unknown column "colour"`},
		{"empty column name", "time,agent_id,op_type,\n", Options{}, `in: header: unknown column ""`},
		{"repeated column", "time,agent_id,op_type,Agent_ID\n", Options{}, `in: header: column "agent_id" appears twice`},
		{"data for a header", "2026-03-02T08:00:00Z,1001,1\n", Options{}, `in: header: unknown column "2026-03-02T08:00:00Z"`},
		{"invalid UTF-8", "time,agent_id,op_type,\xff\n", Options{}, "in: header: invalid UTF-8"},
		{"unterminated quote", "time,agent_id,\"op_type\n", Options{}, "in: header: column 3: unterminated quote"},
		{"too long", "time,agent_id,op_type" + strings.Repeat(" ", 100) + "\n", Options{MaxLineBytes: 50}, "in: header: line 1 longer than 50 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := Handler{
				Event:  func(*billing.Event) error { called = true; return nil },
				Reject: func(Reject) error { called = true; return nil },
			}
			st, err := ReadCSV(context.Background(), strings.NewReader(tt.input), "in", tt.opts, h)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error %v, want %s", err, tt.want)
			}
			if !errors.Is(err, ErrHeader) {
				t.Errorf("error %v does not wrap ErrHeader", err)
			}
			if called || st.Records != 0 {
				t.Errorf("a bad header handed on records (%d)", st.Records)
			}
		})
	}
}

func TestReadJSONL(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		events  []billing.Event
		rejects []rej
	}{
		{
			name: "numbers and strings",
			input: `{"time":"2026-03-02T08:00:00Z","agent_id":"1001","op_type":3,"op_object":"7","op_cause":2}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":1001,"op_type":"3","op_object":-1,"op_cause":"-1","skill_id":12,"call_id":"1.5e3"}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1001","op_type":3,"phone_no":5.5e3,"vdn_id":-7}` + "\n",
			events: []billing.Event{
				event(t, 1, "2026-03-02T08:00:00Z", "1001", 3, obj(7), cause(2)),
				event(t, 2, "2026-03-02T08:00:00Z", "1001", 3, attrs(billing.Attrs{SkillID: "12", CallID: "1.5e3"})),
				event(t, 3, "2026-03-02T08:00:00Z", "1001", 3, attrs(billing.Attrs{PhoneNo: "5.5e3", VDNID: "-7"})),
			},
		},
		{
			name: "null, empty and spaces",
			input: `{"time":"2026-03-02T08:00:00Z","agent_id":" 1001 ","op_type":1,"op_object":null,"op_cause":"","call_id":null,"media_type":"  "}` + "\n" +
				`  { "TIME" : "2026-03-02 08:00:00" , "Agent_ID" : "1002" , "Op_Type" : 0 }  ` + "\n",
			events: []billing.Event{
				event(t, 1, "2026-03-02T08:00:00Z", "1001", 1),
				event(t, 2, "2026-03-02T08:00:00Z", "1002", 0),
			},
		},
		{
			name: "escapes",
			input: `{"time":"2026-03-02T08:00:00Z","agent_id":"a\"b\\c","op_type":1,"call_id":"caf\u00e9 \ud83d\ude00","phone_no":"x\/y"}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent\u005fid":"1001","op_type":1}` + "\n",
			events: []billing.Event{
				event(t, 1, "2026-03-02T08:00:00Z", `a"b\c`, 1, attrs(billing.Attrs{CallID: "café 😀", PhoneNo: "x/y"})),
				event(t, 2, "2026-03-02T08:00:00Z", "1001", 1),
			},
		},
		{
			name:  "BOM, CRLF and blank lines",
			input: "\uFEFF\r\n" + `{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1}` + "\r\n \r\n" + `{"time":"2026-03-02T09:00:00Z","agent_id":"1","op_type":0}`,
			events: []billing.Event{
				event(t, 2, "2026-03-02T08:00:00Z", "1", 1),
				event(t, 4, "2026-03-02T09:00:00Z", "1", 0),
			},
		},
		{
			name: "rejects",
			input: `{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1,"colour":"red"}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1,"Agent_ID":"2"}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1` + "\n" +
				`{"time":"2026-03-02T08:00:00Z"} x` + "\n" +
				`["2026-03-02T08:00:00Z","1",1]` + "\n" +
				`"just a string"` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":true}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":{"id":1},"op_type":1}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1,"call_id":[1]}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1,"call_id":false}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1,"call_id":"a\nb"}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":3.0}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":48}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":3,"op_cause":70000}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":null,"op_type":1}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","op_type":1}` + "\n" +
				`{"time":20260302,"agent_id":"1","op_type":1}` + "\n" +
				`{"time":"2026-03-02T08:00:00Z","agent_id":"1","op_type":1,"call_id":"` + "\xff" + `"}` + "\n" +
				`{}` + "\n",
			rejects: []rej{
				{1, `unknown key "colour"`},
				{2, `duplicate key "Agent_ID"`},
				{3, "invalid JSON: unexpected end of JSON input"},
				{4, "invalid JSON: invalid character 'x' after top-level value"},
				{5, "want a JSON object"},
				{6, "want a JSON object"},
				{7, "op_type: want a string or a number, got true"},
				{8, "agent_id: want a string or a number, got an object"},
				{9, "call_id: want a string or a number, got an array"},
				{10, "call_id: want a string or a number, got false"},
				{11, "call_id: contains a line break"},
				{12, `op_type: want an integer, got "3.0"`},
				{13, "op_type: 48 is not an operation type of the table"},
				{14, "op_cause: 70000 is out of range 0..65535"},
				{15, "agent_id: missing"},
				{16, "agent_id: missing"},
				{17, `time: want RFC 3339 with offset or YYYY-MM-DD hh:mm:ss[.fraction], got "20260302"`},
				{18, "invalid UTF-8"},
				{19, "time: missing"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(t, ReadJSONL, tt.input, Options{})
			checkResult(t, got, tt.events, tt.rejects)
		})
	}
}

func TestReadEvents(t *testing.T) {
	want := []billing.Event{event(t, 0, "2026-03-02T08:00:00Z", "1001", 1)}
	tests := []struct {
		name  string
		input string
		line  int64
	}{
		{"csv", "time,agent_id,op_type\n2026-03-02T08:00:00Z,1001,1\n", 2},
		{"jsonl", `{"time":"2026-03-02T08:00:00Z","agent_id":"1001","op_type":1}` + "\n", 1},
		{"jsonl after a BOM and blank lines", "\uFEFF \r\n\t\n" + `{"time":"2026-03-02T08:00:00Z","agent_id":"1001","op_type":1}`, 3},
		{"csv after blank lines", "\n\ntime,agent_id,op_type\n2026-03-02T08:00:00Z,1001,1\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want[0].Source.Line = tt.line
			checkResult(t, run(t, ReadEvents, tt.input, Options{}), want, nil)
		})
	}
	t.Run("empty", func(t *testing.T) {
		if got := run(t, ReadEvents, "", Options{}); !errors.Is(got.err, ErrHeader) {
			t.Errorf("error %v, want a header error", got.err)
		}
	})
}

// TestReadTestdata reads the sample files: the CSV and JSON Lines forms
// hold the same events.
func TestReadTestdata(t *testing.T) {
	read := func(t *testing.T, name string) result {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "events", name))
		if err != nil {
			t.Fatal(err)
		}
		return run(t, ReadEvents, string(b), Options{Location: mustZone(t, "Asia/Kathmandu")})
	}
	csv, jsonl := read(t, "sample.csv"), read(t, "sample.jsonl")
	for _, res := range []result{csv, jsonl} {
		if res.err != nil {
			t.Fatal(res.err)
		}
		if len(res.rejects) != 0 {
			t.Errorf("rejects: %+v", res.rejects)
		}
	}
	if len(csv.events) == 0 || len(csv.events) != len(jsonl.events) {
		t.Fatalf("%d events from CSV, %d from JSON Lines", len(csv.events), len(jsonl.events))
	}
	for i := range csv.events {
		c, j := csv.events[i], jsonl.events[i]
		c.Source, j.Source = billing.Source{}, billing.Source{}
		if !reflect.DeepEqual(c, j) {
			t.Errorf("event %d:\n  csv %+v\njsonl %+v", i, c, j)
		}
	}

	bad := read(t, "rejects.csv")
	if bad.err != nil {
		t.Fatal(bad.err)
	}
	if len(bad.events) != 1 || len(bad.rejects) == 0 {
		t.Errorf("rejects.csv: %d events, %d rejects; want 1 event and the rest rejected", len(bad.events), len(bad.rejects))
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestReadStops(t *testing.T) {
	lines := "time,agent_id,op_type\n" + strings.Repeat("2026-03-02T08:00:00Z,1001,1\n2026-03-02T08:00:00Z,1001,99\n", 5000)
	stop := errors.New("stop")
	tests := []struct {
		name string
		h    func(cancel func()) Handler
		want error
	}{
		{"event callback", func(func()) Handler {
			return Handler{Event: func(*billing.Event) error { return stop }}
		}, stop},
		{"reject callback", func(func()) Handler {
			return Handler{Reject: func(Reject) error { return stop }}
		}, stop},
		{"cancelled context", func(cancel func()) Handler {
			return Handler{Event: func(*billing.Event) error { cancel(); return nil }}
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			st, err := ReadCSV(ctx, strings.NewReader(lines), "in", Options{}, tt.h(cancel))
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if st.Records >= 10000 {
				t.Errorf("read all %d records after the stop", st.Records)
			}
		})
	}
	t.Run("nil callbacks", func(t *testing.T) {
		st, err := ReadCSV(context.Background(), strings.NewReader(lines), "in", Options{}, Handler{})
		if err != nil || st.Records != 10000 {
			t.Errorf("Records %d, error %v; want 10000, nil", st.Records, err)
		}
	})
}

func TestReadError(t *testing.T) {
	broken := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("time,agent_id,op_type\n2026-03-02T08:00:00Z,1001,1\n"), errReader{broken})
	_, err := ReadCSV(context.Background(), r, "in", Options{}, Handler{})
	if !errors.Is(err, broken) {
		t.Errorf("error %v, want it to wrap %v", err, broken)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// csvLines generates n typical event lines after a header.
func csvLines(n int) []byte {
	var b bytes.Buffer
	b.WriteString("time,agent_id,op_type,op_object,op_cause,call_id,media_type,skill_id,vdn_id,cc_id,agent_type,phone_no,call_in_out,location_id\n")
	ops := []int{1, 2, 60, 27, 3, 26, 38, 39, 0}
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i) * 997 * time.Millisecond)
		fmt.Fprintf(&b, "%s,%d,%d,,%d,call-%08d,voice,skill%d,1,1,4,5550%06d,inbound,\n",
			at.Format("2006-01-02T15:04:05.000Z"), 10000+i%500, ops[i%len(ops)], i%3, i/4, i%20, i%1000000)
	}
	return b.Bytes()
}

func BenchmarkReadCSV(b *testing.B) {
	const n = 100_000
	input := csvLines(n)
	b.SetBytes(int64(len(input)))
	h := Handler{
		Event:  func(*billing.Event) error { return nil },
		Reject: func(r Reject) error { return fmt.Errorf("reject: %+v", r) },
	}
	loops := 0
	for b.Loop() {
		st, err := ReadCSV(context.Background(), bytes.NewReader(input), "bench.csv", Options{}, h)
		if err != nil || st.Records != n {
			b.Fatalf("Records %d, error %v", st.Records, err)
		}
		loops++
	}
	b.ReportMetric(float64(n*loops)/b.Elapsed().Seconds(), "lines/s")
}

// dayCSV generates a one-day canonical events file like a site's: the given
// number of agents, each logging in once at a random time, then some 40 to
// 54 operations (conversations, work, idle, rest, busy, hold) and a logout,
// all sorted by time, with naive times to the millisecond. 25,000 agents
// make some 1.2 million lines, 51 MB.
func dayCSV(agents int, seed uint64) []byte {
	type row struct {
		ms    int
		agent int
		op    int
		cause int // -1: empty
		call  int // 0: none
		text  bool
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	between := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	var rows []row
	for a := 1; a <= agents; a++ {
		t := between(0, 14*3600)*1000 + between(0, 999)
		rows = append(rows, row{ms: t, agent: a, op: 1, cause: -1})
		call := 0
		for range between(40, 54) {
			t += between(5, 900)*1000 + between(0, 999)
			r := row{ms: t, agent: a, cause: -1}
			switch p := rng.Float64(); {
			case p < 0.35:
				call++
				r.op, r.call, r.text = 60, call, rng.Float64() >= 0.9
			case p < 0.6:
				r.op, r.cause = 27, 0
			case p < 0.8:
				r.op = 2
			case p < 0.88:
				r.op, r.cause = 26, between(1, 9)
			case p < 0.94:
				r.op, r.cause = 3, between(1, 7)
			default:
				r.op = 38
			}
			rows = append(rows, r)
		}
		t += between(5, 600) * 1000
		rows = append(rows, row{ms: t, agent: a, op: 0, cause: 258})
	}
	rows = slices.DeleteFunc(rows, func(r row) bool { return r.ms >= 86400000 })
	slices.SortStableFunc(rows, func(x, y row) int { return x.ms - y.ms })
	b := make([]byte, 0, len(rows)*44)
	b = append(b, "time,agent_id,op_type,op_object,op_cause,call_id,media_type\n"...)
	for _, r := range rows {
		s, ms := r.ms/1000, r.ms%1000
		b = fmt.Appendf(b, "2026-11-20 %02d:%02d:%02d.%03d,A%05d,%d,,", s/3600, s/60%60, s%60, ms, r.agent, r.op)
		if r.cause >= 0 {
			b = strconv.AppendInt(b, int64(r.cause), 10)
		}
		b = append(b, ',')
		if r.call > 0 {
			media := "voice"
			if r.text {
				media = "text"
			}
			b = fmt.Appendf(b, "cA%05d-%d,%s", r.agent, r.call, media)
		} else {
			b = append(b, ',')
		}
		b = append(b, '\n')
	}
	return b
}

var dayCSVOnce = sync.OnceValue(func() []byte { return dayCSV(25_000, 1) })

// BenchmarkReadCSVDay reads a one-day file of 25,000 agents (dayCSV) with
// a Handler that only counts the events.
func BenchmarkReadCSVDay(b *testing.B) {
	input := dayCSVOnce()
	lines := int64(bytes.Count(input, []byte{'\n'}) - 1)
	var events int64
	h := Handler{
		Event:  func(*billing.Event) error { events++; return nil },
		Reject: func(r Reject) error { return fmt.Errorf("reject: %+v", r) },
	}
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	loops := 0
	for b.Loop() {
		events = 0
		st, err := ReadCSV(context.Background(), bytes.NewReader(input), "day.csv", Options{}, h)
		if err != nil || st.Records != lines || events != lines {
			b.Fatalf("Records %d, events %d of %d lines, error %v", st.Records, events, lines, err)
		}
		loops++
	}
	b.ReportMetric(float64(lines*int64(loops))/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkReadJSONL(b *testing.B) {
	const n = 100_000
	var buf bytes.Buffer
	for i := range n {
		fmt.Fprintf(&buf, `{"time":"2026-03-02T08:%02d:%02d.000Z","agent_id":"%d","op_type":%d,"op_cause":%d,"call_id":"call-%08d","media_type":"voice","skill_id":"skill%d"}`+"\n",
			i/60%60, i%60, 10000+i%500, []int{1, 2, 60, 27, 3}[i%5], i%3, i/4, i%20)
	}
	input := buf.Bytes()
	b.SetBytes(int64(len(input)))
	h := Handler{Reject: func(r Reject) error { return fmt.Errorf("reject: %+v", r) }}
	loops := 0
	for b.Loop() {
		st, err := ReadJSONL(context.Background(), bytes.NewReader(input), "bench.jsonl", Options{}, h)
		if err != nil || st.Records != n {
			b.Fatalf("Records %d, error %v", st.Records, err)
		}
		loops++
	}
	b.ReportMetric(float64(n*loops)/b.Elapsed().Seconds(), "lines/s")
}

// fuzzMaxLine is a small line limit, so that fuzzing reaches it.
const fuzzMaxLine = 300

// fuzzZone is a site zone with a DST gap and overlap.
var fuzzZone = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// nonBlankLines counts the lines of data a line reader with limit max
// counts as records: all but those holding only spaces and tabs.
func nonBlankLines(data []byte, max int) int64 {
	data = bytes.TrimPrefix(data, utf8BOM)
	lines := bytes.Split(data, []byte{'\n'})
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1] // what follows the last newline
	}
	var n int64
	for _, l := range lines {
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(l) > max || len(bytes.Trim(l, " \t")) > 0 {
			n++
		}
	}
	return n
}

// fuzzSeeds adds the test data files matching pattern and extra inputs.
func fuzzSeeds(f *testing.F, pattern string, extra ...string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "events", pattern))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds for %s: %v", pattern, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkFuzzRead reads data and checks what every reader promises: each
// non-blank line (after a CSV header) gives exactly one event or one reject,
// in line order, and every event is valid and survives a write and a read.
func checkFuzzRead(t *testing.T, read readFunc, data []byte, header bool) {
	t.Helper()
	opts := Options{Location: fuzzZone, MaxLineBytes: fuzzMaxLine}
	got := run(t, read, string(data), opts)
	want := nonBlankLines(data, fuzzMaxLine)
	switch {
	case got.err == nil && header:
		want-- // the header
	case errors.Is(got.err, ErrHeader) && header:
		want = 0
	case got.err != nil:
		t.Fatalf("error: %v", got.err)
	}
	if got.stats.Records != want {
		t.Fatalf("Records %d, want %d non-blank lines", got.stats.Records, want)
	}
	if n := int64(len(got.events) + len(got.rejects)); n != want {
		t.Fatalf("%d events and rejects, want %d", n, want)
	}

	lines := map[int64]bool{}
	for _, r := range got.rejects {
		if lines[r.Line] || r.Reason == "" || !utf8.ValidString(r.Raw) {
			t.Errorf("bad reject %+v", r)
		}
		lines[r.Line] = true
	}
	for _, ev := range got.events {
		if lines[ev.Source.Line] {
			t.Errorf("line %d gave more than one record", ev.Source.Line)
		}
		lines[ev.Source.Line] = true
		if hasControlString(ev.AgentID, ev.CallID, ev.MediaType, ev.SkillID, ev.VDNID, ev.CCID, ev.AgentType, ev.PhoneNo, ev.CallInOut, ev.LocationID) {
			t.Errorf("event with a control character %+v", ev)
		}
		if ev.AgentID == "" || !billing.Known(ev.OpType) ||
			ev.OpObject < 0 || ev.OpObject > billing.USNoUse || ev.OpCause < 0 || ev.OpCause > billing.USNoUse ||
			ev.Time.Location() != time.UTC || ev.Time.Nanosecond()%1000 != 0 {
			t.Errorf("bad event %+v", ev)
		}
	}

	var buf bytes.Buffer
	w := NewEventCSVWriter(&buf)
	for _, ev := range got.events {
		if err := w.Write(ev); err != nil {
			t.Fatalf("write %+v: %v", ev, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	back := run(t, ReadCSV, buf.String(), Options{})
	if back.err != nil || len(back.rejects) != 0 || len(back.events) != len(got.events) {
		t.Fatalf("read back: %v, %d events, rejects %+v\n%s", back.err, len(back.events), back.rejects, buf.String())
	}
	for i, ev := range back.events {
		want := got.events[i]
		ev.Source, want.Source = billing.Source{}, billing.Source{}
		if !reflect.DeepEqual(ev, want) {
			t.Errorf("event %d read back:\n got %+v\nwant %+v", i, ev, want)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	fuzzSeeds(f, "*.csv",
		"",
		"time,agent_id,op_type\n",
		"\uFEFFop_type,TIME,agent_id\r\n1,2026-11-01 01:30:00,a\r\n",
		"time,agent_id,op_type,call_id\n2026-03-08 02:30:00,1,60,\"a\"\"b\"\n2026-03-08 02:30:00,1,60,\"open\n",
		"time,agent_id,op_type\n"+strings.Repeat("x", fuzzMaxLine+1)+"\n2026-03-02T08:00:00Z,1,1\n",
		"time,agent_id,op_type,call_id\r\n2026-03-02T08:00:00Z,1,1,a\rb\r\n2026-03-02T08:00:00Z,1,1,\"a\rb\"\n",
		"time,agent_id,op_type,call_id,skill_id\n2026-03-02T08:00:00Z,1\x00,1,,\n2026-03-02T08:00:00Z,\t1\t,1,c\x7f,\"s\u0085\"\n2026-03-02T08:00:00Z,1,1,\u00a0\u00a3,s\t1\n",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzzRead(t, ReadCSV, data, true)
	})
}

func FuzzReadJSONL(f *testing.F) {
	fuzzSeeds(f, "*.jsonl",
		"",
		`{"time":"2026-11-01 01:30:00","agent_id":1,"op_type":"60","call_id":"\u00e9\n"}`,
		`{"time":"2026-03-02T08:00:00Z","agent_id":"a\"b","op_type":1,"op_object":-1,"op_cause":null}`+"\r\n \r\n{}",
		`{"TIME":"2026-03-02T08:00:00Z","Agent_Id":" x ","op_type":1e0}`,
		`{"time":"2026-03-02T08:00:00Z","agent_id":"a\u0000","op_type":1,"call_id":"\t\u0085`+"\x7f"+`"}`,
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFuzzRead(t, ReadJSONL, data, false)
		checkJSONLAgrees(t, data)
	})
}

// checkJSONLAgrees compares the agent of each event with what
// encoding/json makes of its line.
func checkJSONLAgrees(t *testing.T, data []byte) {
	t.Helper()
	got := run(t, ReadJSONL, string(data), Options{MaxLineBytes: fuzzMaxLine})
	lines := bytes.Split(bytes.TrimPrefix(data, utf8BOM), []byte{'\n'})
	for _, ev := range got.events {
		line := lines[ev.Source.Line-1]
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("line %d %q gave an event, but encoding/json says %v", ev.Source.Line, line, err)
		}
		var agent any
		for k, v := range m {
			if strings.EqualFold(k, "agent_id") {
				agent = v
			}
		}
		var want string
		switch v := agent.(type) {
		case string:
			want = strings.Trim(v, " \t")
		case json.Number:
			want = v.String()
		default:
			t.Fatalf("line %d %q gave an event with agent %q, but encoding/json reads %#v", ev.Source.Line, line, ev.AgentID, agent)
		}
		if ev.AgentID != want {
			t.Errorf("line %d %q: agent %q, encoding/json reads %q", ev.Source.Line, line, ev.AgentID, want)
		}
	}
}

func TestCSVSplitter(t *testing.T) {
	tests := []struct {
		name string
		line string
		want []string
		err  error
	}{
		{"empty", "", []string{""}, nil},
		{"one field", "abc", []string{"abc"}, nil},
		{"empty fields", ",,", []string{"", "", ""}, nil},
		{"blanks trimmed", " a ,\tb\t, ", []string{"a", "b", ""}, nil},
		{"comma then minus", "a,-1,--,-,", []string{"a", "-1", "--", "-", ""}, nil},
		{"commas across words", "1234567,9abcdef,,1234567890123456,x", []string{"1234567", "9abcdef", "", "1234567890123456", "x"}, nil},
		{"quoted", `"a,b", "c""d" ,""`, []string{"a,b", `c"d`, ""}, nil},
		{"quoted blanks trimmed", `" a "`, []string{"a"}, nil},
		{"non-ASCII", "é,ü,😀", []string{"é", "ü", "😀"}, nil},
		{"invalid UTF-8 in a word", "abcdefg\xff,x", nil, ErrInvalidUTF8},
		{"invalid UTF-8 in the tail", "abcdefgh,\xff", nil, ErrInvalidUTF8},
		{"invalid UTF-8 with quotes", "\"a\",\xff", nil, ErrInvalidUTF8},
		{"unterminated", `a,"b`, nil, ErrUnterminatedQuote},
		{"after quote", `"a"b`, nil, ErrAfterQuote},
		{"bare quote", `a"b`, nil, ErrBareQuote},
	}
	var sp csvSplitter
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, err := sp.split([]byte(tt.line))
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			var got []string
			for _, f := range fields {
				got = append(got, string(f))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("split(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
	t.Run("every short line of commas and minus signs", func(t *testing.T) {
		// Lines over ",-a" up to 11 bytes: the word-at-a-time search
		// must agree with a plain split everywhere.
		alphabet := ",-a"
		for n := 0; n <= 11; n++ {
			total := 1
			for range n {
				total *= len(alphabet)
			}
			for k := range total {
				b := make([]byte, n)
				for i, v := 0, k; i < n; i, v = i+1, v/len(alphabet) {
					b[i] = alphabet[v%len(alphabet)]
				}
				fields, err := sp.split(b)
				if err != nil {
					t.Fatal(err)
				}
				want := strings.Split(string(b), ",")
				if len(fields) != len(want) {
					t.Fatalf("split(%q): %d fields, want %d", b, len(fields), len(want))
				}
				for i := range want {
					if string(fields[i]) != want[i] {
						t.Fatalf("split(%q) field %d = %q, want %q", b, i, fields[i], want[i])
					}
				}
			}
		}
	})
}

// TestReadCSVEightBytesAtATime runs the CSV tests with lines split eight
// bytes at a time, the way of machines without AVX-512, where this one
// splits them 64 at a time.
func TestReadCSVEightBytesAtATime(t *testing.T) {
	if !lineScan {
		t.Skip("lines are split eight bytes at a time here already")
	}
	lineScan = false
	defer func() { lineScan = true }()
	t.Run("ReadCSV", TestReadCSV)
	t.Run("RejectKeepsRawLine", TestReadCSVRejectKeepsRawLine)
	t.Run("Testdata", TestReadTestdata)
	t.Run("Splitter", TestCSVSplitter)
}

// TestSplitWays splits random lines without quotes both ways, 64 bytes at
// a time into a record's columns and eight at a time into fields: the same
// fields, the same answer on ASCII, and a control character flagged by both
// wherever there is one.
func TestSplitWays(t *testing.T) {
	if !lineScan {
		t.Skip("no AVX-512 here")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{',', ',', 'a', '7', ' ', '\t', '-', 0x00, 0x0d, 0x1f, 0x7f, 0x80, 0xc2, 0xa0, 0xff}
	cols := []evField{fTime, fAgentID, fOpType, fOpObject, fOpCause, fCallID, fMediaType}
	for n := 0; n <= 200; n++ {
		for range 50 {
			line := make([]byte, n)
			for i := range line {
				line[i] = alphabet[rng.IntN(len(alphabet))]
			}
			var rec evRecord
			got, gotASCII, gotCtl := splitInto(&rec, cols, line)
			lineScan = false
			fields, wantASCII, wantCtl := splitCommas(nil, nil, line, true)
			lineScan = true
			if got != len(fields) || gotASCII != wantASCII {
				t.Fatalf("%q: %d fields, ASCII %v; want %d, %v", line, got, gotASCII, len(fields), wantASCII)
			}
			for i := range min(len(fields), len(cols)) {
				if !bytes.Equal(rec[cols[i]], fields[i]) {
					t.Fatalf("%q: field %d %q, want %q", line, i, rec[cols[i]], fields[i])
				}
			}
			if control := slices.ContainsFunc(line, func(c byte) bool { return c < 0x20 || c == 0x7f || c == 0xc2 }); control && !(gotCtl && wantCtl) {
				t.Fatalf("%q: control character flagged %v and %v", line, gotCtl, wantCtl)
			}
		}
	}
}
