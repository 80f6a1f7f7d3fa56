package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
)

// runCheck holds a day's run against what it read before the run replaces
// the day: a run that refused too many records as bad, or used nothing of
// a non-empty input (a wrong day's file, a wrong --format), more likely
// says the input is wrong than that the day was so.
type runCheck struct {
	maxRejectShare float64
	force          bool
	// inputRecords is the number of records the inputs held, of every day;
	// set for the first day run only.
	inputRecords int64
}

// RefusedRunError is a day run that looked wrong and was not committed.
type RefusedRunError struct {
	Day    billing.Date
	Reason string
	Kept   string // where the run's rejects were written, if anywhere
}

func (e *RefusedRunError) Error() string {
	msg := fmt.Sprintf("the run of %s was not committed: %s; the lake keeps %s as it was", e.Day, e.Reason, e.Day)
	if e.Kept != "" {
		msg += "; the refused records are in " + e.Kept
	}
	return msg + "; check the inputs (file, --date, --format), or give --force to commit such a run"
}

// verdict returns a *RefusedRunError when the counts of day's run look
// wrong, unless forced.
func (c runCheck) verdict(day billing.Date, n *lake.Counts) error {
	if c.force {
		return nil
	}
	used := n.Events + n.Duplicates + n.Imported
	if used == 0 && max(n.Records, c.inputRecords) > 0 {
		reason := fmt.Sprintf("it used no event of %d record(s) read", max(n.Records, c.inputRecords))
		if len(n.OtherDays) > 0 {
			reason += fmt.Sprintf(" (%d belong to other days: %s)", sumCounts(n.OtherDays), firstDays(n.OtherDays, 3))
		}
		if n.Skipped > 0 {
			reason += fmt.Sprintf(" (%d skipped as carrying no operation: is the format right?)", n.Skipped)
		}
		return &RefusedRunError{Day: day, Reason: reason}
	}
	if n.Records > 0 && float64(n.Rejects) > c.maxRejectShare*float64(n.Records) {
		return &RefusedRunError{Day: day, Reason: fmt.Sprintf("it refused %d of its %d records (%.1f %%), more than max_reject_share %.1f %%",
			n.Rejects, n.Records, 100*float64(n.Rejects)/float64(n.Records), 100*c.maxRejectShare)}
	}
	return nil
}

// firstDays names up to k of the days in m, in order.
func firstDays(m map[string]int64, k int) string {
	days := slices.Sorted(maps.Keys(m))
	parts := make([]string, 0, min(len(days), k)+1)
	for i, d := range days {
		if i == k {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s: %d", d, m[d]))
	}
	return strings.Join(parts, ", ")
}

// keepRefused writes the rejects of a refused run where an operator can
// read them, LAKE/refused/D.rejects.csv (file, line, reason, raw), and
// returns the refusal naming it.
func keepRefused(log *slog.Logger, lk *lake.Lake, day billing.Date, rejects []ingest.Reject, refusal error) error {
	e, ok := refusal.(*RefusedRunError)
	if !ok || len(rejects) == 0 {
		return refusal
	}
	var buf bytes.Buffer
	err := ingest.WriteRejectsCSV(&buf, rejects)
	p := lk.RefusedPath(day)
	if err == nil {
		err = lk.WriteRefused(context.Background(), day, buf.Bytes())
	}
	if err != nil {
		log.Warn("cannot keep the refused records", "file", p, "error", err)
		return refusal
	}
	e.Kept = p
	return e
}
