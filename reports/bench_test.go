package reports

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// BenchmarkReport30Days500Agents runs the three built-in reports over a
// lake of 30 days of 500 agents (random shifts of conversations cut at
// five-minute marks, work, rests, busy spells and holds: about 3.2 million
// bills, some 210 an agent a day, as many as the demo's centre makes):
// over all 30 days, and over one day in the middle.
//
//	go test ./reports -run '^$' -bench Report30Days500Agents -benchtime 3x
func BenchmarkReport30Days500Agents(b *testing.B) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	first := billing.Date{Year: 2026, Month: time.March, Day: 1}
	rl := buildRandomLake(b, 42, loc, first, 30, 500, 8)
	b.Logf("%d bills, %d open rows on the last day", len(rl.bills), len(rl.lastOpen))
	ctx := context.Background()
	for _, bb := range []struct {
		name     string
		from, to billing.Date
	}{
		{"30 days", first, first.AddDays(30)},
		{"1 day", first.AddDays(15), first.AddDays(16)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				s, err := Open(ctx, Options{Lake: rl.dir, From: bb.from, To: bb.to, Location: loc})
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range BuiltIn() {
					if err := s.Run(ctx, r, FormatCSV, io.Discard); err != nil {
						b.Fatal(err)
					}
				}
				s.Close()
			}
		})
	}
}
