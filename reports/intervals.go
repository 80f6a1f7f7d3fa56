package reports

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// DefaultIntervalMinutes is the interval report's length when none is set.
const DefaultIntervalMinutes = 30

// IntervalMinutes are the lengths the interval report takes: each divides
// an hour, so the intervals of a day line up with the clock's hours.
var IntervalMinutes = []int{5, 10, 15, 20, 30, 60}

// Interval is one site-clock interval of a report day, its bounds as UTC
// instants.
type Interval struct {
	Day billing.Date
	// Local is its start on the site's wall clock, "YYYY-MM-DD hh:mm".
	Local string
	// [Start, End): End is the next interval's Start (or the day's end).
	Start, End time.Time
}

// Intervals lists the site-clock intervals of minutes of each day: one per
// wall-clock start 00:00, 00:mm, … that the day has. A wall time the clock
// shows twice (the fall-back hour) starts two intervals, one it skips
// (spring forward) none; an interval ends where the next begins, so one
// that holds a clock change is longer or shorter than minutes.
func Intervals(days []Day, minutes int, loc *time.Location) []Interval {
	var list []Interval
	for _, d := range days {
		var starts []time.Time
		for m := 0; m < 24*60; m += minutes {
			starts = append(starts, wallInstants(d.Day, m, loc)...)
		}
		slices.SortFunc(starts, time.Time.Compare)
		starts = slices.CompactFunc(starts, time.Time.Equal)
		for i, s := range starts {
			end := d.End
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			if !s.Before(end) || s.Before(d.Start) {
				continue
			}
			list = append(list, Interval{Day: d.Day, Local: s.In(loc).Format("2006-01-02 15:04"), Start: s, End: end})
		}
	}
	return list
}

// wallInstants returns the instants whose wall clock in loc reads day at
// minute m after midnight: none, one, or two (in the hour the clock
// repeats).
func wallInstants(day billing.Date, m int, loc *time.Location) []time.Time {
	naive := time.Date(day.Year, day.Month, day.Day, m/60, m%60, 0, 0, time.UTC)
	// The offsets in force around that time: before and after any change.
	var offsets []int
	for _, probe := range []time.Duration{-26 * time.Hour, -13 * time.Hour, 0, 13 * time.Hour, 26 * time.Hour} {
		_, off := naive.Add(probe).In(loc).Zone()
		if !slices.Contains(offsets, off) {
			offsets = append(offsets, off)
		}
	}
	var out []time.Time
	for _, off := range offsets {
		t := naive.Add(-time.Duration(off) * time.Second)
		local := t.In(loc)
		if y, mo, dd := local.Date(); y == day.Year && mo == day.Month && dd == day.Day &&
			local.Hour()*60+local.Minute() == m && local.Second() == 0 {
			out = append(out, t)
		}
	}
	return out
}

// Statements that set up report_intervals; rows go in batches.
const (
	createIntervals    = `CREATE OR REPLACE TEMP TABLE report_intervals (day DATE, interval_start_local VARCHAR, start TIMESTAMP, "end" TIMESTAMP)`
	insertIntervalsRow = `(CAST(? AS DATE), ?, ?, ?)`
	intervalBatch      = 500
)

// setUpIntervals creates report_intervals on conn and fills it.
func setUpIntervals(ctx context.Context, conn *sql.Conn, list []Interval) error {
	if _, err := conn.ExecContext(ctx, createIntervals); err != nil {
		return err
	}
	for lo := 0; lo < len(list); lo += intervalBatch {
		batch := list[lo:min(lo+intervalBatch, len(list))]
		rows := make([]string, len(batch))
		args := make([]any, 0, 4*len(batch))
		for i, iv := range batch {
			rows[i] = insertIntervalsRow
			args = append(args, iv.Day.String(), iv.Local, iv.Start.UTC(), iv.End.UTC())
		}
		q := `INSERT INTO report_intervals VALUES ` + strings.Join(rows, ", ")
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// checkIntervalMinutes refuses a length the interval report does not take.
func checkIntervalMinutes(minutes int) error {
	if !slices.Contains(IntervalMinutes, minutes) {
		return fmt.Errorf("interval of %d minutes: the interval report takes %v", minutes, IntervalMinutes)
	}
	return nil
}
