package billing_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
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

// byAgentAgents is the number of agents of BenchmarkRunByAgent's day.
const byAgentAgents = 25000

// byAgentEvents is the input of BenchmarkRunByAgent, built once.
var byAgentEvents = sync.OnceValue(func() []billing.Event {
	return agentDay(billing.Date{Year: 2026, Month: time.November, Day: 20}, byAgentAgents, 48)
})

// agentDay generates a day of n agents with about per events each, in the
// order the pipeline hands them to RunByAgent: by agent, then time. Each
// agent logs in, takes calls (ringing, a voice or text conversation, a
// hold now and then, after-call work, idle), is busy or rests between
// them, and logs out.
func agentDay(day billing.Date, n, per int) []billing.Event {
	const opRinging = 5
	start, _ := day.Bounds(time.UTC)
	file := "events-" + day.String() + ".csv"
	r := rand.New(rand.NewPCG(1, 2))
	events := make([]billing.Event, 0, n*(per+2))
	line := int64(1)
	for i := range n {
		id := fmt.Sprintf("A%06d", i+1)
		attrs := billing.Attrs{
			SkillID: strconv.Itoa(1 + i%12), VDNID: "1", CCID: "1", AgentType: "4",
			PhoneNo: fmt.Sprintf("8%06d", i+1), LocationID: strconv.Itoa(1 + i%3),
		}
		text := i%4 == 0 // a chat agent
		t := start.Add(7*time.Hour + time.Duration(r.IntN(3*3600*1000))*time.Millisecond)
		add := func(op, obj, cause int, a billing.Attrs) {
			line++
			events = append(events, billing.Event{
				Time: t, AgentID: id, OpType: op, OpObject: obj, OpCause: cause, Attrs: a,
				Source: billing.Source{File: file, Line: line},
			})
		}
		after := func(lo, hi time.Duration) {
			t = t.Add(lo + time.Duration(r.Int64N(int64(hi-lo)))/time.Millisecond*time.Millisecond)
		}
		add(billing.OpLogin, billing.USNoUse, billing.USNoUse, attrs)
		after(2*time.Second, 10*time.Second)
		add(billing.OpIdle, billing.USNoUse, billing.USNoUse, attrs)
		first := len(events)
		for calls := 0; len(events)-first < per-4; {
			switch k := r.IntN(100); {
			case k < 6:
				after(10*time.Second, 2*time.Minute)
				add(billing.OpBusy, billing.USNoUse, 1+r.IntN(5), attrs)
				after(time.Minute, 5*time.Minute)
			case k < 12:
				after(10*time.Second, 2*time.Minute)
				add(billing.OpRest, billing.USNoUse, r.IntN(4), attrs)
				after(5*time.Minute, 15*time.Minute)
			default:
				calls++
				call := attrs
				call.CallID = fmt.Sprintf("%s-%04d", id, calls)
				call.MediaType, call.CallInOut = "voice", "inbound"
				if text {
					call.MediaType = "text"
				}
				if r.IntN(5) == 0 {
					call.CallInOut = "outbound"
				}
				after(5*time.Second, 2*time.Minute)
				add(opRinging, billing.USNoUse, billing.USNoUse, call)
				after(3*time.Second, 20*time.Second)
				add(billing.OpConversation, billing.USNoUse, billing.USNoUse, call)
				if r.IntN(3) == 0 {
					after(30*time.Second, 3*time.Minute)
					add(billing.OpHold, billing.USNoUse, billing.USNoUse, call)
				}
				after(30*time.Second, 9*time.Minute)
				add(billing.OpWork, billing.USNoUse, 0, attrs)
				after(20*time.Second, 2*time.Minute)
			}
			add(billing.OpIdle, billing.USNoUse, billing.USNoUse, attrs)
		}
		after(10*time.Second, time.Minute)
		add(billing.OpLogout, billing.USNoUse, billing.CauseAgentLogout, attrs)
	}
	return events
}

// BenchmarkRunByAgent bills a day of 25,000 agents as the ingest pipeline
// does: events in agent order through RunByAgent, bills handed to a
// callback (here one that counts them).
func BenchmarkRunByAgent(b *testing.B) {
	day := billing.Date{Year: 2026, Month: time.November, Day: 20}
	events := byAgentEvents()
	cfg := billing.DefaultConfig()
	var bills int64
	out := billing.AgentBills{
		Bill: func(*billing.Bill) error { bills++; return nil },
		Done: func() error { return nil },
	}
	seq := eventsOf(events)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := billing.RunByAgent(cfg, day, nil, seq, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(events))*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(bills)/float64(b.N), "bills/op")
	b.ReportMetric(float64(len(events))/byAgentAgents, "events/agent")
}

// BenchmarkSortBillsByAgent sorts each agent's bills of BenchmarkRunByAgent's
// day, as they come from RunByAgent, the way the pipeline sorts them before
// it writes them.
func BenchmarkSortBillsByAgent(b *testing.B) {
	day := billing.Date{Year: 2026, Month: time.November, Day: 20}
	events := byAgentEvents()
	var bills []billing.Bill
	var ends []int // where each agent's bills end
	_, err := billing.RunByAgent(billing.DefaultConfig(), day, nil, eventsOf(events), billing.AgentBills{
		Bill: func(x *billing.Bill) error { bills = append(bills, *x); return nil },
		Done: func() error { ends = append(ends, len(bills)); return nil },
	})
	if err != nil {
		b.Fatal(err)
	}
	work := make([]billing.Bill, len(bills))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		copy(work, bills)
		b.StartTimer()
		start := 0
		for _, end := range ends {
			billing.SortAgentBills(work[start:end])
			start = end
		}
	}
	b.ReportMetric(float64(len(bills))*float64(b.N)/b.Elapsed().Seconds(), "bills/s")
}
