package mail

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// centre describes the reports of a made-up contact centre over some
// days, written as the SQL writes them: a row per agent and day, a row per
// agent for the period, then the TOTAL rows.
type centre struct {
	agents []string
	days   []string // YYYY-MM-DD, in order
	end    string   // the day after the last
	seed   uint64
	// mean is the centre's typical occupancy, 0..1.
	mean float64
}

// names are agents' names as sites give them: Chinese, accented, long.
var names = []string{"张三", "李四", "王五", "Zoë Ångström", "François Dupont", "Łukasz Żółć", "欧阳娜娜", "Søren Kierkegaard",
	"Ngozi Okonjo-Iweala", "José Álvarez", "Mười Nguyễn", "Ольга Петрова", "陈小明", "agent-with-a-very-long-work-id-0042"}

// agentNames are n agents: the names above first, then A0001, A0002 ...
func agentNames(n int) []string {
	out := make([]string, 0, n)
	for i := range n {
		if i < len(names) {
			out = append(out, names[i])
		} else {
			out = append(out, fmt.Sprintf("A%04d", i+1))
		}
	}
	return out
}

// write writes the centre's occupancy, rest_reasons and logout_causes
// into dir and returns the files.
func (c centre) write(t *testing.T, dir string) []File {
	t.Helper()
	rng := rand.New(rand.NewPCG(c.seed, uint64(len(c.agents))))
	type sums struct{ in, talk, work, busy, rest, avail float64 }
	var occ, rr, lo strings.Builder
	occ.WriteString("agent_id,date,logged_in_s,talk_s,hold_s,work_s,busy_s,rest_s,study_s,suspended_s,available_s,occupancy\n")
	rr.WriteString("agent_id,date,kind,op_cause,label,count,total_s,avg_s,max_s,share\n")
	lo.WriteString("agent_id,date,op_cause,label,category,count,avg_session_s,max_session_s,agents\n")
	occRow := func(agent, day string, s sums) {
		o := ""
		if d := s.talk + s.work + s.avail; d > 0 {
			o = fmt.Sprintf("%.4f", (s.talk+s.work)/d)
		}
		fmt.Fprintf(&occ, "%s,%s,%.0f,%.0f,0,%.0f,%.0f,%.0f,0,0,%.0f,%s\n", agent, day, s.in, s.talk, s.work, s.busy, s.rest, s.avail, o)
	}
	byDay := map[string]*sums{}
	var all sums
	restCodes := []struct {
		code  int
		label string
	}{{1, "Lunch"}, {2, "Training"}, {3, "Coaching 一对一"}, {4, "Toilet"}}
	type reasonSum struct{ count, total, max float64 }
	restAll := map[int]*reasonSum{}
	logoutAll := map[int]*[2]float64{} // count, agents
	logoutCauses := map[int][2]string{
		258: {"An agent proactively logs out of the call center platform.", "agent"},
		256: {"An agent console is disconnected from the call center platform.", "system"},
		264: {"The agent ID is being used to forcibly log in on another client. As a result, the current agent is forced to log out.", "forced"},
		257: {"An agent is forced by a QC inspector to log out of the call center platform.", "forced"},
	}
	for i, agent := range c.agents {
		var per sums
		// Each agent has an occupancy of their own around the centre's.
		own := min(max(c.mean+0.18*rng.NormFloat64(), 0.05), 0.97)
		if i == 2 {
			own = 0.12 // someone who hardly takes calls
		}
		restShare := 0.04 + 0.06*rng.Float64()
		if i == 5 {
			restShare = 0.31
		}
		logouts := map[int]float64{}
		for _, day := range c.days {
			in := float64(6*3600 + rng.IntN(3*3600))
			rest := restShare * in
			busy := 0.02 * in
			left := in - rest - busy
			talk := own * left * 0.8
			work := own * left * 0.2
			avail := left - talk - work
			s := sums{in, talk, work, busy, rest, avail}
			occRow(agent, day, s)
			d := byDay[day]
			if d == nil {
				d = &sums{}
				byDay[day] = d
			}
			for _, p := range []*sums{d, &per, &all} {
				p.in, p.talk, p.work, p.busy, p.rest, p.avail = p.in+in, p.talk+talk, p.work+work, p.busy+busy, p.rest+rest, p.avail+avail
			}
			rc := restCodes[rng.IntN(len(restCodes))]
			fmt.Fprintf(&rr, "%s,%s,rest,%d,%s,1,%.0f,%.0f,%.0f,%.4f\n", agent, day, rc.code, rc.label, rest, rest, rest, rest/in)
			r := restAll[rc.code]
			if r == nil {
				r = &reasonSum{}
				restAll[rc.code] = r
			}
			r.count++
			r.total += rest
			r.max = max(r.max, rest)
			cause := 258
			switch x := rng.IntN(100); {
			case x < 3 || (i == 7 && day == c.days[0]):
				cause = 264
			case x < 6 || (i == 3 && day == c.days[0]):
				cause = 256
			case x < 7:
				cause = 257
			}
			lc := logoutCauses[cause]
			fmt.Fprintf(&lo, "%s,%s,%d,\"%s\",%s,1,%.0f,%.0f,1\n", agent, day, cause, lc[0], lc[1], in, in)
			logouts[cause]++
		}
		occRow(agent, "", per)
		for cause, n := range logouts {
			a := logoutAll[cause]
			if a == nil {
				a = &[2]float64{}
				logoutAll[cause] = a
			}
			a[0] += n
			a[1]++
		}
	}
	for _, day := range c.days {
		occRow(totalAgent, day, *byDay[day])
	}
	occRow(totalAgent, "", all)
	for _, rc := range restCodes {
		if r := restAll[rc.code]; r != nil {
			fmt.Fprintf(&rr, "TOTAL,,rest,%d,%s,%.0f,%.0f,%.0f,%.0f,%.4f\n", rc.code, rc.label, r.count, r.total, r.total/r.count, r.max, r.total/all.in)
		}
	}
	busy := all.busy
	fmt.Fprintf(&rr, "TOTAL,,busy,4,The agent has a rest.,%d,%.0f,%.0f,%.0f,%.4f\n", len(c.agents)*len(c.days), busy, busy/float64(len(c.agents)*len(c.days)), busy/float64(len(c.agents)), busy/all.in)
	for cause, lc := range logoutCauses {
		if a := logoutAll[cause]; a != nil {
			fmt.Fprintf(&lo, "TOTAL,,%d,\"%s\",%s,%.0f,30000,32000,%.0f\n", cause, lc[0], lc[1], a[0], a[1])
		}
	}
	from := c.days[0]
	files := []File{
		{ReportOccupancy, filepath.Join(dir, "occupancy_"+from+"_"+c.end+".csv")},
		{ReportRestReasons, filepath.Join(dir, "rest_reasons_"+from+"_"+c.end+".csv")},
		{ReportLogoutCauses, filepath.Join(dir, "logout_causes_"+from+"_"+c.end+".csv")},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, b := range []*strings.Builder{&occ, &rr, &lo} {
		if err := os.WriteFile(files[i].Path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// week is the seven days from the Monday from.
func week(from string) (days []string, end string) {
	var y, m, d int
	fmt.Sscanf(from, "%d-%d-%d", &y, &m, &d)
	for i := range 8 {
		s := fmt.Sprintf("%04d-%02d-%02d", y, m, d+i)
		if i == 7 {
			return days, s
		}
		days = append(days, s)
	}
	return days, end
}
