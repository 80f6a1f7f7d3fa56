package mail

import "testing"

func TestShortLabel(t *testing.T) {
	tests := []struct {
		name, kind string
		code       int
		label      string
		want       string
	}{
		{"busy rest, seed sentence", "busy", 4, "The agent has a rest.", "rest"},
		{"busy no answer, no label", "busy", 2, "", "no answer"},
		{"busy rejects", "busy", 7, "The agent rejects the call.", "rejected call"},
		{"busy, the site's own label", "busy", 2, "Meeting", "Meeting"},
		{"agent logout", "logout", 258, "An agent proactively logs out of the call center platform.", "agent logout"},
		{"forced login", "logout", 264, "The agent ID is being used to forcibly log in on another client. As a result, the current agent is forced to log out.", "forced login"},
		{"forced by QC", "logout", 257, "", "forced by QC"},
		{"relogin", "logout", 259, "", "relogin"},
		{"client cause, no label", "logout", 2, "", "cause 2"},
		{"client cause, blank label", "logout", 2, "  ", "cause 2"},
		{"client cause, labelled", "logout", 5, "Shift end", "Shift end"},
		{"rest, no label", "rest", 7, "", "cause 7"},
		{"rest, labelled", "rest", 1, "Lunch", "Lunch"},
		{"unicode label", "rest", 3, "午餐", "午餐"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ShortLabel(tt.kind, tt.code, tt.label); got != tt.want {
				t.Errorf("ShortLabel(%s, %d, %q) = %q; want %q", tt.kind, tt.code, tt.label, got, tt.want)
			}
		})
	}
	for kind, codes := range map[string][]int{"busy": {1, 2, 3, 4, 5, 7}, "logout": {256, 257, 258, 259, 260, 261, 262, 263, 264}} {
		for _, c := range codes {
			if shortLabels[kind][c] == "" {
				t.Errorf("%s %d has no short name", kind, c)
			}
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		seconds float64
		want    string
	}{
		{0, "0 s"},
		{35, "35 s"},
		{59.4, "59 s"},
		{60, "1 m"},
		{46 * 60, "46 m"},
		{3599, "1 h 0 m"},
		{8*3600 + 46*60, "8 h 46 m"},
		{8*3600 + 46*60 + 29, "8 h 46 m"},
		{8*3600 + 46*60 + 30, "8 h 47 m"},
		{59865*3600 + 9*60, "59,865 h 9 m"},
		{1234567 * 3600, "1,234,567 h 0 m"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := Duration(tt.seconds); got != tt.want {
				t.Errorf("Duration(%v) = %q; want %q", tt.seconds, got, tt.want)
			}
		})
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 59865: "59,865", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q; want %q", n, got, want)
		}
	}
}
