package ingest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

func TestEventCSVWriter(t *testing.T) {
	kathmandu := mustZone(t, "Asia/Kathmandu")
	tests := []struct {
		name   string
		events []billing.Event
		want   string
	}{
		{
			name: "header only",
			want: "time,agent_id,op_type,op_object,op_cause,call_id,media_type,skill_id,vdn_id,cc_id,agent_type,phone_no,call_in_out,location_id\n",
		},
		{
			name: "rows",
			events: []billing.Event{
				{
					Time: time.Date(2026, 3, 2, 8, 0, 0, 123456789, kathmandu), AgentID: "1001", OpType: 1,
					OpObject: billing.USNoUse, OpCause: billing.USNoUse,
				},
				{
					Time: time.Date(2026, 3, 2, 2, 20, 0, 0, time.UTC), AgentID: "1001", OpType: 26, OpObject: 0, OpCause: 4,
					Attrs: billing.Attrs{
						CallID: "c,1", MediaType: "voice", SkillID: "12", VDNID: "3", CCID: "1", AgentType: "4",
						PhoneNo: `say "hi"`, CallInOut: "inbound", LocationID: "KTM",
					},
				},
			},
			want: "time,agent_id,op_type,op_object,op_cause,call_id,media_type,skill_id,vdn_id,cc_id,agent_type,phone_no,call_in_out,location_id\n" +
				"2026-03-02T02:15:00.123456Z,1001,1,,,,,,,,,,,\n" +
				`2026-03-02T02:20:00.000000Z,1001,26,0,4,"c,1",voice,12,3,1,4,"say ""hi""",inbound,KTM` + "\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewEventCSVWriter(&buf)
			for _, ev := range tt.events {
				if err := w.Write(ev); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("\n got %q\nwant %q", buf.String(), tt.want)
			}
		})
	}
}

func TestEventCSVWriterRefuses(t *testing.T) {
	good := billing.Event{Time: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), AgentID: "1", OpType: 1, OpObject: billing.USNoUse, OpCause: billing.USNoUse}
	tests := []struct {
		name string
		mod  func(*billing.Event)
		want error
	}{
		{"line break", func(ev *billing.Event) { ev.CallID = "a\nb" }, ErrLineBreak},
		{"carriage return", func(ev *billing.Event) { ev.AgentID = "a\rb" }, ErrLineBreak},
		{"invalid UTF-8", func(ev *billing.Event) { ev.LocationID = "\xff" }, ErrInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewEventCSVWriter(&buf)
			bad := good
			tt.mod(&bad)
			if err := w.Write(bad); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if err := w.Write(good); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(buf.String(), "\n"); n != 2 {
				t.Errorf("%d lines written, want the header and the good event:\n%s", n, buf.String())
			}
		})
	}
}

func TestEventCSVWriterError(t *testing.T) {
	broken := errors.New("disk full")
	w := NewEventCSVWriter(failWriter{broken})
	if err := w.Flush(); !errors.Is(err, broken) {
		t.Errorf("Flush: %v, want %v", err, broken)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// TestEventCSVRoundTrip writes events and reads them back.
func TestEventCSVRoundTrip(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("testdata", "events", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	fromSample := run(t, ReadJSONL, string(sample), Options{Location: mustZone(t, "Asia/Kathmandu")})
	if fromSample.err != nil || len(fromSample.rejects) != 0 {
		t.Fatalf("sample: %v, rejects %+v", fromSample.err, fromSample.rejects)
	}
	tricky := []billing.Event{
		event(t, 1, "2026-03-02T08:00:00.000001Z", "agent, with comma", 26, obj(0), cause(65534), attrs(billing.Attrs{
			CallID: `"quoted"`, MediaType: "text", SkillID: `a""b`, VDNID: "-1", CCID: "0",
			AgentType: "ünïcode 😀", PhoneNo: "+1 (555) 010-0000", CallInOut: "out,bound", LocationID: `"`,
		})),
		event(t, 2, "1999-12-31T23:59:59.999999Z", "1", 0, cause(258)),
		event(t, 3, "2026-03-02T08:00:00Z", "1", 60, attrs(billing.Attrs{CallID: ",", PhoneNo: ",,"})),
	}
	tests := []struct {
		name   string
		events []billing.Event
	}{
		{"sample", fromSample.events},
		{"tricky strings", tricky},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewEventCSVWriter(&buf)
			for _, ev := range tt.events {
				if err := w.Write(ev); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			back := run(t, ReadCSV, buf.String(), Options{})
			if back.err != nil || len(back.rejects) != 0 {
				t.Fatalf("read back: %v, rejects %+v\n%s", back.err, back.rejects, buf.String())
			}
			if len(back.events) != len(tt.events) {
				t.Fatalf("%d events back, want %d", len(back.events), len(tt.events))
			}
			for i, got := range back.events {
				want := tt.events[i]
				if got.Source.Line != int64(i+2) {
					t.Errorf("event %d from line %d, want %d", i, got.Source.Line, i+2)
				}
				got.Source, want.Source = billing.Source{}, billing.Source{}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("event %d:\n got %+v\nwant %+v", i, got, want)
				}
			}
		})
	}
}

// TestEventCSVRoundTripReader checks that ReadEvents output written again
// gives the same bytes: the writer's output is a fixed point.
func TestEventCSVRoundTripReader(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("testdata", "events", "sample.csv"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T, input []byte) []byte {
		t.Helper()
		var buf bytes.Buffer
		w := NewEventCSVWriter(&buf)
		_, err := ReadEvents(context.Background(), bytes.NewReader(input), "in", Options{Location: mustZone(t, "Asia/Kathmandu")}, Handler{
			Event:  func(e *billing.Event) error { return w.Write(*e) },
			Reject: func(r Reject) error { return errors.New(r.Reason) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	once := write(t, sample)
	if twice := write(t, once); !bytes.Equal(once, twice) {
		t.Errorf("written again:\n%s\nfirst:\n%s", twice, once)
	}
}
