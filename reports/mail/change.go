package mail

import (
	"fmt"
	"math"
)

// Headline is one of a period's headline figures: its value, how it
// changed against the period before, and how it stands against the
// target.
type Headline struct {
	Name  string // "Occupancy"
	Value string // "72.4%"
	// Change is the change against the period before: "down 3.1 pts from
	// 75.5%"; empty when there is nothing to compare with.
	Change string
	// Target is where the value stands against the target: "12.6 pts
	// below the 85% target"; empty without one.
	Target string
}

// Previous is the period before a section's, for the change of its
// figures.
type Previous struct {
	// Title names the period: "2026-03-09", "week 2026-03-02 to
	// 2026-03-08".
	Title string
	// Files are its reports, written from the lake as the section's are;
	// none when Missing says why there is no comparison.
	Files []File
	// Missing says why the period cannot be compared with: "2026-03-09
	// is not in the lake"; empty when it can.
	Missing string
}

// forcedOrSystem is the number of forced and system logouts.
func forcedOrSystem(causes []LogoutCause) int64 {
	var n int64
	for _, c := range causes {
		if c.Category == "forced" || c.Category == "system" {
			n += c.Count
		}
	}
	return n
}

// Headlines are the headline figures of cur, with the change against
// prev (nil for none) and the target occupancy (0..1, 0 for none).
func Headlines(cur Figures, prev *Figures, target float64, rejects *Rejects) []Headline {
	var out []Headline
	if cur.HasOccupancy {
		t := cur.Total
		occ := Headline{Name: "Occupancy", Value: percent(t)}
		if target > 0 && t.Known {
			d := 100 * (t.Value - target)
			switch {
			case math.Abs(d) < 0.05:
				occ.Target = fmt.Sprintf("at the %s target", targetPercent(target))
			case d < 0:
				occ.Target = fmt.Sprintf("%.1f pts below the %s target", -d, targetPercent(target))
			default:
				occ.Target = fmt.Sprintf("%.1f pts above the %s target", d, targetPercent(target))
			}
		}
		agents := Headline{Name: "Agents", Value: Thousands(int64(len(cur.Agents)))}
		loggedIn := Headline{Name: "Logged in", Value: Duration(t.LoggedIn)}
		working := Headline{Name: "Talk and work", Value: Duration(t.Talk + t.Work)}
		rest := Headline{Name: "Rest", Value: share(t.RestShare()) + " of logged-in time"}
		if prev != nil && prev.HasOccupancy {
			p := prev.Total
			if t.Known && p.Known {
				occ.Change = changePoints(t.Value, p.Value)
			}
			agents.Change = changeCount(int64(len(cur.Agents)), int64(len(prev.Agents)))
			loggedIn.Change = changeDuration(t.LoggedIn, p.LoggedIn)
			working.Change = changeDuration(t.Talk+t.Work, p.Talk+p.Work)
			rest.Change = changePoints(t.RestShare(), p.RestShare())
		}
		out = append(out, occ, agents, loggedIn, working, rest)
	}
	if cur.HasLogouts {
		h := Headline{Name: "Forced and system logouts", Value: Thousands(forcedOrSystem(cur.Logouts))}
		if prev != nil && prev.HasLogouts {
			h.Change = changeCount(forcedOrSystem(cur.Logouts), forcedOrSystem(prev.Logouts))
		}
		out = append(out, h)
	}
	if rejects != nil {
		out = append(out, Headline{Name: "Rejected input records", Value: Thousands(rejects.Total)})
	}
	return out
}

// targetPercent formats a target: "85%", "87.5%".
func targetPercent(v float64) string {
	return fmt.Sprintf("%s%%", trimFloat(100*v))
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// changeWords says a change of d from was, d written by amount: "up 3.1
// pts from 72.4%", "no change from 72.4%". Changes under 0.05 are none.
func changeWords(d float64, amount func(float64) string, was string) string {
	switch {
	case math.Abs(d) < 0.05:
		return "no change from " + was
	case d > 0:
		return "up " + amount(d) + " from " + was
	}
	return "down " + amount(-d) + " from " + was
}

// changePoints is the change of a share in percentage points: "up 3.1
// pts from 72.4%".
func changePoints(cur, prev float64) string {
	return changeWords(100*(cur-prev), func(d float64) string { return fmt.Sprintf("%.1f pts", d) }, fmt.Sprintf("%.1f%%", 100*prev))
}

// changeCount is the change of a count: "up 2 from 36".
func changeCount(cur, prev int64) string {
	return changeWords(float64(cur-prev), func(d float64) string { return Thousands(int64(d)) }, Thousands(prev))
}

// changeDuration is the change of a length of time in percent: "up 4.1%
// from 171 h 5 m".
func changeDuration(cur, prev float64) string {
	was := Duration(prev)
	if prev <= 0 {
		if cur <= 0 {
			return "no change from " + was
		}
		return "up from " + was
	}
	return changeWords(100*(cur-prev)/prev, func(d float64) string { return fmt.Sprintf("%.1f%%", d) }, was)
}
