package reports

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
)

// TestCountRejects counts a lake's rejects by the agent each names, in
// every input format, over the days asked for only.
func TestCountRejects(t *testing.T) {
	dir := t.TempDir()
	inputs := t.TempDir()
	events := filepath.Join(inputs, "events.csv")
	if err := os.WriteFile(events, []byte("\ufeffop_type,time,agent_id\n99,2024-03-10 08:00:00,张三\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	zipped := filepath.Join(inputs, "events.csv.gz")
	f, err := os.Create(zipped)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte("time,agent_id,op_type\n2024-03-10 08:00:00,Zoë,99\n"))
	zw.Close()
	f.Close()
	loc := time.UTC
	write := func(day billing.Date, rejects []ingest.Reject) {
		l := &lake.Lake{Dir: dir, Location: loc}
		if err := l.WriteDay(context.Background(), day, nil, nil, rejects, lake.Manifest{}); err != nil {
			t.Fatal(err)
		}
	}
	write(day1, []ingest.Reject{
		{File: events, Line: 2, Raw: "99,2024-03-10 08:00:00,张三", Reason: "op_type"},
		{File: zipped, Line: 2, Raw: "2024-03-10 08:00:00,Zoë,99", Reason: "op_type"},
		{File: "a.jsonl", Line: 1, Raw: `{"time":"x","agent_id":"张三","op_type":1}`, Reason: "time"},
		{File: "connect.json", Line: 3, Raw: `{"EventType":"STATE_CHANGE","CurrentAgentSnapshot":{"Configuration":{"Username":"maria"}}}`, Reason: "no EventTimestamp"},
		{File: "connect.json", Line: 4, Raw: `{"EventType":"BOGUS","AgentARN":"arn:aws:connect:eu-west-1:1:instance/i/agent/ab12"}`, Reason: "unknown EventType"},
		{File: "cti.log", Line: 9, Raw: "MsgType:AGENT_STATE_EVENT AgentID: 1001 AgentState: 11", Reason: "unsupported agent state"},
		{File: "opr.csv", Line: 5, Raw: "1,d,a,7001,s,k,c,2024-03-10 08:00:00,2024-03-10 08:01:00,99,,,,,,,,,,,", Reason: "op_type"},
		{File: "gone.csv", Line: 2, Raw: "2024-03-10 08:00:00,ghost,99", Reason: "op_type"},
		{File: "x", Line: 1, Raw: "garbage", Reason: "bad"},
	})
	write(day2, []ingest.Reject{{File: "a.jsonl", Line: 1, Raw: `{"agent_id":"张三"}`, Reason: "time"}})

	got, err := CountRejects(context.Background(), dir, day1, day2)
	if err != nil {
		t.Fatal(err)
	}
	want := RejectCount{Total: 9, ByAgent: []AgentRejectCount{
		{"张三", 2}, {"1001", 1}, {"7001", 1}, {"Zoë", 1}, {"ab12", 1}, {"maria", 1},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	both, err := CountRejects(context.Background(), dir, day1, day2.Next())
	if err != nil {
		t.Fatal(err)
	}
	if both.Total != 10 || both.ByAgent[0] != (AgentRejectCount{"张三", 3}) {
		t.Errorf("two days: %+v", both)
	}
}
