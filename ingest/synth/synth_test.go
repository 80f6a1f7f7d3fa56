package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/agentbill/agentbill/billing"
)

var day0 = billing.Date{Year: 2024, Month: time.March, Day: 5}

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func collect(t testing.TB, cfg Config) []Record {
	t.Helper()
	var out []Record
	err := GenerateRecords(context.Background(), cfg, func(r Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeEvent(h hash.Hash, ev billing.Event) {
	fmt.Fprintf(h, "%d|%s|%d|%d|%d|%+v\n", ev.Time.UnixMicro(), ev.AgentID, ev.OpType, ev.OpObject, ev.OpCause, ev.Attrs)
}

func digest(rs []Record, dropDups bool) string {
	h := sha256.New()
	for i, r := range rs {
		if dropDups && i > 0 && r.Event == rs[i-1].Event {
			continue
		}
		writeEvent(h, r.Event)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// goldenDigest is the digest of goldenConfig's events. It changes only when
// the simulation is changed on purpose (or math/rand/v2 changes its
// algorithms); then update it.
const goldenDigest = "bac255bad79d838075f27e787bd153a8325892043d2c041d33d86a31a676bc35"

var goldenConfig = Config{Agents: 20, Start: day0, Days: 2, Seed: 2024, DupShare: 0.01}

func TestGolden(t *testing.T) {
	cfg := goldenConfig
	cfg.Location = zone(t, "Asia/Shanghai")
	if got := digest(collect(t, cfg), false); got != goldenDigest {
		t.Errorf("digest %s, want %s", got, goldenDigest)
	}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Agents: 40, Start: day0, Days: 2, Location: zone(t, "Asia/Shanghai"), Seed: 7}
	a, b := digest(collect(t, cfg), false), digest(collect(t, cfg), false)
	if a != b {
		t.Fatalf("same config, different events: %s vs %s", a, b)
	}
	var h = sha256.New()
	err := Generate(context.Background(), cfg, func(ev billing.Event) error { writeEvent(h, ev); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if c := hex.EncodeToString(h.Sum(nil)); c != a {
		t.Errorf("Generate and GenerateRecords differ")
	}
	cfg.Seed = 8
	if c := digest(collect(t, cfg), false); c == a {
		t.Errorf("another seed gave the same events")
	}
}

func TestOrderAndValidity(t *testing.T) {
	tests := []struct {
		name string
		zone string
		day  billing.Date
	}{
		{"utc", "UTC", day0},
		{"kathmandu", "Asia/Kathmandu", day0},
		{"new york spring forward", "America/New_York", billing.Date{Year: 2024, Month: time.March, Day: 9}},
		{"london fall back", "Europe/London", billing.Date{Year: 2024, Month: time.October, Day: 26}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			cfg := Config{Agents: 60, Start: tt.day, Days: 3, Location: loc, Seed: 3}
			rs := collect(t, cfg)
			from, _ := tt.day.Bounds(loc)
			_, to := tt.day.AddDays(2).Bounds(loc)
			last := map[string]time.Time{}
			for i, r := range rs {
				ev := r.Event
				if i > 0 && ev.Time.Before(rs[i-1].Time) {
					t.Fatalf("record %d at %v before the previous one at %v", i, ev.Time, rs[i-1].Time)
				}
				if p, ok := last[ev.AgentID]; ok && !ev.Time.After(p) {
					t.Fatalf("record %d: agent %s not strictly ordered at %v", i, ev.AgentID, ev.Time)
				}
				last[ev.AgentID] = ev.Time
				if ev.Time.Before(from) || !ev.Time.Before(to) {
					t.Fatalf("record %d at %v outside [%v, %v)", i, ev.Time, from, to)
				}
				if ev.Time.Location() != time.UTC || ev.Time.Nanosecond()%1000 != 0 {
					t.Fatalf("record %d: time %v not UTC microseconds", i, ev.Time)
				}
				if !billing.Known(ev.OpType) {
					t.Fatalf("record %d: unknown op_type %d", i, ev.OpType)
				}
				if ev.OpObject < 0 || ev.OpObject > billing.USNoUse || ev.OpCause < 0 || ev.OpCause > billing.USNoUse {
					t.Fatalf("record %d: object %d cause %d", i, ev.OpObject, ev.OpCause)
				}
				if r.Fault != FaultNone {
					t.Fatalf("record %d: fault with BadShare 0", i)
				}
			}
			for d := 0; d < 3; d++ {
				lo, hi := tt.day.AddDays(d).Bounds(loc)
				n := 0
				for _, r := range rs {
					if !r.Time.Before(lo) && r.Time.Before(hi) {
						n++
					}
				}
				if n < 60*150 {
					t.Errorf("day %d: only %d events", d, n)
				}
			}
		})
	}
}

// mix counts what a day of events holds.
type mixStats struct {
	byOp         map[int]int
	restCauses   map[int]int
	busyCauses   map[int]int
	logoutCauses map[int]int
	media        map[string]int
	talks        []time.Duration // conversation lengths (4 or 60 to the next main state)
	callIDs      map[string]bool
	agents       map[string]bool
}

func stats(t *testing.T, rs []Record) mixStats {
	t.Helper()
	m := mixStats{
		byOp: map[int]int{}, restCauses: map[int]int{}, busyCauses: map[int]int{},
		logoutCauses: map[int]int{}, media: map[string]int{}, callIDs: map[string]bool{},
		agents: map[string]bool{},
	}
	talkFrom := map[string]time.Time{}
	for _, r := range rs {
		ev := r.Event
		m.agents[ev.AgentID] = true
		m.byOp[ev.OpType]++
		switch ev.OpType {
		case billing.OpRest:
			m.restCauses[ev.OpCause]++
			if want, _ := strconv.Atoi(ev.AgentID[1:]); ev.OpObject != want {
				t.Errorf("rest of %s has object %d", ev.AgentID, ev.OpObject)
			}
		case billing.OpBusy:
			m.busyCauses[ev.OpCause]++
		case billing.OpLogout:
			m.logoutCauses[ev.OpCause]++
		}
		op, _ := billing.Lookup(ev.OpType)
		if op.Class == billing.ClassMain || op.Class == billing.ClassSession {
			if from, ok := talkFrom[ev.AgentID]; ok {
				m.talks = append(m.talks, ev.Time.Sub(from))
				delete(talkFrom, ev.AgentID)
			}
			if billing.IsConversation(ev.OpType) {
				talkFrom[ev.AgentID] = ev.Time
				m.media[ev.MediaType]++
				if m.callIDs[ev.CallID] {
					t.Errorf("call id %s used twice", ev.CallID)
				}
				m.callIDs[ev.CallID] = true
				if ev.CallID == "" || (ev.CallInOut != inbound && ev.CallInOut != outbound) {
					t.Errorf("conversation without call context: %+v", ev)
				}
				if (ev.OpType == billing.OpTextTalk) != ev.IsText() {
					t.Errorf("op %d with media %q", ev.OpType, ev.MediaType)
				}
			}
		}
	}
	return m
}

func TestRealisticMix(t *testing.T) {
	cfg := Config{Agents: 20, Start: day0, Days: 1, Location: zone(t, "Asia/Shanghai"), Seed: 1}
	rs := collect(t, cfg)
	m := stats(t, rs)
	long := 0
	for _, d := range m.talks {
		if d > 10*time.Minute {
			long++
		}
		if d < 30*time.Second || d > 25*time.Minute {
			t.Errorf("conversation of %v", d)
		}
	}
	t.Logf("%d events, %d agents, %d conversations (%d over 10 min), by op %v", len(rs), len(m.agents), len(m.talks), long, m.byOp)
	t.Logf("rest %v busy %v logout %v media %v", m.restCauses, m.busyCauses, m.logoutCauses, m.media)

	atLeast := func(what string, got, want int) {
		t.Helper()
		if got < want {
			t.Errorf("%s: %d, want at least %d", what, got, want)
		}
	}
	atLeast("agents", len(m.agents), 18)
	atLeast("logins", m.byOp[billing.OpLogin], 18)
	atLeast("logouts", m.byOp[billing.OpLogout], 12)
	atLeast("agent logouts (258)", m.logoutCauses[billing.CauseAgentLogout], 10)
	atLeast("lunches", m.restCauses[1], 12)
	atLeast("short breaks", m.restCauses[2], 20)
	atLeast("busy spells", m.byOp[billing.OpBusy], 10)
	atLeast("conversations", len(m.talks), 600)
	atLeast("conversations over 10 minutes", long, 20)
	atLeast("holds", m.byOp[billing.OpHold], 30)
	atLeast("retrieves", m.byOp[opRetrieve], m.byOp[billing.OpHold])
	atLeast("ringing", m.byOp[opRing], 500)
	atLeast("after-call work", m.byOp[billing.OpWork], 500)
	atLeast("transfers", m.byOp[opTransfer], 10)
	atLeast("text conversations", m.byOp[billing.OpTextTalk], 50)
	atLeast("voice conversations", m.media[voice], 400)
	atLeast("idle", m.byOp[billing.OpIdle]+m.byOp[billing.OpEndWork], 600)
	if m.byOp[billing.OpHold] != m.byOp[opRetrieve] {
		t.Errorf("%d holds, %d retrieves", m.byOp[billing.OpHold], m.byOp[opRetrieve])
	}
	if share := float64(m.media[voice]) / float64(len(m.talks)); share < 0.6 {
		t.Errorf("voice share %.2f, want most conversations voice", share)
	}
}

// TestRareThingsHappen looks at a larger crowd for what a 20-agent day may
// lack.
func TestRareThingsHappen(t *testing.T) {
	cfg := Config{Agents: 300, Start: day0, Days: 2, Location: time.UTC, Seed: 5}
	m := stats(t, collect(t, cfg))
	for _, op := range []int{opDial, opMute, opUnmute, opConference, opThreeParty, opStudy, billing.OpEndWork, opMediaLogin, opMediaLogout} {
		if m.byOp[op] == 0 {
			t.Errorf("no op_type %d", op)
		}
	}
	for _, c := range []int{2, 7, 1, 4, 5, 200, 205} {
		if m.busyCauses[c] == 0 {
			t.Errorf("no busy cause %d", c)
		}
	}
	if m.restCauses[3] == 0 {
		t.Errorf("no training")
	}
	for _, c := range []int{256, 257, 258, 264, 260, 1} {
		if m.logoutCauses[c] == 0 {
			t.Errorf("no logout cause %d", c)
		}
	}
	if m.byOp[billing.OpLogin] <= m.byOp[billing.OpLogout] {
		t.Errorf("no re-logins or open sessions: %d logins, %d logouts", m.byOp[billing.OpLogin], m.byOp[billing.OpLogout])
	}
}

func TestNightShiftCrossesMidnight(t *testing.T) {
	loc := zone(t, "Asia/Shanghai")
	cfg := Config{Agents: 20, Start: day0, Days: 2, Location: loc, Seed: 11}
	rs := collect(t, cfg)
	midnight, _ := day0.Next().Bounds(loc)
	loginAt := map[string]time.Time{}
	crossed := map[string]bool{}
	for _, r := range rs {
		switch r.OpType {
		case billing.OpLogin:
			if _, ok := loginAt[r.AgentID]; !ok || r.Time.Sub(loginAt[r.AgentID]) > time.Hour {
				loginAt[r.AgentID] = r.Time
			}
		case billing.OpLogout:
			if l, ok := loginAt[r.AgentID]; ok && l.Before(midnight) && r.Time.After(midnight) {
				crossed[r.AgentID] = true
			}
			delete(loginAt, r.AgentID)
		}
	}
	if len(crossed) == 0 {
		t.Fatal("no session crosses midnight")
	}

	// On the last day the night shift is still logged in at the end.
	_, end := day0.Next().Bounds(loc)
	open := 0
	for id, l := range loginAt {
		if l.In(loc).Hour() >= 21 && l.Before(end) {
			open++
			t.Logf("%s logged in at %v, open at the end", id, l.In(loc))
		}
	}
	if open == 0 {
		t.Error("no night session left open at the end")
	}
}

// TestLaterStartRepeatsDays: a run that starts a day later gives every
// agent the same events from its first shift on.
func TestLaterStartRepeatsDays(t *testing.T) {
	loc := zone(t, "Europe/Berlin")
	long := collect(t, Config{Agents: 30, Start: day0, Days: 3, Location: loc, Seed: 9})
	short := collect(t, Config{Agents: 30, Start: day0.Next(), Days: 2, Location: loc, Seed: 9})
	byAgent := func(rs []Record) map[string][]billing.Event {
		m := map[string][]billing.Event{}
		for _, r := range rs {
			m[r.AgentID] = append(m[r.AgentID], r.Event)
		}
		return m
	}
	l, s := byAgent(long), byAgent(short)
	for id, evs := range s {
		all := l[id]
		if len(all) < len(evs) {
			t.Fatalf("%s: %d events in the long run, %d in the short one", id, len(all), len(evs))
		}
		tail := all[len(all)-len(evs):]
		for i := range evs {
			if evs[i] != tail[i] {
				t.Fatalf("%s: event %d differs: %+v vs %+v", id, i, evs[i], tail[i])
			}
		}
	}
}

func TestDuplicates(t *testing.T) {
	cfg := Config{Agents: 30, Start: day0, Days: 1, Location: time.UTC, Seed: 2}
	clean := collect(t, cfg)
	cfg.DupShare = 0.05
	dup := collect(t, cfg)
	extra := len(dup) - len(clean)
	if share := float64(extra) / float64(len(clean)); share < 0.03 || share > 0.07 {
		t.Errorf("duplicate share %.3f, want about 0.05", share)
	}
	if digest(dup, true) != digest(clean, false) {
		t.Errorf("duplicates changed the events")
	}
}

func TestFaults(t *testing.T) {
	cfg := Config{Agents: 30, Start: day0, Days: 1, Location: time.UTC, Seed: 2}
	clean := collect(t, cfg)
	cfg.BadShare = 0.1
	bad := collect(t, cfg)
	if digest(bad, false) != digest(clean, false) {
		t.Fatalf("faults changed the events")
	}
	kinds := map[Fault]int{}
	for _, r := range bad {
		kinds[r.Fault]++
	}
	if share := 1 - float64(kinds[FaultNone])/float64(len(bad)); share < 0.08 || share > 0.12 {
		t.Errorf("fault share %.3f, want about 0.1", share)
	}
	for f := FaultTime; f <= FaultInteger; f++ {
		if kinds[f] == 0 {
			t.Errorf("no %v faults", f)
		}
	}
}

func TestValidate(t *testing.T) {
	good := Config{Agents: 1, Start: day0, Days: 1}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no agents", func(c *Config) { c.Agents = 0 }},
		{"too many agents", func(c *Config) { c.Agents = MaxAgents + 1 }},
		{"no days", func(c *Config) { c.Days = 0 }},
		{"no start", func(c *Config) { c.Start = billing.Date{} }},
		{"bad start", func(c *Config) { c.Start = billing.Date{Year: 2024, Month: 2, Day: 30} }},
		{"bad share", func(c *Config) { c.BadShare = 1.5 }},
		{"negative duplicates", func(c *Config) { c.DupShare = -0.1 }},
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			err := Generate(context.Background(), c, func(billing.Event) error { return nil })
			if !errors.Is(err, ErrConfig) {
				t.Errorf("got %v, want ErrConfig", err)
			}
		})
	}
}

func TestStops(t *testing.T) {
	cfg := Config{Agents: 100, Start: day0, Days: 1, Seed: 1}
	stop := errors.New("stop")
	n := 0
	err := Generate(context.Background(), cfg, func(billing.Event) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 10 {
		t.Errorf("emit error: got %v after %d events", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n = 0
	err = Generate(ctx, cfg, func(billing.Event) error {
		if n++; n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 100+0x1000 {
		t.Errorf("cancel: got %v after %d events", err, n)
	}
}

func TestOneAgent(t *testing.T) {
	rs := collect(t, Config{Agents: 1, Start: day0, Days: 5, Seed: 4})
	if len(rs) == 0 {
		t.Fatal("no events")
	}
	for _, r := range rs {
		if r.OpType == opTransfer && r.OpObject != 1 {
			t.Errorf("transfer to %d with a single agent", r.OpObject)
		}
	}
}

func TestAgentIDs(t *testing.T) {
	g := &gen{agents: 70000, idWidth: 5}
	tests := []struct {
		idx  int
		id   string
		work int32
	}{
		{0, "A00001", 1},
		{65533, "A65534", 65534},
		{65534, "A65536", 65536},
	}
	for _, tt := range tests {
		var a agent
		a.init(g, tt.idx)
		if a.id != tt.id || a.workID != tt.work {
			t.Errorf("agent %d: %s %d, want %s %d", tt.idx, a.id, a.workID, tt.id, tt.work)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	const agents = 1000
	cfg := Config{Agents: agents, Start: day0, Days: 1, Location: zone(b, "Asia/Shanghai"), Seed: 1}
	var n int
	b.ReportAllocs()
	for b.Loop() {
		n = 0
		err := Generate(context.Background(), cfg, func(billing.Event) error { n++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n)/agents, "events/agent-day")
}
