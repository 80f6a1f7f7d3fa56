package synth

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/agentbill/agentbill/billing"
)

func TestDamage(t *testing.T) {
	ev := billing.Event{
		Time:    time.Date(2024, 3, 5, 8, 1, 2, 345000, time.UTC),
		AgentID: "A0001", OpType: 60, OpObject: 65535, OpCause: 65535,
		Attrs: billing.Attrs{CallID: "C20240305-0001-0060", MediaType: "voice", SkillID: "101", PhoneNo: "80001"},
	}
	const (
		csv  = "2024-03-05T08:01:02.000345Z,A0001,60,65535,65535,C20240305-0001-0060,voice,101,80001"
		json = `{"time":"2024-03-05 16:01:02.000345","agent_id":"A0001","op_type":60,"op_object":65535,"call_id":"C20240305-0001-0060"}`
	)
	tests := []struct {
		name  string
		line  string
		fault Fault
		want  string
	}{
		{"csv none", csv, FaultNone, csv},
		{"csv time", csv, FaultTime, "2024-13-05T08:01:02.000345Z,A0001,60,65535,65535,C20240305-0001-0060,voice,101,80001"},
		{"csv op_type", csv, FaultOpType, "2024-03-05T08:01:02.000345Z,A0001,48,65535,65535,C20240305-0001-0060,voice,101,80001"},
		{"csv agent", csv, FaultAgent, "2024-03-05T08:01:02.000345Z,,60,65535,65535,C20240305-0001-0060,voice,101,80001"},
		{"csv utf8", csv, FaultUTF8, "2024-03-05T08:01:02.000345Z,A0001\xff,60,65535,65535,C20240305-0001-0060,voice,101,80001"},
		{"csv integer", csv, FaultInteger, "2024-03-05T08:01:02.000345Z,A0001,60x,65535,65535,C20240305-0001-0060,voice,101,80001"},
		{"json time", json, FaultTime, `{"time":"2024-13-05 16:01:02.000345","agent_id":"A0001","op_type":60,"op_object":65535,"call_id":"C20240305-0001-0060"}`},
		{"json op_type", json, FaultOpType, `{"time":"2024-03-05 16:01:02.000345","agent_id":"A0001","op_type":48,"op_object":65535,"call_id":"C20240305-0001-0060"}`},
		{"json agent", json, FaultAgent, `{"time":"2024-03-05 16:01:02.000345","agent_id":"","op_type":60,"op_object":65535,"call_id":"C20240305-0001-0060"}`},
		{"json integer", json, FaultInteger, `{"time":"2024-03-05 16:01:02.000345","agent_id":"A0001","op_type":60x,"op_object":65535,"call_id":"C20240305-0001-0060"}`},
		{"op_type before agent", "60,2024-03-05 08:00:00,A0001", FaultOpType, "60,2024-03-05 08:00:00,A0001\xff"},
		{"op_type not found", "2024-03-05 08:00:00,A0001,x", FaultOpType, "2024-03-05 08:00:00,A0001\xff,x"},
		{"no date", "A0001,60", FaultTime, "A0001\xff,60"},
		{"no agent", "2024-03-05 08:00:00,,60", FaultAgent, "2024-03-05 \xff08:00:00,,60"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Damage(tt.line, ev, tt.fault)
			if got != tt.want {
				t.Errorf("Damage(%v)\n got %q\nwant %q", tt.fault, got, tt.want)
			}
			if tt.fault != FaultNone && got == tt.line {
				t.Errorf("line unchanged")
			}
			if tt.fault == FaultUTF8 && utf8.ValidString(got) {
				t.Errorf("still valid UTF-8")
			}
		})
	}
}

func TestFaultString(t *testing.T) {
	if FaultOpType.String() != "op_type" || Fault(99).String() != "fault(99)" {
		t.Errorf("got %v, %v", FaultOpType, Fault(99))
	}
}
