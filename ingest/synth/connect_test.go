package synth_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
)

// connectStream writes the generated events of cfg as a Connect stream, a
// record a line or (sep nil) concatenated, and returns it with the events.
func connectStream(t *testing.T, cfg synth.Config, sep []byte) ([]byte, []billing.Event) {
	t.Helper()
	var buf bytes.Buffer
	var events []billing.Event
	w := synth.NewConnectWriter()
	out := func(_ time.Time, rec []byte) error {
		buf.Write(rec)
		buf.Write(sep)
		return nil
	}
	err := synth.Generate(context.Background(), cfg, func(e billing.Event) error {
		events = append(events, e)
		return w.Write(&e, out)
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), events
}

// TestConnectRoundTrip writes a synthetic centre's events as Connect
// streams in both layouts, reads them back and bills them: nothing is
// rejected, both layouts give the same events, the stream holds what a real
// one does (heartbeats, holds, two chats at once, missed contacts, site
// statuses, records twice), no name reaches an event, and the sessions
// billed are those of the centre's own events.
func TestConnectRoundTrip(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Kathmandu")
	if err != nil {
		t.Fatal(err)
	}
	cfg := synth.Config{
		Agents: 40, Start: billing.Date{Year: 2026, Month: time.November, Day: 19}, Days: 2,
		Location: loc, Seed: 17, DupShare: 0.01,
	}
	lines, want := connectStream(t, cfg, []byte{'\n'})
	concatenated, _ := connectStream(t, cfg, nil)

	read := func(name string, data []byte) ([]billing.Event, map[string]int64, map[string]int64) {
		var events []billing.Event
		skipped, statuses := map[string]int64{}, map[string]int64{}
		st, err := ingest.Read(context.Background(), bytes.NewReader(data), name, ingest.FormatAuto, ingest.Options{Location: loc}, ingest.Handler{
			Event: func(e *billing.Event) error { events = append(events, *e); return nil },
			Reject: func(r ingest.Reject) error {
				t.Errorf("%s: reject %+v", name, r)
				return nil
			},
			Skip: func(kind string) { skipped[kind]++ },
			Note: func(kind, name string) { statuses[name]++ },
		})
		if err != nil {
			t.Fatal(err)
		}
		if st.Format != ingest.FormatConnect {
			t.Errorf("%s read as %q, want connect", name, st.Format)
		}
		if n := int64(len(events)) + skipped[ingest.ConnectSkipHeartbeat]; st.Records != n {
			t.Errorf("%s: %d records, %d events and skips", name, st.Records, n)
		}
		return events, skipped, statuses
	}
	got, skipped, statuses := read("connect.jsonl", lines)
	got2, _, _ := read("connect-2026-11-19-00", concatenated)
	if len(got) != len(got2) {
		t.Fatalf("lines give %d events, concatenated %d", len(got), len(got2))
	}
	for i := range got {
		a, b := got[i], got2[i]
		a.Source, b.Source = billing.Source{}, billing.Source{}
		if a != b {
			t.Fatalf("event %d: lines %+v, concatenated %+v", i, a, b)
		}
	}

	if skipped[ingest.ConnectSkipHeartbeat] == 0 {
		t.Error("no heartbeats")
	}
	for _, s := range []string{"Lunch", "Break"} {
		if statuses[s] == 0 {
			t.Errorf("no custom status %s among %v", s, statuses)
		}
	}
	ops := map[int]int{}
	second, missed, dups := 0, 0, 0
	for i, e := range got {
		ops[e.OpType]++
		if strings.HasSuffix(e.CallID, "-2") && e.OpType == billing.OpConversation {
			second++
		}
		if e.OpType == billing.OpBusy && e.OpCause == 2 {
			missed++
		}
		if i > 0 {
			prev, cur := got[i-1], e
			prev.Source, cur.Source = billing.Source{}, billing.Source{}
			if prev == cur {
				dups++
			}
		}
		if strings.ContainsAny(e.AgentID, " ") {
			t.Errorf("agent %q", e.AgentID)
		}
	}
	for _, op := range []int{billing.OpLogin, billing.OpLogout, billing.OpIdle, billing.OpBusy, 5, billing.OpRest, billing.OpWork, billing.OpHold, 39, billing.OpConversation} {
		if ops[op] == 0 {
			t.Errorf("no events of type %d: %v", op, ops)
		}
	}
	if second == 0 || missed == 0 || dups == 0 {
		t.Errorf("%d conversations of second chats, %d missed contacts, %d records twice; want some of each", second, missed, dups)
	}
	for _, name := range []string{`"FirstName"`, "Customer Care", "Billing Enquiries"} {
		if !bytes.Contains(lines, []byte(name)) {
			t.Errorf("the stream lacks %s", name)
		}
	}

	// The sessions billed from the stream are the centre's own: the same
	// agents log in and out at the same times, to the millisecond (Connect
	// gives every logout cause 258).
	bcfg := billing.DefaultConfig()
	bcfg.Location = loc
	first, last := cfg.Start, cfg.Start.AddDays(cfg.Days-1)
	sessions := func(events []billing.Event) map[string]int {
		events = append([]billing.Event(nil), events...)
		billing.SortEvents(events)
		res, err := billing.RunBatch(bcfg, events, first, last, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int{}
		for _, b := range res.Bills {
			if b.OpType == billing.OpLogout || b.OpType == billing.OpLogin {
				// Connect writes times to the millisecond.
				m[b.AgentID+" "+b.Begin.Truncate(time.Millisecond).String()+" "+b.End.Truncate(time.Millisecond).String()+" "+b.Flags.String()]++
			}
		}
		return m
	}
	ws, gs := sessions(want), sessions(got)
	if len(ws) == 0 || len(ws) != len(gs) {
		t.Fatalf("%d session bills from the events, %d from the stream", len(ws), len(gs))
	}
	for k := range ws {
		if gs[k] == 0 {
			t.Errorf("session %s not billed from the stream", k)
		}
	}
}
