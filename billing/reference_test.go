package billing_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// The reference below re-derives SPEC §2 from its text, in another shape
// than the engine: one pass over all days with no carried state, class sets
// written out from the SPEC's tables, conversations cut after they close
// with plain arithmetic on UTC five-minute marks (right for zones whose
// offset is a multiple of five minutes). Random event streams must give the
// same bills through the engine's day-by-day runs.

var (
	refMain    = setOf(2, 3, 4, 5, 6, 9, 13, 26, 27, 34, 35, 36, 60, 37)
	refOverlay = setOf(10, 20, 22, 32, 38, 58)
	refStops   = map[int][]int{21: {20}, 23: {22}, 33: {32}, 39: {38}, 42: {38}, 44: {22}}
	refNoBill  = setOf(2, 5, 6, 7, 8, 9, 11, 12, 14, 15, 16, 17, 18, 19, 21, 23, 24, 25, 28, 33, 35, 36, 37, 39, 42)
)

func setOf(xs ...int) map[int]bool {
	m := map[int]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

type refSpan struct {
	typ, obj, cause int
	call, media     string
	begin           time.Time
	line            int64
}

type refAgent struct {
	in       bool
	login    time.Time
	loginSrc int64
	main     refSpan
	overlays []refSpan
	seen     map[string]bool
}

func refKey(agent string, typ, obj, cause int, begin, end time.Time, flags string, line int64) string {
	return fmt.Sprintf("%s|%d|%d|%d|%s|%s|%s|%d", agent, typ, obj, cause,
		begin.UTC().Format(time.RFC3339Nano), end.UTC().Format(time.RFC3339Nano), flags, line)
}

// reference bills events (sorted) of the days before end; what is open at
// end comes back as open rows.
func reference(events []billing.Event, allTypes bool, end time.Time) (bills, open []string) {
	agents := map[string]*refAgent{}
	var order []string
	emit := func(id string, s refSpan, typ, cause int, e time.Time, flags string) {
		bills = append(bills, refKey(id, typ, s.obj, cause, s.begin, e, flags, s.line))
	}
	// pieces bills a conversation up to e: a cause-1 piece at every mark
	// inside it, and when final a cause-0 piece to e. It returns where the
	// unbilled rest begins.
	pieces := func(id string, s refSpan, e time.Time, final bool, flags string) time.Time {
		var types []int
		if allTypes {
			types = append(types, 60)
		}
		if s.typ == 4 || s.media == "text" || s.media == "chat" {
			types = append(types, 4)
		}
		b := s.begin
		for m := (b.Unix()/300 + 1) * 300; time.Unix(m, 0).Before(e); m += 300 {
			for _, t := range types {
				p := s
				p.begin = b
				emit(id, p, t, 1, time.Unix(m, 0), "")
			}
			b = time.Unix(m, 0)
		}
		if final && e.After(b) {
			for _, t := range types {
				p := s
				p.begin = b
				emit(id, p, t, 0, e, flags)
			}
		}
		return b
	}
	closeSpan := func(id string, s refSpan, e time.Time, flags string) {
		if s.typ == 4 || s.typ == 60 {
			pieces(id, s, e, true, flags)
			return
		}
		if !refNoBill[s.typ] && e.After(s.begin) {
			emit(id, s, s.typ, s.cause, e, flags)
		}
	}
	logout := func(id string, a *refAgent, t time.Time, obj, cause int, line int64, flags string) {
		for _, o := range a.overlays {
			closeSpan(id, o, t, flags)
		}
		a.overlays = nil
		closeSpan(id, a.main, t, flags)
		bills = append(bills, refKey(id, 0, obj, cause, a.login, t, flags, line))
		a.in = false
	}
	login := func(id string, a *refAgent, e *billing.Event, implicit bool) {
		a.in, a.login, a.loginSrc = true, e.Time, e.Source.Line
		a.main = refSpan{typ: 2, obj: e.OpObject, cause: e.OpCause, call: e.CallID, media: e.MediaType, begin: e.Time, line: e.Source.Line}
		if implicit {
			a.main = refSpan{typ: 2, obj: 65535, cause: 65535, begin: e.Time, line: e.Source.Line}
			bills = append(bills, refKey(id, 1, 65535, 65535, e.Time, e.Time, "implicit_login", e.Source.Line))
		} else {
			bills = append(bills, refKey(id, 1, e.OpObject, e.OpCause, e.Time, e.Time, "", e.Source.Line))
		}
	}
	for i := range events {
		e := &events[i]
		id := e.AgentID
		a := agents[id]
		if a == nil {
			a = &refAgent{seen: map[string]bool{}}
			agents[id] = a
			order = append(order, id)
		}
		k := fmt.Sprint(e.Time.UnixMicro(), e.OpType, e.OpObject, e.OpCause, e.CallID)
		if a.seen[k] {
			continue
		}
		a.seen[k] = true
		switch {
		case e.OpType == 0:
			if a.in {
				logout(id, a, e.Time, e.OpObject, e.OpCause, e.Source.Line, "")
			}
			continue
		case e.OpType == 1:
			if a.in {
				logout(id, a, e.Time, 65535, 259, e.Source.Line, "implicit_logout")
			}
			login(id, a, e, false)
			continue
		}
		if !a.in {
			login(id, a, e, true)
		}
		s := refSpan{typ: e.OpType, obj: e.OpObject, cause: e.OpCause, call: e.CallID, media: e.MediaType, begin: e.Time, line: e.Source.Line}
		switch {
		case refMain[e.OpType]:
			if s.typ == 37 {
				s.typ = 2
			}
			m := a.main
			if m.typ == s.typ && m.obj == s.obj && m.cause == s.cause && m.call == s.call {
				continue
			}
			closeSpan(id, a.main, e.Time, "")
			if s.typ != 4 && s.typ != 60 {
				for _, o := range a.overlays {
					closeSpan(id, o, e.Time, "")
				}
				a.overlays = nil
			}
			a.main = s
		case refOverlay[e.OpType]:
			if !slices.ContainsFunc(a.overlays, func(o refSpan) bool { return o.typ == s.typ }) {
				a.overlays = append(a.overlays, s)
			}
		default:
			if !refNoBill[e.OpType] {
				emit(id, s, s.typ, s.cause, e.Time, "")
			}
			if closes, ok := refStops[e.OpType]; ok {
				var kept []refSpan
				for _, o := range a.overlays {
					if slices.Contains(closes, o.typ) {
						closeSpan(id, o, e.Time, "")
					} else {
						kept = append(kept, o)
					}
				}
				a.overlays = kept
			}
		}
	}
	for _, id := range order {
		a := agents[id]
		if !a.in {
			continue
		}
		open = append(open, refKey(id, 0, 65535, 65535, a.login, end, "open", a.loginSrc))
		m := a.main
		if m.typ == 4 || m.typ == 60 {
			m.begin = pieces(id, m, end, false, "")
		}
		open = append(open, refKey(id, m.typ, m.obj, m.cause, m.begin, end, "open", m.line))
		for _, o := range a.overlays {
			open = append(open, refKey(id, o.typ, o.obj, o.cause, o.begin, end, "open", o.line))
		}
	}
	return bills, open
}

func TestEngineAgainstReference(t *testing.T) {
	zones := []string{"UTC", "Asia/Kathmandu", "Asia/Shanghai"}
	types := []int{0, 1, 1, 2, 3, 3, 4, 5, 6, 9, 10, 13, 20, 21, 22, 23, 26, 26, 27, 27, 32, 33, 34, 37, 38, 38, 39, 42, 44, 45, 58, 60, 60, 60, 7, 29, 40}
	for seed := uint64(1); seed <= 3000; seed++ {
		r := rand.New(rand.NewPCG(seed, 42))
		loc := mustLocation(t, zones[seed%uint64(len(zones))])
		allTypes := seed%5 != 0
		first := billing.Date{Year: 2026, Month: time.November, Day: 20}
		days := 1 + r.IntN(3)
		start := first.Start(loc)
		end := first.AddDays(days).Start(loc)
		n := 5 + r.IntN(60)
		var events []billing.Event
		for i := 0; i < n; i++ {
			var at time.Time
			if i > 0 && r.IntN(6) == 0 {
				at = events[r.IntN(len(events))].Time // same instant as another event
			} else {
				at = start.Add(time.Duration(r.Int64N(int64(end.Sub(start)))) / time.Second * time.Second)
			}
			e := billing.Event{
				Time: at, AgentID: fmt.Sprintf("A%d", r.IntN(3)), OpType: types[r.IntN(len(types))],
				OpObject: 65535, OpCause: []int{65535, 1, 2}[r.IntN(3)],
				Attrs:  billing.Attrs{CallID: []string{"", "C1", "C2"}[r.IntN(3)], MediaType: []string{"voice", "text", ""}[r.IntN(3)]},
				Source: billing.Source{File: "random.csv", Line: int64(i + 2)},
			}
			if r.IntN(10) == 0 && len(events) > 0 {
				e = events[r.IntN(len(events))] // a duplicate, from another line
				e.Source.Line = int64(i + 2)
			}
			events = append(events, e)
		}
		billing.SortEvents(events)
		cfg := billing.Config{Location: loc, ConversationAllTypes: allTypes, SessionTimeout: 1000 * time.Hour}
		res, err := billing.RunBatch(cfg, events, first, first.AddDays(days-1), nil)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var got, gotOpen []string
		for _, b := range res.Bills {
			got = append(got, refKey(b.AgentID, int(b.OpType), int(b.OpObject), int(b.OpCause), b.Begin, b.End, b.Flags.String(), b.Source.Line))
		}
		for _, o := range res.Open {
			gotOpen = append(gotOpen, refKey(o.AgentID, int(o.OpType), int(o.OpObject), int(o.OpCause), o.Begin, o.End, o.Flags.String(), o.Source.Line))
		}
		// The same days run agent by agent give the same bills.
		if err := sameByAgent(cfg, events, first, days, res); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		want, wantOpen := reference(events, allTypes, end)
		slices.Sort(got)
		slices.Sort(want)
		slices.Sort(gotOpen)
		slices.Sort(wantOpen)
		if !slices.Equal(got, want) || !slices.Equal(gotOpen, wantOpen) {
			t.Fatalf("seed %d (%s, %d days): engine and reference differ\nbills:\n%s\nopen:\n%s\nevents:\n%s",
				seed, loc, days, setDiff(want, got), setDiff(wantOpen, gotOpen), dumpEvents(events, loc))
		}
	}
}

func setDiff(want, got []string) string {
	var sb strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			sb.WriteString("  missing " + w + "\n")
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			sb.WriteString("  extra   " + g + "\n")
		}
	}
	return sb.String()
}

