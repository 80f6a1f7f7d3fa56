package mail

import (
	"fmt"
	"math"
	"slices"
)

// Spread is how occupancy is spread over all agents of a period, so that
// a large centre's picture is honest: quantiles and a histogram of ten
// bins of ten points each.
type Spread struct {
	// Measured is the number of agents with an occupancy; NoTime those
	// logged in with no talk, work or available time.
	Measured, NoTime int
	// The quantiles of the measured agents' occupancy, 0..1.
	Lowest, P10, Median, P90, Highest float64
	Bins                              []Bin
}

// Bin is one bar of the histogram: the agents whose occupancy is in
// [From, To) percent (the last bin includes 100 %).
type Bin struct {
	From, To int
	Count    int
	// Width is the bar's length, 0..100, against the fullest bin.
	Width int
	// BelowTarget is true when the whole bin lies under the target.
	BelowTarget bool
}

// Label names the bin for people: "70-80%".
func (b Bin) Label() string { return fmt.Sprintf("%d-%d%%", b.From, b.To) }

// SpreadOf is the spread of the agents' occupancy; target (0..1, 0 for
// none) marks the bins below it.
func SpreadOf(agents []Occupancy, target float64) Spread {
	var s Spread
	var values []float64
	for _, a := range agents {
		if !a.Known {
			s.NoTime++
			continue
		}
		values = append(values, min(max(a.Value, 0), 1))
	}
	s.Measured = len(values)
	s.Bins = make([]Bin, 10)
	for i := range s.Bins {
		s.Bins[i] = Bin{From: 10 * i, To: 10 * (i + 1), BelowTarget: target > 0 && float64(10*(i+1)) <= 100*target+1e-9}
	}
	if len(values) == 0 {
		return s
	}
	slices.Sort(values)
	q := func(p float64) float64 { return quantile(values, p) }
	s.Lowest, s.P10, s.Median, s.P90, s.Highest = values[0], q(0.1), q(0.5), q(0.9), values[len(values)-1]
	most := 0
	for _, v := range values {
		i := min(int(v*10), 9)
		s.Bins[i].Count++
		most = max(most, s.Bins[i].Count)
	}
	for i := range s.Bins {
		if c := s.Bins[i].Count; c > 0 {
			s.Bins[i].Width = max(1, int(math.Round(100*float64(c)/float64(most))))
		}
	}
	return s
}

// quantile is the p-quantile of sorted values, interpolated between the
// two nearest (the method of R's default and of spreadsheets' PERCENTILE).
func quantile(sorted []float64, p float64) float64 {
	h := p * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (h-float64(lo))*(sorted[hi]-sorted[lo])
}
