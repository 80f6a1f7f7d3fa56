package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// This file checks the three reports against a second, independent
// reading of SPEC §5: plain Go over the rows of a random lake, with none of
// the SQL's machinery.

// randomLake is a lake made of random agent timelines, and the rows a
// reference needs: every bill, and the open rows of the last day.
type randomLake struct {
	dir      string
	loc      *time.Location
	bills    []billing.Bill
	lastOpen []billing.Bill
}

// Operation types a random main state takes; 2 and 5 are idle and ringing,
// which write no bill.
var randomStates = []int32{2, 2, 2, 60, 60, 4, 27, 27, 3, 26, 26, 34, 13, 5}

var randomLogoutCauses = []int32{258, 258, 258, 259, 257, 264, 256, 260, 261, 262, 263, 1, 5, 200, 65535}

// buildRandomLake makes agents' sessions over days in loc, with main
// states of 1 to stateMinutes minutes, and writes them as the runs would: a bill into the partition of the day it ends (a
// stale session's a day or two later), and, for each day, open rows for
// what crosses its end.
func buildRandomLake(t testing.TB, seed uint64, loc *time.Location, first billing.Date, days, agents, stateMinutes int) *randomLake {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lakeStart := first.Start(loc)
	lakeEnd := first.AddDays(days).Start(loc)
	last := first.AddDays(days - 1)
	type placed struct {
		bill  billing.Bill
		delay int // days after its end day that the bill is written
	}
	var spans []placed
	line := 0
	add := func(agent string, op, cause int32, b, e time.Time, delay int) {
		line++
		bill := billing.Bill{AgentID: agent, OpType: op, OpObject: billing.USNoUse, OpCause: cause,
			Begin: b, End: e, Source: billing.Source{File: "random.csv", Line: int64(line)}}
		spans = append(spans, placed{bill, delay})
	}
	jitter := func() time.Duration { return time.Duration(rng.IntN(1000_000)) * time.Microsecond }
	for a := range agents {
		agent := fmt.Sprintf("R%02d", a)
		t0 := lakeStart.Add(time.Duration(rng.IntN(20*60)) * time.Minute).Add(jitter())
		for t0.Before(lakeEnd) {
			sessionEnd := t0.Add(time.Duration(30+rng.IntN(20*60)) * time.Minute).Add(jitter())
			delay := 0
			if rng.IntN(8) == 0 {
				delay = 1 + rng.IntN(2)
			}
			cause := randomLogoutCauses[rng.IntN(len(randomLogoutCauses))]
			add(agent, 0, cause, t0, sessionEnd, delay)
			add(agent, 1, billing.USNoUse, t0, t0, 0)
			for s := t0; s.Before(sessionEnd); {
				e := earlier(s.Add(time.Duration(1+rng.IntN(stateMinutes))*time.Minute).Add(jitter()), sessionEnd)
				op := randomStates[rng.IntN(len(randomStates))]
				switch op {
				case 60, 4:
					// Pieces cut at five-minute marks (NY and UTC marks
					// agree); a text conversation is billed as 60 and 4
					// unless the license switch is off (op 4 alone).
					text := op == 4 || rng.IntN(3) == 0
					for p := s; p.Before(e); {
						q := earlier(p.Truncate(5*time.Minute).Add(5*time.Minute), e)
						if op == 60 {
							add(agent, 60, 1, p, q, delay)
						}
						if text {
							add(agent, 4, 1, p, q, delay)
						}
						p = q
					}
					if h := e.Sub(s); h > 2*time.Minute && rng.IntN(2) == 0 {
						hb := s.Add((h / 4).Truncate(time.Microsecond))
						add(agent, 38, billing.USNoUse, hb, hb.Add((h / 3).Truncate(time.Microsecond)), delay)
					}
				case 3:
					add(agent, 3, []int32{1, 2, 200, 201}[rng.IntN(4)], s, e, delay)
				case 26:
					add(agent, 26, []int32{0, 1, 2, 7}[rng.IntN(4)], s, e, delay)
				case 2, 5:
					if rng.IntN(4) == 0 {
						add(agent, op, billing.USNoUse, s, e, delay) // billing.extra_types
					}
				default:
					add(agent, op, billing.USNoUse, s, e, delay)
				}
				s = e
			}
			t0 = sessionEnd.Add(time.Duration(rng.IntN(16*60)) * time.Minute).Add(jitter())
		}
	}

	rl := &randomLake{dir: t.TempDir(), loc: loc}
	byDay := map[billing.Date][]billing.Bill{}
	openByDay := map[billing.Date][]billing.OpenSpan{}
	for _, p := range spans {
		b := p.bill
		b.AssignID()
		// Open at the end of every day whose end it crosses: those of the
		// days before the last are what the reports must leave alone.
		for d := first; !last.Before(d); d = d.Next() {
			end := d.Next().Start(loc)
			if b.Begin.Before(end) && b.End.After(end) {
				o := b
				o.End, o.Flags = end, billing.FlagOpen
				o.AssignID()
				openByDay[d] = append(openByDay[d], billing.OpenSpan{Bill: o, LastEvent: o.Begin})
				if d == last {
					rl.lastOpen = append(rl.lastOpen, o)
				}
			}
		}
		if b.End.After(lakeEnd) {
			continue // not billed yet
		}
		day := billing.DateIn(b.End, loc).AddDays(p.delay)
		if last.Before(day) {
			day = last
		}
		byDay[day] = append(byDay[day], b)
		rl.bills = append(rl.bills, b)
	}
	l := &lake.Lake{Dir: rl.dir, Location: loc}
	for d := first; !last.Before(d); d = d.Next() {
		billing.SortBills(byDay[d])
		if err := l.WriteDay(context.Background(), d, byDay[d], openByDay[d], nil, lake.Manifest{}); err != nil {
			t.Fatal(err)
		}
	}
	return rl
}