func dumpEvents(events []billing.Event, loc *time.Location) string {
	var sb strings.Builder
	for _, e := range events {
		fmt.Fprintf(&sb, "  line %d %s %s op %d obj %d cause %d call %q media %q\n", e.Source.Line,
			e.Time.In(loc).Format("01-02 15:04:05"), e.AgentID, e.OpType, e.OpObject, e.OpCause, e.CallID, e.MediaType)
	}
	return sb.String()
}

// sameByAgent runs the days with RunByAgent and compares with RunBatch's
// result: the same bills in the same order, the same open spans.
func sameByAgent(cfg billing.Config, events []billing.Event, first billing.Date, days int, batch billing.BatchResult) error {
	var bills []billing.Bill
	var open []billing.OpenSpan
	for d := 0; d < days; d++ {
		day := first.AddDays(d)
		start, end := day.Bounds(cfg.Location)
		var dayEvents []billing.Event
		for _, e := range events {
			if !e.Time.Before(start) && e.Time.Before(end) {
				dayEvents = append(dayEvents, e)
			}
		}
		slices.SortStableFunc(dayEvents, func(a, b billing.Event) int {
			return cmp.Or(strings.Compare(a.AgentID, b.AgentID), a.Time.Compare(b.Time))
		})
		// Each agent's bills must come whole, before the next agent's.
		var agentBills []billing.Bill
		var lastAgent string
		res, err := billing.RunByAgent(cfg, day, open, eventsOf(dayEvents), billing.AgentBills{
			Bill: func(b *billing.Bill) error { agentBills = append(agentBills, *b); return nil },
			Done: func() error {
				for _, b := range agentBills {
					if b.AgentID != agentBills[0].AgentID || b.AgentID <= lastAgent {
						return fmt.Errorf("by agent: bill of %q among those of %q, after %q", b.AgentID, agentBills[0].AgentID, lastAgent)
					}
				}
				if len(agentBills) > 0 {
					lastAgent = agentBills[0].AgentID
				}
				bills = append(bills, agentBills...)
				agentBills = agentBills[:0]
				return nil
			},
		})
		if err != nil {
			return err
		}
		open = res.Open
	}
	billing.SortBills(bills)
	if len(bills) != len(batch.Bills) || len(open) != len(batch.Open) {
		return fmt.Errorf("by agent: %d bills and %d open rows, batch: %d and %d", len(bills), len(open), len(batch.Bills), len(batch.Open))
	}
	for i := range bills {
		if bills[i].ID != batch.Bills[i].ID {
			return fmt.Errorf("by agent: bill %d is %+v, batch has %+v", i, bills[i], batch.Bills[i])
		}
	}
	for i := range open {
		if open[i].ID != batch.Open[i].ID || !open[i].LastEvent.Equal(batch.Open[i].LastEvent) {
			return fmt.Errorf("by agent: open row %d differs", i)
		}
	}
	return nil
}
