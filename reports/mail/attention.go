package mail

import (
	"cmp"
	"slices"
	"strings"
)

// How many agents each list of who needs attention names; the attached
// files hold them all.
const (
	maxLowest  = 10
	maxResting = 5
	maxNamed   = 10
)

// Rejects are the input records of a period that the lake's runs
// refused.
type Rejects struct {
	Total int64
	// ByAgent are the agents the refused records name, most first; a
	// record that names no agent counts in Total only.
	ByAgent []AgentRejects
}

// AgentRejects are the refused records that name one agent.
type AgentRejects struct {
	Agent string
	Count int64
}

// Attention is who needs a supervisor's attention in a period.
type Attention struct {
	// Lowest are the agents with the lowest occupancy, lowest first,
	// after those logged in with no talk, work or available time.
	Lowest []Occupancy
	// Agents is the number of agents; BelowTarget those whose occupancy
	// is under the target (when there is one).
	Agents, BelowTarget int
	// Resting are the agents with the largest share of logged-in time in
	// rest, largest first.
	Resting []Occupancy
	// Logouts are the agents with forced or system logouts, most first;
	// MoreLogouts the agents left out of the list.
	Logouts     []AgentLogouts
	MoreLogouts int
	// HasRejects is true when the refused records are known; Rejects are
	// the agents they name, most first, MoreRejects those left out of
	// the list, Unnamed the records that name no agent.
	HasRejects   bool
	RejectsTotal int64
	Rejects      []AgentRejects
	MoreRejects  int
	Unnamed      int64
}

// AttentionOf is who needs attention, from a period's figures, its
// target occupancy (0..1, 0 for none) and its refused records (nil when
// not known).
func AttentionOf(f Figures, target float64, rejects *Rejects) Attention {
	a := Attention{Agents: len(f.Agents)}
	lowest := slices.Clone(f.Agents)
	slices.SortStableFunc(lowest, func(x, y Occupancy) int {
		if x.Known != y.Known {
			if !x.Known {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(x.Value, y.Value), strings.Compare(x.Agent, y.Agent))
	})
	a.Lowest = lowest[:min(len(lowest), maxLowest)]
	if target > 0 {
		for _, o := range f.Agents {
			if o.Known && o.Value < target {
				a.BelowTarget++
			}
		}
	}
	var resting []Occupancy
	for _, o := range f.Agents {
		if o.Rest > 0 {
			resting = append(resting, o)
		}
	}
	slices.SortFunc(resting, func(x, y Occupancy) int {
		return cmp.Or(cmp.Compare(y.RestShare(), x.RestShare()), strings.Compare(x.Agent, y.Agent))
	})
	a.Resting = resting[:min(len(resting), maxResting)]
	a.Logouts = f.AgentLogouts[:min(len(f.AgentLogouts), maxNamed)]
	a.MoreLogouts = len(f.AgentLogouts) - len(a.Logouts)
	if rejects != nil {
		a.HasRejects, a.RejectsTotal = true, rejects.Total
		byAgent := slices.Clone(rejects.ByAgent)
		slices.SortFunc(byAgent, func(x, y AgentRejects) int {
			return cmp.Or(cmp.Compare(y.Count, x.Count), strings.Compare(x.Agent, y.Agent))
		})
		a.Unnamed = rejects.Total
		for _, r := range byAgent {
			a.Unnamed -= r.Count
		}
		a.Unnamed = max(a.Unnamed, 0)
		a.Rejects = byAgent[:min(len(byAgent), maxNamed)]
		a.MoreRejects = len(byAgent) - len(a.Rejects)
	}
	return a
}
