package mail

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The rows of a report that sum over agents have this agent_id.
const totalAgent = "TOTAL"

// Occupancy is one agent's time over a report's days, or all agents'.
type Occupancy struct {
	Agent string
	// Seconds over the days of the report.
	LoggedIn, Talk, Work, Available float64
	// Rest and Busy are the seconds of rest (type 26) and busy (type 3);
	// 0 when the report has no such columns.
	Rest, Busy float64
	// Value is (talk + work) / (talk + work + available).
	Value float64
	// Known is false when talk + work + available is 0.
	Known bool
}

func (o *Occupancy) compute() {
	den := o.Talk + o.Work + o.Available
	o.Known = den > 0
	o.Value = 0
	if o.Known {
		o.Value = (o.Talk + o.Work) / den
	}
}

// RestShare is the share of logged-in time spent resting, 0..1; 0 when
// there was no logged-in time.
func (o Occupancy) RestShare() float64 {
	if o.LoggedIn <= 0 {
		return 0
	}
	return o.Rest / o.LoggedIn
}

// Reason is a rest or busy reason summed over a report's agents and days.
type Reason struct {
	Kind    string // rest or busy
	Code    int
	Label   string
	Count   int64
	Seconds float64
	Share   float64 // of logged-in time
}

// LogoutCause is a logout cause summed over a report's agents and days.
type LogoutCause struct {
	Code     int
	Label    string
	Category string
	Count    int64
	Agents   int64
}

// AgentLogouts are the logouts of one agent that a supervisor looks into:
// forced (causes 257 and 264) and system (256, 260..263).
type AgentLogouts struct {
	Agent          string
	Forced, System int64
}

// Total is the agent's forced and system logouts.
func (a AgentLogouts) Total() int64 { return a.Forced + a.System }

// table is a CSV report read whole, with its columns by name.
type table struct {
	cols map[string]int
	rows [][]string
}

// readTable reads a report's CSV and checks that it has the columns need.
func readTable(r io.Reader, need ...string) (*table, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty report")
	}
	if err != nil {
		return nil, err
	}
	if len(header) > 0 {
		// A CSV written for spreadsheets opens with a byte-order mark.
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	t := &table{cols: map[string]int{}}
	for i, name := range header {
		t.cols[name] = i
	}
	for _, name := range need {
		if _, ok := t.cols[name]; !ok {
			return nil, fmt.Errorf("report has no column %s", name)
		}
	}
	t.rows, err = cr.ReadAll()
	return t, err
}

func (t *table) str(row []string, col string) string { return row[t.cols[col]] }

// has reports whether the table has the column.
func (t *table) has(col string) bool {
	_, ok := t.cols[col]
	return ok
}

// text reads a text column as people read it: without the quote that the
// report put before text a spreadsheet would take for a formula.
func (t *table) text(row []string, col string) string {
	s := t.str(row, col)
	if len(s) > 1 && s[0] == '\'' && strings.IndexByte("=+-@", s[1]) >= 0 {
		return s[1:]
	}
	return s
}

// num reads a number column; empty is 0.
func (t *table) num(row []string, col string) (float64, error) {
	s := t.str(row, col)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %q is not a number", col, s)
	}
	return v, nil
}

// whole reads an integer column; empty is 0.
func (t *table) whole(row []string, col string) (int64, error) {
	v, err := t.num(row, col)
	return int64(v), err
}

// ReadOccupancy reads an occupancy report: each agent's time summed over
// the report's days, by occupancy (highest first, agents with none last,
// then by agent), and all agents' (the report's whole-period TOTAL row).
// An agent's whole-period row (date empty) repeats the sum of its days and
// is skipped.
func ReadOccupancy(r io.Reader) (agents []Occupancy, total Occupancy, err error) {
	t, err := readTable(r, "agent_id", "date", "logged_in_s", "talk_s", "work_s", "available_s")
	if err != nil {
		return nil, total, fmt.Errorf("occupancy: %w", err)
	}
	byAgent := map[string]*Occupancy{}
	var sum Occupancy
	total.Agent = totalAgent
	foundTotal := false
	for i, row := range t.rows {
		var o Occupancy
		o.Agent = t.str(row, "agent_id")
		for col, dst := range map[string]*float64{"logged_in_s": &o.LoggedIn, "talk_s": &o.Talk, "work_s": &o.Work, "available_s": &o.Available, "rest_s": &o.Rest, "busy_s": &o.Busy} {
			if !t.has(col) {
				continue
			}
			if *dst, err = t.num(row, col); err != nil {
				return nil, total, fmt.Errorf("occupancy row %d: %w", i+2, err)
			}
		}
		switch {
		case o.Agent == totalAgent && t.str(row, "date") == "":
			total, foundTotal = o, true
		case o.Agent == totalAgent, t.str(row, "date") == "":
		default:
			a := byAgent[o.Agent]
			if a == nil {
				a = &Occupancy{Agent: o.Agent}
				byAgent[o.Agent] = a
			}
			a.LoggedIn += o.LoggedIn
			a.Talk += o.Talk
			a.Work += o.Work
			a.Available += o.Available
			a.Rest += o.Rest
			a.Busy += o.Busy
			sum.LoggedIn += o.LoggedIn
			sum.Talk += o.Talk
			sum.Work += o.Work
			sum.Available += o.Available
			sum.Rest += o.Rest
			sum.Busy += o.Busy
		}
	}
	if !foundTotal {
		total = sum
		total.Agent = totalAgent
	}
	total.compute()
	for _, a := range byAgent {
		a.compute()
		agents = append(agents, *a)
	}
	slices.SortFunc(agents, func(a, b Occupancy) int {
		if a.Known != b.Known {
			if a.Known {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.Value, a.Value), strings.Compare(a.Agent, b.Agent))
	})
	return agents, total, nil
}

