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

// TestCSVRoundTrip writes generated records as events CSV, spoils the lines
// the records ask for, and reads the file back: every spoiled line is
// rejected, and every other line gives back its event.
func TestCSVRoundTrip(t *testing.T) {
	cfg := synth.Config{
		Agents: 30, Start: billing.Date{Year: 2024, Month: time.March, Day: 5}, Days: 1,
		Seed: 6, BadShare: 0.05, DupShare: 0.01,
	}
	var (
		file, rendered bytes.Buffer
		want           []billing.Event
		faults         = map[synth.Fault]int{}
	)
	w := ingest.NewEventCSVWriter(&rendered)
	err := synth.GenerateRecords(context.Background(), cfg, func(r synth.Record) error {
		if err := w.Write(r.Event); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
		// rendered holds the header too the first time: the record's own
		// line is the last one.
		out := rendered.Bytes()
		cut := bytes.LastIndexByte(out[:len(out)-1], '\n') + 1
		file.Write(out[:cut])
		line := string(out[cut : len(out)-1])
		rendered.Reset()
		faults[r.Fault]++
		if r.Fault != synth.FaultNone {
			line = synth.Damage(line, r.Event, r.Fault)
		} else {
			want = append(want, r.Event)
		}
		file.WriteString(line + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	var got []billing.Event
	var rejects []ingest.Reject
	_, err = ingest.ReadCSV(context.Background(), &file, "events.csv", ingest.Options{}, ingest.Handler{
		Event:  func(ev *billing.Event) error { got = append(got, *ev); return nil },
		Reject: func(r ingest.Reject) error { rejects = append(rejects, r); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if spoiled := sum(faults) - faults[synth.FaultNone]; len(rejects) != spoiled {
		t.Errorf("%d rejects for %d spoiled lines (%v)", len(rejects), spoiled, faults)
		for _, r := range rejects[:min(5, len(rejects))] {
			t.Logf("reject line %d: %s: %q", r.Line, r.Reason, r.Raw)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d events read, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		g.Source = billing.Source{}
		if g != w {
			t.Fatalf("event %d: read %+v, wrote %+v", i, g, w)
		}
	}
	reasons := map[string]int{}
	for _, r := range rejects {
		reason, _, _ := strings.Cut(r.Reason, ",")
		reasons[reason]++
	}
	t.Logf("faults %v; reject reasons %v", faults, reasons)
}

func sum(m map[synth.Fault]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
