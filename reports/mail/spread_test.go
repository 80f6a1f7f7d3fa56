package mail

import (
	"fmt"
	"testing"
)

func TestSpreadOf(t *testing.T) {
	var agents []Occupancy
	for i := range 11 { // 0 %, 10 %, ... 100 %
		agents = append(agents, Occupancy{Agent: fmt.Sprint(i), Value: float64(i) / 10, Known: true})
	}
	agents = append(agents, Occupancy{Agent: "idle"})
	s := SpreadOf(agents, 0.85)
	if s.Measured != 11 || s.NoTime != 1 {
		t.Errorf("measured %d, no time %d; want 11, 1", s.Measured, s.NoTime)
	}
	for name, got := range map[string][2]float64{
		"lowest": {s.Lowest, 0}, "p10": {s.P10, 0.1}, "median": {s.Median, 0.5}, "p90": {s.P90, 0.9}, "highest": {s.Highest, 1},
	} {
		if d := got[0] - got[1]; d > 1e-9 || d < -1e-9 {
			t.Errorf("%s %v; want %v", name, got[0], got[1])
		}
	}
	counts := ""
	for _, b := range s.Bins {
		counts += fmt.Sprint(b.Count)
	}
	// 100 % falls in the last bin.
	if counts != "1111111112" {
		t.Errorf("bins %s; want 1111111112", counts)
	}
	if s.Bins[9].Width != 100 || s.Bins[0].Width != 50 {
		t.Errorf("widths %d, %d; want 100, 50", s.Bins[9].Width, s.Bins[0].Width)
	}
	if !s.Bins[7].BelowTarget || s.Bins[8].BelowTarget {
		t.Error("bins below the 85% target: want up to 70-80% only")
	}
	if s.Bins[7].Label() != "70-80%" {
		t.Errorf("label %q", s.Bins[7].Label())
	}
	if empty := SpreadOf(nil, 0); empty.Measured != 0 || len(empty.Bins) != 10 {
		t.Errorf("no agents: %+v", empty)
	}
}

func TestChanges(t *testing.T) {
	tests := []struct{ got, want string }{
		{changePoints(0.724, 0.755), "down 3.1 pts from 75.5%"},
		{changePoints(0.755, 0.724), "up 3.1 pts from 72.4%"},
		{changePoints(0.7240, 0.7241), "no change from 72.4%"},
		{changeCount(38, 36), "up 2 from 36"},
		{changeCount(1000, 1200), "down 200 from 1,200"},
		{changeCount(3, 3), "no change from 3"},
		{changeDuration(3600*104, 3600*100), "up 4.0% from 100 h 0 m"},
		{changeDuration(0, 0), "no change from 0 s"},
		{changeDuration(60, 0), "up from 0 s"},
		{targetPercent(0.85), "85%"},
		{targetPercent(0.875), "87.5%"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q; want %q", tt.got, tt.want)
		}
	}
}
