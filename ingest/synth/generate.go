package synth

import (
	"context"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// Record is one generated event as a writer receives it.
type Record struct {
	billing.Event
	// Fault, when not FaultNone, asks the writer to spoil the line it
	// renders for this record with Damage.
	Fault Fault
}

// Generate calls emit with every event of every day of cfg in time order,
// the same events for the same Config. Events at the same instant come in
// agent order, and an agent's own events are strictly ordered. A duplicate
// (DupShare) follows its original at once. Generate gives no faults; a
// writer that honours BadShare uses GenerateRecords. It stops at the first
// error of emit, or when ctx is done, and returns that error.
func Generate(ctx context.Context, cfg Config, emit func(billing.Event) error) error {
	return GenerateRecords(ctx, cfg, func(r Record) error { return emit(r.Event) })
}

// gen holds what every agent of a run shares.
type gen struct {
	seed               uint64
	start              billing.Date
	days               int
	agents             int
	idWidth            int
	rotShift, rotText  int
	dupShare, badShare float64
	loc                *time.Location
}

// GenerateRecords is Generate with each record's fault (BadShare) for the
// writer.
func GenerateRecords(ctx context.Context, cfg Config, emit func(Record) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	loc := cfg.location()
	g := &gen{
		seed:     uint64(cfg.Seed),
		start:    cfg.Start,
		days:     cfg.Days,
		agents:   cfg.Agents,
		idWidth:  max(4, len(pad(int64(workID(cfg.Agents-1)), 0))),
		dupShare: cfg.DupShare,
		badShare: cfg.BadShare,
		loc:      loc,
	}
	rot := mix(g.seed, 0x726f7461, 0)
	g.rotShift = int(rot % uint64(len(shiftRota)))
	g.rotText = int((rot >> 32) % uint64(len(textRota)))
	first, _ := cfg.Start.Bounds(loc)
	_, last := cfg.Start.AddDays(cfg.Days - 1).Bounds(loc)
	return newMerge(g, first.UnixMicro(), last.UnixMicro()).run(ctx, emit)
}