// refRow is a reference row: its key columns and its figures by column.
type refRow struct {
	key  string
	figs map[string]float64
	text map[string]string
}

type refKey struct {
	agent string // "TOTAL" for totals
	day   string // "" for the whole report
	extra string // kind and cause, or cause
}

func (k refKey) String() string { return k.agent + "|" + k.day + "|" + k.extra }

// refOccupancyColumns are the figures of occupancy and interval, in
// microseconds until refOccupancyRow makes seconds of them.
var refOccupancyColumns = []string{"logged_in", "talk", "hold", "work", "busy", "rest", "study", "suspended", "available"}

// refOccupancySeconds gives, for each agent and period ([starts[i],
// ends[i])) that holds any of it, the time of each occupancy column, in
// microseconds: the part of each counted span inside the period, a type-4
// span not counted where a type-60 span has its agent, begin and end;
// available is what the other columns leave of logged_in.
func refOccupancySeconds(starts, ends []time.Time, rows []billing.Bill) map[refAgentPeriod]map[string]int64 {
	twins := map[string]bool{}
	for _, b := range rows {
		if b.OpType == 60 {
			twins[fmt.Sprint(b.AgentID, b.Begin.UnixMicro(), b.End.UnixMicro())] = true
		}
	}
	column := map[int32]string{0: "logged_in", 60: "talk", 4: "talk", 38: "hold", 27: "work", 3: "busy", 26: "rest", 34: "study", 13: "suspended"}
	us := map[refAgentPeriod]map[string]int64{}
	for _, b := range rows {
		col, ok := column[b.OpType]
		if !ok || b.OpType == 4 && twins[fmt.Sprint(b.AgentID, b.Begin.UnixMicro(), b.End.UnixMicro())] {
			continue
		}
		for i := range starts {
			lo, hi := later(b.Begin, starts[i]), earlier(b.End, ends[i])
			if !lo.Before(hi) {
				continue
			}
			k := refAgentPeriod{b.AgentID, i}
			if us[k] == nil {
				us[k] = map[string]int64{}
			}
			us[k][col] += hi.Sub(lo).Microseconds()
		}
	}
	for _, m := range us {
		m["available"] = max(0, m["logged_in"]-m["talk"]-m["work"]-m["busy"]-m["rest"]-m["study"]-m["suspended"])
	}
	return us
}

// refAgentPeriod is an agent and the index of a period.
type refAgentPeriod struct {
	agent  string
	period int
}

// refOccupancySums adds up microseconds by column under keys.
type refOccupancySums map[refKey]map[string]int64

func (s refOccupancySums) add(k refKey, m map[string]int64) {
	if s[k] == nil {
		s[k] = map[string]int64{}
	}
	for _, c := range refOccupancyColumns {
		s[k][c] += m[c]
	}
}

// rows makes report rows of the sums: seconds, and occupancy.
func (s refOccupancySums) rows() map[string]refRow {
	out := map[string]refRow{}
	for k, m := range s {
		r := refRow{key: k.String(), figs: map[string]float64{}, text: map[string]string{}}
		for _, c := range refOccupancyColumns {
			r.figs[c+"_s"] = float64(m[c]) / 1e6
		}
		if den := m["talk"] + m["work"] + m["available"]; den > 0 {
			r.figs["occupancy"] = float64(m["talk"]+m["work"]) / float64(den)
		} else {
			r.text["occupancy"] = ""
		}
		out[r.key] = r
	}
	return out
}

