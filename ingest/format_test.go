package ingest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/agentbill/agentbill/billing"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want Format
	}{
		{"", FormatAuto},
		{"auto", FormatAuto},
		{"csv", FormatCSV},
		{"jsonl", FormatJSONL},
		{"json", FormatJSONL},
		{"ndjson", FormatJSONL},
		{"events", FormatEvents},
		{"cti", FormatCTI},
		{"agentoprinfo", FormatAgentOprInfo},
		{" CSV ", FormatCSV},
		{"AgentOprInfo", FormatAgentOprInfo},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			got, err := ParseFormat(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"xml", "tsv", "c s v", "jsonlines"} {
		t.Run(fmt.Sprintf("%q", bad), func(t *testing.T) {
			if got, err := ParseFormat(bad); err == nil {
				t.Errorf("ParseFormat(%q) = %q, want an error", bad, got)
			}
		})
	}
}

// agentOprInfoLine is a Huawei agentOprInfo bill of 21 columns.
const agentOprInfoLine = "1,0,1,1001,100,3,1-2-3,2026-03-02 08:00:00,2026-03-02 08:05:00,60,65535,0,5,1,1,4,5550100,0,0,1772438400000,1"

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name string
		file string
		head string
		want Format
		note string
	}{
		{"csv extension", "events.csv", `{"time":"x"}`, FormatCSV, "the extension decides first"},
		{"upper-case extension", "EVENTS.CSV", "", FormatCSV, ""},
		{"agentoprinfo in a .csv", "oprinfo.csv", "1001,700,acc01,chli4020,svc9,12,16800096,2026-11-20 09:00:14,2026-11-20 09:05:00,60,65535,1,5,1,1,4,88880001,1,0,1763629200000,7\n", FormatAgentOprInfo, "Huawei's files are .csv too"},
		{"jsonl extension", "a/b/events.jsonl", "time,agent_id,op_type\n", FormatJSONL, ""},
		{"ndjson extension", "events.ndjson", "", FormatJSONL, ""},
		{"json extension", "events.json", "", FormatJSONL, ""},
		{"jsonl by content", "events.txt", `{"time":"2026-03-02T08:00:00Z"}`, FormatJSONL, ""},
		{"jsonl after a BOM and blanks", "-", "\uFEFF\r\n  \t{\"a\":1}", FormatJSONL, ""},
		{"cti", "cti.log", "2026-03-02 08:00:00.123 MsgType: AGENT_STATE_EVENT AgentID: 1001\n", FormatCTI, ""},
		{"cti without space and in lower case", "", "prose first\n\nmsgtype:CALL_DELIVERED_EVENT:\n", FormatCTI, ""},
		{"cti further down", "guide.txt", strings.Repeat("Some prose, with commas.\n", 100) + "MsgType: AGENT_STATE_EVENT\n", FormatCTI, ""},
		{"agentoprinfo", "bills.dat", agentOprInfoLine + "\n" + agentOprInfoLine + "\n", FormatAgentOprInfo, ""},
		{"agentoprinfo with CRLF and blank lines", "", "\r\n" + agentOprInfoLine + "\r\n", FormatAgentOprInfo, ""},
		{"agentoprinfo after a bad first line", "", "garbage\n" + agentOprInfoLine + "\n", FormatAgentOprInfo, ""},
		{"agentoprinfo with quoted begin_time", "", strings.Replace(agentOprInfoLine, "2026-03-02 08:00:00,", `"2026-03-02 08:00:00",`, 1), FormatAgentOprInfo, ""},
		{"21 fields, 8th no time", "", strings.Replace(agentOprInfoLine, "2026-03-02 08:00:00,", "soon,", 1), FormatCSV, ""},
		{"20 fields", "", agentOprInfoLine[:strings.LastIndexByte(agentOprInfoLine, ',')], FormatCSV, ""},
		{"22 fields", "", agentOprInfoLine + ",x", FormatCSV, ""},
		{"canonical csv", "-", "time,agent_id,op_type\n2026-03-02 08:00:00,1001,1\n", FormatCSV, ""},
		{"empty", "", "", FormatCSV, ""},
		{"no extension", "events", "time,agent_id,op_type\n", FormatCSV, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectFormat(tt.file, []byte(tt.head)); got != tt.want {
				t.Errorf("DetectFormat(%q, %q) = %q, want %q %s", tt.file, tt.head, got, tt.want, tt.note)
			}
		})
	}
}

