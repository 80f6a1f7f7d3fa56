package mail

import (
	"slices"
	"testing"
)

func TestAttentionOf(t *testing.T) {
	var agents []Occupancy
	for i, v := range []float64{0.9, 0.2, 0.5, 0.7} {
		agents = append(agents, Occupancy{Agent: string(rune('A' + i)), Value: v, Known: true, LoggedIn: 3600, Rest: float64(600 * i)})
	}
	agents = append(agents, Occupancy{Agent: "张三", LoggedIn: 3600, Rest: 3600}) // logged in, only resting
	f := Figures{Agents: agents, AgentLogouts: []AgentLogouts{{Agent: "C", Forced: 1}}}
	a := AttentionOf(f, 0.6, &Rejects{Total: 5, ByAgent: []AgentRejects{{"B", 1}, {"D", 3}}})
	var lowest []string
	for _, o := range a.Lowest {
		lowest = append(lowest, o.Agent)
	}
	if want := []string{"张三", "B", "C", "D", "A"}; !slices.Equal(lowest, want) {
		t.Errorf("lowest %v; want %v", lowest, want)
	}
	if a.Agents != 5 || a.BelowTarget != 2 {
		t.Errorf("%d agents, %d below target; want 5, 2", a.Agents, a.BelowTarget)
	}
	var resting []string
	for _, o := range a.Resting {
		resting = append(resting, o.Agent)
	}
	if want := []string{"张三", "D", "C", "B"}; !slices.Equal(resting, want) {
		t.Errorf("resting %v; want %v (largest share first, none without rest)", resting, want)
	}
	if len(a.Logouts) != 1 || !a.HasRejects || a.Rejects[0].Agent != "D" || a.Unnamed != 1 {
		t.Errorf("attention %+v", a)
	}
	if none := AttentionOf(f, 0, nil); none.HasRejects || none.BelowTarget != 0 {
		t.Errorf("no target, no rejects: %+v", none)
	}
}