// refOccupancy computes the occupancy report from rows.
func refOccupancy(days []Day, rows []billing.Bill) map[string]refRow {
	var starts, ends []time.Time
	for _, d := range days {
		starts, ends = append(starts, d.Start), append(ends, d.End)
	}
	sums := refOccupancySums{refKey{agent: "TOTAL"}: map[string]int64{}}
	for k, m := range refOccupancySeconds(starts, ends, rows) {
		day := days[k.period].Day.String()
		sums.add(refKey{agent: k.agent, day: day}, m)
		sums.add(refKey{agent: k.agent}, m) // the agent's whole period
		sums.add(refKey{agent: "TOTAL", day: day}, m)
		sums.add(refKey{agent: "TOTAL"}, m)
	}
	return sums.rows()
}

// refRestReasons computes the rest_reasons report from rows.
func refRestReasons(days []Day, rows []billing.Bill, labels []Label) map[string]refRow {
	label := map[string]string{}
	for _, l := range labels {
		label[fmt.Sprint(l.Kind, l.Code)] = l.Label
	}
	loggedIn := map[refKey]int64{}
	type stat struct {
		n, total, longest int64
	}
	stats := map[refKey]*stat{}
	type reason struct {
		kind  string
		cause int32
	}
	reasons := map[refKey]reason{}
	for _, b := range rows {
		for _, d := range days {
			lo, hi := later(b.Begin, d.Start), earlier(b.End, d.End)
			if !lo.Before(hi) {
				continue
			}
			us, day := hi.Sub(lo).Microseconds(), d.Day.String()
			switch b.OpType {
			case 0:
				loggedIn[refKey{agent: b.AgentID, day: day}] += us
				loggedIn[refKey{agent: b.AgentID}] += us
				loggedIn[refKey{agent: "TOTAL", day: day}] += us
				loggedIn[refKey{agent: "TOTAL"}] += us
			case 3, 26:
				kind := map[int32]string{3: "busy", 26: "rest"}[b.OpType]
				extra := fmt.Sprint(kind, "|", b.OpCause)
				for _, k := range []refKey{{b.AgentID, day, extra}, {b.AgentID, "", extra}, {"TOTAL", day, extra}, {"TOTAL", "", extra}} {
					s := stats[k]
					if s == nil {
						s = &stat{}
						stats[k] = s
					}
					s.n++
					s.total += us
					s.longest = max(s.longest, us)
					reasons[k] = reason{kind, b.OpCause}
				}
			}
		}
	}
	out := map[string]refRow{}
	for k, s := range stats {
		r := refRow{key: k.String(), figs: map[string]float64{
			"count":   float64(s.n),
			"total_s": float64(s.total) / 1e6,
			"avg_s":   float64(s.total) / float64(s.n) / 1e6,
			"max_s":   float64(s.longest) / 1e6,
		}, text: map[string]string{"label": label[fmt.Sprint(reasons[k].kind, reasons[k].cause)]}}
		if li := loggedIn[refKey{agent: k.agent, day: k.day}]; li > 0 {
			r.figs["share"] = float64(s.total) / float64(li)
		} else {
			r.text["share"] = ""
		}
		out[r.key] = r
	}
	return out
}

