package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/synth"
)

// BenchmarkRunDay bills one generated day of 1000 agents (about 260 events
// each) and reports events per second.
func BenchmarkRunDay(b *testing.B) {
	day := billing.Date{Year: 2026, Month: time.November, Day: 20}
	var events []billing.Event
	gen := synth.Config{Agents: 1000, Start: day, Days: 1, Seed: 1}
	if err := synth.Generate(context.Background(), gen, func(e billing.Event) error {
		events = append(events, e)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	cfg := billing.DefaultConfig()
	b.ReportAllocs()
	b.ResetTimer()
	var bills int64
	for i := 0; i < b.N; i++ {
		run, err := billing.NewRun(cfg, day, nil, func(*billing.Bill) { bills++ })
		if err != nil {
			b.Fatal(err)
		}
		for j := range events {
			if err := run.Apply(&events[j]); err != nil && err != billing.ErrLogoutWithoutSession {
				b.Fatal(err)
			}
		}
		run.Finish()
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(bills)/float64(b.N), "bills/day")
}
