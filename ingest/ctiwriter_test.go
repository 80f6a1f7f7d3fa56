package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
)

// TestCTIWriterRoundTrip writes a generated day as CTI text and reads it
// back with the default mapping: every event the writer wrote comes back as
// the same operation, and nothing else comes back.
func TestCTIWriterRoundTrip(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Fatal(err)
	}
	day := billing.Date{Year: 2026, Month: time.November, Day: 20}
	var text bytes.Buffer
	w := ingest.NewCTIWriter(&text, loc)
	var want []string
	gen := synth.Config{Agents: 40, Start: day, Days: 1, Location: loc, Seed: 11}
	err = synth.Generate(context.Background(), gen, func(e billing.Event) error {
		wrote, err := w.Write(&e)
		if wrote {
			want = append(want, expectedFromCTI(&e))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []string
	var rejects []string
	h := ingest.Handler{
		Event: func(e *billing.Event) error {
			got = append(got, key(e.Time, e.AgentID, e.OpType, e.OpCause, e.CallID))
			return nil
		},
		Reject: func(r ingest.Reject) error { rejects = append(rejects, r.Reason+": "+r.Raw); return nil },
		Skip:   func(string) {},
	}
	st, err := ingest.ReadCTI(context.Background(), &text, "gen.log", ingest.Options{Location: loc}, ingest.DefaultCTIMapping(), h)
	if err != nil {
		t.Fatal(err)
	}
	if len(rejects) > 0 {
		t.Fatalf("%d rejects, first: %s", len(rejects), rejects[0])
	}
	if len(want) < 2000 {
		t.Fatalf("only %d events written", len(want))
	}
	for i := range max(len(want), len(got)) {
		if i >= len(want) || i >= len(got) || want[i] != got[i] {
			t.Fatalf("event %d differs (wrote %d, read %d of %d records):\nwant %s\n got %s", i, len(want), len(got), st.Records, at(want, i), at(got, i))
		}
	}
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return xs[i]
	}
	return "(none)"
}

func key(t time.Time, agent string, op, cause int, call string) string {
	return fmt.Sprintf("%s %s op=%d cause=%d call=%s", t.UTC().Format(time.RFC3339Nano), agent, op, cause, call)
}

// expectedFromCTI is what the default mapping reads back for an event the
// writer wrote.
func expectedFromCTI(e *billing.Event) string {
	op, cause, call := e.OpType, e.OpCause, ""
	switch op {
	case billing.OpLogout:
		// 260..263 and 255 have no CTI reason code of their own: the
		// default mapping reads the writer's 32766 as 256.
		if (cause < 1 || cause > 254) && (cause < 256 || cause > 259) && cause != billing.CauseForcedLogin {
			cause = billing.CauseDisconnected
		}
	case billing.OpLogin, 5, billing.OpIdle, billing.OpEndWork:
		if op == billing.OpEndWork {
			op = billing.OpIdle
		}
		cause = billing.USNoUse
	case billing.OpBusy:
		switch cause {
		case 1, 2, 3, 5:
		default:
			cause = 1
		}
	case billing.OpWork:
		cause = 0
	case billing.OpConversation, billing.OpTextTalk:
		if op == billing.OpTextTalk || e.IsText() {
			op = billing.OpTextTalk
		} else {
			op = billing.OpConversation
		}
		cause, call = billing.USNoUse, e.CallID
	case billing.OpHold, 39, 58, 45:
		cause, call = billing.USNoUse, e.CallID
	}
	if op == billing.OpLogin || op == billing.OpLogout || op == billing.OpBusy || op == billing.OpRest || op == billing.OpWork || op == 5 || op == billing.OpIdle {
		call = ""
	}
	return key(e.Time, e.AgentID, op, cause, call)
}
