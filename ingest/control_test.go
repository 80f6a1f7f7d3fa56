package ingest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/agentbill/agentbill/billing"
)

// readAll reads input with Read in the given format and collects every
// event, bill and reject, checking that each record is one of them.
func readAll(t *testing.T, input string, name string, format Format) (events []billing.Event, bills []billing.Bill, rejects []Reject) {
	t.Helper()
	skips := 0
	st, err := Read(context.Background(), strings.NewReader(input), name, format, Options{}, Handler{
		Event:  func(e *billing.Event) error { events = append(events, *e); return nil },
		Bill:   func(b billing.Bill) error { bills = append(bills, b); return nil },
		Reject: func(r Reject) error { rejects = append(rejects, r); return nil },
		Skip:   func(string) { skips++ },
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if n := int64(len(events) + len(bills) + len(rejects) + skips); n != st.Records {
		t.Errorf("%d events, bills, rejects and skips for %d records", n, st.Records)
	}
	return events, bills, rejects
}

// aoiRecord is an agentOprInfo record with agent_id agent and call_id call.
func aoiRecord(id, agent, call string) string {
	return id + ",700,acc01," + agent + ",svc9,12," + call + ",2026-11-20 09:00:14,2026-11-20 09:05:00,60,65535,1,5,1,1,4,88880001,1,0,1763629200000,7"
}

// ctiLogin is a CTI agent state message of agent on extension ext.
func ctiLogin(at, agent, ext string) string {
	return "2026-11-20 " + at + " MsgType: AGENT_STATE_EVENT AgentState: LOGIN EventReasonCode: 0 AgentID: " + agent + " AgentExtension: " + ext
}

// TestControlCharacters checks that every reader rejects a record whose
// identifiers hold a control character, naming the field, and reads the
// same record without it.
func TestControlCharacters(t *testing.T) {
	const csvHeader = "time,agent_id,op_type,call_id,skill_id,phone_no,location_id\n"
	tests := []struct {
		name   string
		format Format
		input  string
		// The reason of each record in order, "" for one read.
		want []string
	}{
		{"csv", FormatCSV, csvHeader +
			"2026-11-20T09:00:00Z,1001,1,c1,s1,555,L1\n" +
			"2026-11-20T09:00:01Z,10\x0001,1,c1,s1,555,L1\n" +
			"2026-11-20T09:00:02Z,1001\x00,1,c1,s1,555,L1\n" +
			"2026-11-20T09:00:03Z,10\t01,1,c1,s1,555,L1\n" +
			"2026-11-20T09:00:04Z,\t1001\t,1,\tc1,s1 , 555,L1\n" +
			"2026-11-20T09:00:05Z,1001,1,c\x7f1,s1,555,L1\n" +
			"2026-11-20T09:00:06Z,1001,1,c1,s\u00851,555,L1\n" +
			"2026-11-20T09:00:07Z,1001,1,c1,s1,555,\"L\x1b1\"\n" +
			"2026-11-20T09:00:08Z,1001,1,c1,s1,\x01555,L1\n" +
			"2026-11-20T09:00:09Z,1001,1,c1,s1\u00a0,555,L1\n" +
			"x\x00,1001,1,c1,s1,555,L1\n",
			[]string{
				"",
				"agent_id: control character U+0000",
				"agent_id: control character U+0000",
				"agent_id: control character U+0009",
				"",
				"call_id: control character U+007F",
				"skill_id: control character U+0085",
				"location_id: control character U+001B",
				"phone_no: control character U+0001",
				"",
				`time: want RFC 3339 with offset or YYYY-MM-DD hh:mm:ss[.fraction], got "x\x00"`,
			}},
		{"jsonl", FormatJSONL,
			`{"time":"2026-11-20T09:00:00Z","agent_id":"1001","op_type":1}` + "\n" +
				`{"time":"2026-11-20T09:00:01Z","agent_id":"10\u000001","op_type":1}` + "\n" +
				`{"time":"2026-11-20T09:00:02Z","agent_id":"1001","op_type":1,"call_id":"c\t1"}` + "\n" +
				`{"time":"2026-11-20T09:00:03Z","agent_id":"1001","op_type":1,"vdn_id":"v` + "\x7f" + `"}` + "\n" +
				`{"time":"2026-11-20T09:00:04Z","agent_id":"1001","op_type":1,"cc_id":"c\u0085"}` + "\n" +
				`{"time":"2026-11-20T09:00:05Z","agent_id":"10` + "\x00" + `01","op_type":1}` + "\n" +
				`{"time":"2026-11-20T09:00:06Z","agent_id":"1001","op_type":1,"agent_type":"4","media_type":"voice\u0000"}` + "\n" +
				"\t" + `{"time":"2026-11-20T09:00:07Z","agent_id":"1001","op_type":1,"call_in_out":"\u00e9"}` + "\n" +
				`{"time":"` + "\t" + `2026-11-20T09:00:08Z","agent_id":"1001","op_type":1}` + "\n" +
				`{"time":"2026-11-20T09:00:09Z","agent_id":"10` + "\t" + `01","op_type":1}` + "\n" +
				`{"time":"2026-11-20T09:00:10Z","agent_id":"1001` + "\x01" + `","op_type":1,"x":1}` + "\n" +
				`{"time":"2026-11-20T09:00:11Z",` + "\t" + `"agent_id":"\"1001` + "\x00" + `","op_type":1}` + "\n" +
				"\xff" + `{"time":"2026-11-20T09:00:12Z","agent_id":"1001","op_type":1}` + "\n",
			[]string{
				"",
				"agent_id: control character U+0000",
				"call_id: control character U+0009",
				"vdn_id: control character U+007F",
				"cc_id: control character U+0085",
				"agent_id: control character U+0000",
				"media_type: control character U+0000",
				"",
				`invalid JSON: invalid character '\t' in string literal`,
				"agent_id: control character U+0009",
				`invalid JSON: invalid character '\x01' in string literal`,
				"agent_id: control character U+0000",
				"invalid UTF-8",
			}},
		{"agentoprinfo", FormatAgentOprInfo,
			aoiRecord("1", "chli4020", "168") + "\n" +
				aoiRecord("2", "chli\x004020", "168") + "\n" +
				aoiRecord("3", "chli4020\t", "168") + "\n" +
				aoiRecord("4", "chli4020", "\"16\r8\"") + "\n" +
				aoiRecord("5\x7f", "chli4020", "168") + "\n" +
				aoiRecord("6", "chli4020", "1\u00868") + "\n",
			[]string{
				"",
				"agent_id: control character U+0000",
				"agent_id: control character U+0009",
				"call_id: control character U+000D",
				"id: control character U+007F",
				"call_id: control character U+0086",
			}},
		{"cti", FormatCTI,
			ctiLogin("09:00:00", "ann", "6001") + "\n" +
				ctiLogin("09:00:01", "a\x00nn", "6001") + "\n" +
				ctiLogin("09:00:02", "an\tn", "6001") + "\n" +
				ctiLogin("09:00:03", "ann", "60\x0001") + "\n" +
				"2026-11-20 09:00:04 MsgType: CALL_HELD_EVENT ConnectionCallID: 9\x0000 HoldingDeviceID: 6001 ConnectionDeviceID: 6001\n" +
				"2026-11-20 09:00:05 MsgType: CALL_HELD_EVENT ConnectionCallID: 900 HoldingDeviceID: 6001 ConnectionDeviceID: 6001\n" +
				ctiLogin("09:00:06", "ann\u009f", "6001") + "\n" +
				ctiLogin("09:00:07", "\tann\t", "6001") + "\n",
			[]string{
				"",
				"AgentID: control character U+0000",
				"AgentID: control character U+0009",
				"AgentExtension: control character U+0000",
				"ConnectionCallID: control character U+0000",
				"",
				"AgentID: control character U+009F",
				"",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, bills, rejects := readAll(t, tt.input, "in", tt.format)
			lines := strings.Split(strings.TrimSuffix(tt.input, "\n"), "\n")
			first := int64(1)
			if tt.format == FormatCSV {
				first = 2 // after the header
			}
			got := map[int64]string{}
			for _, r := range rejects {
				got[r.Line] = r.Reason
				if raw := strings.ToValidUTF8(lines[r.Line-1], "\uFFFD"); r.File != "in" || r.Raw != raw {
					t.Errorf("reject %+v: want file in, raw %q", r, raw)
				}
			}
			read := 0
			for i, want := range tt.want {
				no := first + int64(i)
				if got[no] != want {
					t.Errorf("line %d: reason %q, want %q", no, got[no], want)
				}
				if want == "" {
					read++
				}
			}
			if n := len(events) + len(bills); n != read {
				t.Errorf("%d events and bills, want %d", n, read)
			}
			for _, e := range events {
				if e.AgentID != "1001" && e.AgentID != "ann" {
					t.Errorf("event of agent %q", e.AgentID)
				}
			}
			for _, b := range bills {
				if b.AgentID != "chli4020" {
					t.Errorf("bill of agent %q", b.AgentID)
				}
			}
		})
	}
}

// TestBuildControlError checks that the events readers' error wraps
// ErrControlChar.
func TestBuildControlError(t *testing.T) {
	b := newEventBuilder("in", Options{})
	var rec evRecord
	rec[fTime], rec[fAgentID], rec[fOpType] = []byte("2026-11-20T09:00:00Z"), []byte("a\x00"), []byte("1")
	var ev billing.Event
	err := b.build(&rec, 1, &ev, true)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "agent_id" || !errors.Is(err, ErrControlChar) {
		t.Errorf("error %v, want agent_id wrapping ErrControlChar", err)
	}
}

// controlRef is controlIn done the slow way, on runes.
func controlRef(v []byte) (rune, bool) {
	for _, r := range string(v) {
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			return r, true
		}
	}
	return 0, false
}

func TestControlIn(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "1", ",", " ", "\t", "\x00", "\x1f", "\x7f", "\u0080", "\u009f", "\u00a0", "é", "£", "\u2028", "€", "\U0001F600"}
	for range 20000 {
		var b bytes.Buffer
		for range rng.IntN(40) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		v := b.Bytes()
		r, ok := controlIn(v)
		wr, wok := controlRef(v)
		if r != wr || ok != wok {
			t.Fatalf("controlIn(%q) = %U %v, want %U %v", v, r, ok, wr, wok)
		}
		if ok && !mayHoldControl(v) {
			t.Fatalf("mayHoldControl(%q) = false, but it holds %U", v, r)
		}
		if !ok && !bytes.ContainsAny(v, "\t\u00a0£\u0080\u009f") && mayHoldControl(v) {
			t.Fatalf("mayHoldControl(%q) = true", v)
		}
		var sp csvSplitter
		if _, ctl := sp.splitPlain(v); ctl != mayHoldControl(v) {
			t.Fatalf("splitPlain(%q) says %v, mayHoldControl %v", v, ctl, !ctl)
		}
	}
}

// hasControlString reports whether any of ss holds a control character.
func hasControlString(ss ...string) bool {
	for _, s := range ss {
		if _, ok := controlRef([]byte(s)); ok {
			return true
		}
	}
	return false
}
