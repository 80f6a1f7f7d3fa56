package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/agentbill/agentbill/ingest/lake"
)

// The values of status --format and check --format.
const (
	formatText = "text"
	formatJSON = "json"
)

var dayFormats = []string{formatText, formatJSON}

// checkDayFormat refuses a --format that status and check do not write.
func checkDayFormat(format string) error {
	if !slices.Contains(dayFormats, format) {
		return usageErrorf("--format %q: want %s", format, strings.Join(dayFormats, " or "))
	}
	return nil
}

// dayJSON is one day of the lake as status --format json and check
// --format json write it. The field names are stable: scripts and
// monitoring read them (README, "For scripts and monitoring").
type dayJSON struct {
	Date  string `json:"date"`  // YYYY-MM-DD, the site-zone day
	State string `json:"state"` // ok, stale, broken or gap
	// OK is true when the day has no problem and is not stale: check
	// fails on any day where it is false.
	OK       bool     `json:"ok"`
	Reason   string   `json:"reason"`   // why the state is not ok; "" when it is
	Problems []string `json:"problems"` // failures, one sentence each
	Notes    []string `json:"notes"`    // worth knowing, no failure
	// Repair is the command that repairs the day; "" when there is nothing
	// to repair.
	Repair string `json:"repair"`
	// Of the day's run, from its manifest; null when it has none.
	Bills    *int64 `json:"bills"`
	Rejects  *int64 `json:"rejects"`
	OpenRows *int64 `json:"open_rows"`
	Finished string `json:"finished"` // RFC 3339 on the site clock; "" when unknown
	Version  string `json:"version"`  // the agentbill that ran it
}

// newDayJSON describes r; repairStale is the day whose ingest with
// --cascade repairs r when it is stale.
func newDayJSON(r lake.DayReport, loc *time.Location, repairStale string) dayJSON {
	d := dayJSON{
		Date:     r.Day.String(),
		State:    string(r.State),
		Reason:   r.Reason,
		Problems: append([]string{}, r.Problems...),
		Notes:    append([]string{}, r.Notes...),
	}
	d.OK = len(r.Problems) == 0 && r.State != lake.StateStale
	switch r.State {
	case lake.StateStale:
		d.Repair = "agentbill ingest --date " + repairStale + " --cascade"
	case lake.StateBroken:
		d.Repair = "agentbill ingest --date " + r.Day.String()
	}
	if m := r.Manifest; m != nil {
		d.Bills, d.Rejects, d.OpenRows = &m.Counts.Bills, &m.Counts.Rejects, &m.Counts.OpenRows
		if !m.Finished.IsZero() {
			d.Finished = m.Finished.In(loc).Format(time.RFC3339)
		}
		d.Version = m.Version
	}
	return d
}

// writeDaysJSON writes days as one JSON array, a day an element.
func writeDaysJSON(w io.Writer, days []dayJSON) error {
	if days == nil {
		days = []dayJSON{}
	}
	data, err := json.MarshalIndent(days, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}
