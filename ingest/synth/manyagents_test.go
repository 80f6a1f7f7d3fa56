package synth_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
)

// TestManyAgentsReadBack generates a centre with more agents than op_object
// can number (65535 is US_NO_USE), writes the first hours of its day as
// events CSV and reads them back: every record is read, none is rejected.
func TestManyAgentsReadBack(t *testing.T) {
	if testing.Short() {
		t.Skip("generates some millions of events")
	}
	const agents = 70_000
	cfg := synth.Config{Agents: agents, Start: billing.Date{Year: 2026, Month: time.November, Day: 20}, Days: 1, Seed: 3}
	// The night and early shifts of a few hours hold rests, holds,
	// transfers and conferences enough: each names an agent as its object.
	until := time.Date(2026, time.November, 20, 7, 0, 0, 0, time.UTC)
	errEnough := errors.New("enough")

	pr, pw := io.Pipe()
	var written int64
	go func() {
		w := ingest.NewEventCSVWriter(pw)
		err := synth.Generate(context.Background(), cfg, func(e billing.Event) error {
			if !e.Time.Before(until) {
				return errEnough
			}
			written++
			return w.Write(e)
		})
		if errors.Is(err, errEnough) {
			err = nil
		}
		if err == nil {
			err = w.Flush()
		}
		pw.CloseWithError(err)
	}()

	var events int64
	objects := map[int]bool{}
	var rejects []ingest.Reject
	st, err := ingest.ReadCSV(context.Background(), pr, "events.csv", ingest.Options{}, ingest.Handler{
		Event: func(e *billing.Event) error {
			events++
			if e.OpObject != billing.USNoUse {
				objects[e.OpObject] = true
			}
			return nil
		},
		Reject: func(r ingest.Reject) error {
			if len(rejects) < 5 {
				rejects = append(rejects, r)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != written || events != written {
		t.Errorf("%d events of %d records read, %d written", events, st.Records, written)
	}
	for _, r := range rejects {
		t.Errorf("reject line %d: %s: %q", r.Line, r.Reason, r.Raw)
	}
	if len(objects) < 1000 {
		t.Errorf("only %d different objects in %d events: the test does not reach the agents it should", len(objects), written)
	}
	t.Logf("%d events, %d different objects", written, len(objects))
}