// ReadRestReasons reads a rest_reasons report: its whole-period TOTAL rows,
// longest total time first.
func ReadRestReasons(r io.Reader) ([]Reason, error) {
	t, err := readTable(r, "agent_id", "date", "kind", "op_cause", "label", "count", "total_s", "share")
	if err != nil {
		return nil, fmt.Errorf("rest_reasons: %w", err)
	}
	var out []Reason
	for i, row := range t.rows {
		if t.str(row, "agent_id") != totalAgent || t.str(row, "date") != "" {
			continue
		}
		rr := Reason{Kind: t.str(row, "kind"), Label: t.text(row, "label")}
		code, err1 := t.whole(row, "op_cause")
		count, err2 := t.whole(row, "count")
		secs, err3 := t.num(row, "total_s")
		share, err4 := t.num(row, "share")
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, fmt.Errorf("rest_reasons row %d: %w", i+2, err)
		}
		rr.Code, rr.Count, rr.Seconds, rr.Share = int(code), count, secs, share
		out = append(out, rr)
	}
	slices.SortFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(b.Seconds, a.Seconds), strings.Compare(a.Kind, b.Kind), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}

// ReadLogoutCauses reads a logout_causes report: its whole-period TOTAL
// rows, most frequent first.
func ReadLogoutCauses(r io.Reader) ([]LogoutCause, error) {
	causes, _, err := readLogouts(r)
	return causes, err
}

// readLogouts reads a logout_causes report: its whole-period TOTAL rows,
// most frequent first, and the agents with forced or system logouts,
// summed over their days, most first.
func readLogouts(r io.Reader) ([]LogoutCause, []AgentLogouts, error) {
	t, err := readTable(r, "agent_id", "date", "op_cause", "label", "category", "count", "agents")
	if err != nil {
		return nil, nil, fmt.Errorf("logout_causes: %w", err)
	}
	var out []LogoutCause
	byAgent := map[string]*AgentLogouts{}
	for i, row := range t.rows {
		agent, date, category := t.str(row, "agent_id"), t.str(row, "date"), t.str(row, "category")
		if agent != totalAgent && date != "" && (category == "forced" || category == "system") {
			count, err := t.whole(row, "count")
			if err != nil {
				return nil, nil, fmt.Errorf("logout_causes row %d: %w", i+2, err)
			}
			a := byAgent[agent]
			if a == nil {
				a = &AgentLogouts{Agent: agent}
				byAgent[agent] = a
			}
			if category == "forced" {
				a.Forced += count
			} else {
				a.System += count
			}
			continue
		}
		if agent != totalAgent || date != "" {
			continue
		}
		lc := LogoutCause{Label: t.text(row, "label"), Category: category}
		code, err1 := t.whole(row, "op_cause")
		count, err2 := t.whole(row, "count")
		agents, err3 := t.whole(row, "agents")
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, nil, fmt.Errorf("logout_causes row %d: %w", i+2, err)
		}
		lc.Code, lc.Count, lc.Agents = int(code), count, agents
		out = append(out, lc)
	}
	slices.SortFunc(out, func(a, b LogoutCause) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code))
	})
	var agents []AgentLogouts
	for _, a := range byAgent {
		if a.Total() > 0 {
			agents = append(agents, *a)
		}
	}
	slices.SortFunc(agents, func(a, b AgentLogouts) int {
		return cmp.Or(cmp.Compare(b.Total(), a.Total()), cmp.Compare(b.Forced, a.Forced), strings.Compare(a.Agent, b.Agent))
	})
	return out, agents, nil
}