// refLogoutCauses computes the logout_causes report from the bills.
func refLogoutCauses(days []Day, bills []billing.Bill, labels []Label) map[string]refRow {
	label := map[int]string{}
	for _, l := range labels {
		if l.Kind == LabelLogout {
			label[l.Code] = l.Label
		}
	}
	category := func(c int32) string {
		switch {
		case c == 258:
			return "agent"
		case c == 259:
			return "relogin"
		case c == 257 || c == 264:
			return "forced"
		case c == 256 || c >= 260 && c <= 263:
			return "system"
		case c >= 1 && c <= 255:
			return "client"
		}
		return "other"
	}
	type stat struct {
		n, total, longest int64
		agents            map[string]bool
		cause             int32
	}
	stats := map[refKey]*stat{}
	for _, b := range bills {
		if b.OpType != 0 {
			continue
		}
		for _, d := range days {
			if b.End.Before(d.Start) || !b.End.Before(d.End) {
				continue
			}
			us, day, extra := b.End.Sub(b.Begin).Microseconds(), d.Day.String(), fmt.Sprint(b.OpCause)
			for _, k := range []refKey{{b.AgentID, day, extra}, {b.AgentID, "", extra}, {"TOTAL", day, extra}, {"TOTAL", "", extra}} {
				s := stats[k]
				if s == nil {
					s = &stat{agents: map[string]bool{}, cause: b.OpCause}
					stats[k] = s
				}
				s.n++
				s.total += us
				s.longest = max(s.longest, us)
				s.agents[b.AgentID] = true
			}
		}
	}
	out := map[string]refRow{}
	for k, s := range stats {
		out[k.String()] = refRow{key: k.String(), figs: map[string]float64{
			"count":         float64(s.n),
			"agents":        float64(len(s.agents)),
			"avg_session_s": float64(s.total) / float64(s.n) / 1e6,
			"max_session_s": float64(s.longest) / 1e6,
		}, text: map[string]string{"label": label[int(s.cause)], "category": category(s.cause)}}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// compareReport checks the CSV of a report against the reference rows:
// the same keys, texts equal, figures equal to their rounding (3 decimals
// for seconds, 4 for fractions).
func compareReport(t *testing.T, got string, keyCols []string, want map[string]refRow) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewBufferString(got)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	seen := map[string]bool{}
	for _, rec := range recs[1:] {
		var parts []string
		for _, k := range keyCols {
			parts = append(parts, rec[col[k]])
		}
		key := parts[0] + "|" + parts[1] + "|" + joinBar(parts[2:])
		if seen[key] {
			t.Errorf("row %s twice", key)
		}
		seen[key] = true
		w, ok := want[key]
		if !ok {
			t.Errorf("row %s: not in the reference: %v", key, rec)
			continue
		}
		for name, v := range w.text {
			if g := rec[col[name]]; g != v {
				t.Errorf("row %s: %s = %q, want %q", key, name, g, v)
			}
		}
		for name, v := range w.figs {
			g, err := strconv.ParseFloat(rec[col[name]], 64)
			tol := 0.0005 + 1e-9
			if name == "occupancy" || name == "share" {
				tol = 0.00005 + 1e-12
			}
			if err != nil || math.Abs(g-v) > tol {
				t.Errorf("row %s: %s = %q, want %.6f", key, name, rec[col[name]], v)
			}
		}
	}
	var missing []string
	for k := range want {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("rows missing from the report: %v", missing)
	}
}

func joinBar(parts []string) string {
	s := ""
	for i, p := range parts {
		if i > 0 {
			s += "|"
		}
		s += p
	}
	return s
}

func TestReportsMatchReference(t *testing.T) {
	ctx := context.Background()
	loc := mustLoad(t, "America/New_York")
	first := billing.Date{Year: 2026, Month: time.March, Day: 5}
	labels := Labels{Rest: map[int]string{1: "Lunch", 7: "Meeting"}, Busy: map[int]string{200: "Coaching"}, Logout: map[int]string{5: "Shift end"}}
	for _, seed := range []uint64{1, 2, 3} {
		rl := buildRandomLake(t, seed, loc, first, 6, 12, 120)
		for _, window := range []struct{ from, to int }{{0, 6}, {2, 4}, {3, 4}, {5, 8}} {
			from, to := first.AddDays(window.from), first.AddDays(window.to)
			t.Run(fmt.Sprintf("seed %d %s..%s", seed, from, to), func(t *testing.T) {
				days := Days(from, to, loc)
				rows := append(slices.Clone(rl.bills), rl.lastOpen...)
				s, err := Open(ctx, Options{Lake: rl.dir, From: from, To: to, Location: loc, Labels: labels})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				run := func(name string) string {
					rs, err := Select(BuiltIn(), name)
					if err != nil {
						t.Fatal(err)
					}
					var out bytes.Buffer
					if err := s.Run(ctx, rs[0], FormatCSV, &out); err != nil {
						t.Fatal(err)
					}
					return out.String()
				}
				table := labels.Table()
				t.Run("occupancy", func(t *testing.T) {
					compareReport(t, run("occupancy"), []string{"agent_id", "date"}, refOccupancy(days, rows))
				})
				t.Run("rest_reasons", func(t *testing.T) {
					compareReport(t, run("rest_reasons"), []string{"agent_id", "date", "kind", "op_cause"}, refRestReasons(days, rows, table))
				})
				t.Run("logout_causes", func(t *testing.T) {
					compareReport(t, run("logout_causes"), []string{"agent_id", "date", "op_cause"}, refLogoutCauses(days, rl.bills, table))
				})
			})
		}
	}
}
