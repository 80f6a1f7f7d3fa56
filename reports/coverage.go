package reports

import (
	"context"
	"fmt"
	"strings"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// Hole is a day of a report's period that the lake does not hold whole: it
// has no run (missing), its files are not those its manifest names
// (broken), or it was built on a state of the day before that the lake no
// longer holds (stale). A report over it counts what the lake holds, which
// is not what happened.
type Hole struct {
	Day    billing.Date
	State  lake.State // lake.StateMissing, lake.StateBroken or lake.StateStale
	Reason string
}

// Repair is the command that makes the day whole: ingest it again, and for
// a stale day the stale days after it too.
func (h Hole) Repair() string {
	if h.State == lake.StateStale {
		return "agentbill ingest --date " + h.Day.String() + " --cascade"
	}
	return "agentbill ingest --date " + h.Day.String()
}

// String is the day, its state, why and the repair, on one line.
func (h Hole) String() string {
	return fmt.Sprintf("%s %s: %s; repair: %s", h.Day, h.State, h.Reason, h.Repair())
}

// HoleDays names the days of holes with their states, for a log line or a
// warning: "2026-03-10 missing, 2026-03-12 stale".
func HoleDays(holes []Hole) string {
	parts := make([]string, len(holes))
	for i, h := range holes {
		parts[i] = h.Day.String() + " " + string(h.State)
	}
	return strings.Join(parts, ", ")
}

// Holes returns, in day order, the days of [from, to) that the lake in dir
// does not hold whole. Days are checked as agentbill status checks them,
// but by the sizes and row counts of their files rather than their
// SHA-256, so that a month is checked in moments (lake.VerifyOptions
// Quick). A gap day, one that started from nothing because the day before
// has no run, is no hole by itself; a day of the period with no run is. A
// commit that a stopped run left half done is finished first, as OpenLake
// does.
func Holes(ctx context.Context, dir string, from, to billing.Date) ([]Hole, error) {
	if !from.Before(to) {
		return nil, fmt.Errorf("period from %s to %s: the first day must come before the end (which is not included)", from, to)
	}
	var days []billing.Date
	for d := from; d.Before(to); d = d.Next() {
		days = append(days, d)
	}
	l := &lake.Lake{Dir: dir}
	// A reader that may not write, or finds the lock held, reads the lake
	// as it is: the day being committed then shows as broken.
	l.RollForward()
	found, err := l.Verify(ctx, lake.VerifyOptions{Days: days, Quick: true})
	if err != nil {
		return nil, fmt.Errorf("check the lake %s: %w", dir, err)
	}
	var holes []Hole
	for _, r := range found {
		switch r.State {
		case lake.StateMissing, lake.StateBroken, lake.StateStale:
			holes = append(holes, Hole{Day: r.Day, State: r.State, Reason: r.Reason})
		}
	}
	return holes, nil
}

// IncompleteError is returned for a period the lake does not hold whole.
type IncompleteError struct {
	From, To billing.Date // the period [From, To)
	Holes    []Hole
}

// Error names the period and, one line each, the days that are not whole,
// why, and the command that repairs each.
func (e *IncompleteError) Error() string {
	var b strings.Builder
	days := "days"
	if len(e.Holes) == 1 {
		days = "day"
	}
	fmt.Fprintf(&b, "the lake does not hold %s whole: %d %s missing, broken or stale", PeriodName(e.From, e.To), len(e.Holes), days)
	for _, h := range e.Holes {
		b.WriteString("\n  " + h.String())
	}
	return b.String()
}

// PeriodName names the days [from, to) for people: "2026-03-10", or
// "2026-03-09 to 2026-03-15" with the last day included.
func PeriodName(from, to billing.Date) string {
	last := to.AddDays(-1)
	if last == from {
		return from.String()
	}
	return from.String() + " to " + last.String()
}