func TestRead(t *testing.T) {
	csv := "time,agent_id,op_type\n2026-03-02T08:00:00Z,1001,1\n"
	jsonl := `{"time":"2026-03-02T08:00:00Z","agent_id":"1001","op_type":1}` + "\n"
	tests := []struct {
		name   string
		file   string
		format Format
		input  string
		line   int64
	}{
		{"auto csv by content", "in", FormatAuto, csv, 2},
		{"auto jsonl by content", "in", FormatAuto, jsonl, 1},
		{"auto by extension", "in.csv", FormatAuto, csv, 2},
		{"csv", "in.jsonl", FormatCSV, csv, 2},
		{"jsonl", "in.csv", FormatJSONL, jsonl, 1},
		{"events as csv", "in.jsonl", FormatEvents, csv, 2},
		{"events as jsonl", "in.csv", FormatEvents, jsonl, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []billing.Event
			h := Handler{
				Event:  func(ev *billing.Event) error { got = append(got, *ev); return nil },
				Reject: func(r Reject) error { t.Errorf("reject: %+v", r); return nil },
			}
			st, err := Read(context.Background(), strings.NewReader(tt.input), tt.file, tt.format, Options{}, h)
			if err != nil {
				t.Fatal(err)
			}
			if st.Records != 1 || len(got) != 1 || got[0].Source != (billing.Source{File: tt.file, Line: tt.line}) || got[0].AgentID != "1001" {
				t.Errorf("Records %d, events %+v; want one event from line %d", st.Records, got, tt.line)
			}
		})
	}
	t.Run("unknown format", func(t *testing.T) {
		if _, err := Read(context.Background(), strings.NewReader(csv), "in", Format("xml"), Options{}, Handler{}); err == nil {
			t.Error("no error for an unknown format")
		}
	})
}

// TestReadKeepsPeekedBytes reads inputs longer than the detection window,
// in small pieces: nothing detection looked at may be lost.
func TestReadKeepsPeekedBytes(t *testing.T) {
	const n = 5000 // well over 64 KiB
	var csv, jsonl bytes.Buffer
	csv.WriteString("time,agent_id,op_type\n")
	for i := range n {
		fmt.Fprintf(&csv, "2026-03-02T08:00:00Z,%d,1\n", i)
		fmt.Fprintf(&jsonl, `{"time":"2026-03-02T08:00:00Z","agent_id":"%d","op_type":1}`+"\n", i)
	}
	for _, tt := range []struct {
		name   string
		input  []byte
		format Format
	}{
		{"csv auto", csv.Bytes(), FormatAuto},
		{"jsonl auto", jsonl.Bytes(), FormatAuto},
		{"csv events", csv.Bytes(), FormatEvents},
		{"jsonl events", jsonl.Bytes(), FormatEvents},
	} {
		t.Run(tt.name, func(t *testing.T) {
			next := 0
			h := Handler{
				Event: func(ev *billing.Event) error {
					if want := fmt.Sprint(next); ev.AgentID != want {
						return fmt.Errorf("agent %s, want %s", ev.AgentID, want)
					}
					next++
					return nil
				},
				Reject: func(r Reject) error { return fmt.Errorf("reject: %+v", r) },
			}
			r := iotest.HalfReader(bytes.NewReader(tt.input))
			st, err := Read(context.Background(), r, "in", tt.format, Options{}, h)
			if err != nil {
				t.Fatal(err)
			}
			if st.Records != n || next != n {
				t.Errorf("Records %d, %d events; want %d", st.Records, next, n)
			}
		})
	}
}
