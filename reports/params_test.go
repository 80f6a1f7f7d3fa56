package reports

import (
	"strconv"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

func TestDays(t *testing.T) {
	tests := []struct {
		zone, from, to string
		hours          []float64
		firstStart     string // UTC
	}{
		{"America/New_York", "2026-03-07", "2026-03-10", []float64{24, 23, 24}, "2026-03-07T05:00:00Z"},
		{"America/New_York", "2026-10-31", "2026-11-03", []float64{24, 25, 24}, "2026-10-31T04:00:00Z"},
		{"Asia/Kathmandu", "2026-03-09", "2026-03-10", []float64{24}, "2026-03-08T18:15:00Z"},
		{"UTC", "2026-05-04", "2026-05-04", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.zone+" "+tt.from, func(t *testing.T) {
			days := Days(mustDate(t, tt.from), mustDate(t, tt.to), mustLoad(t, tt.zone))
			if len(days) != len(tt.hours) {
				t.Fatalf("%d days, want %d", len(days), len(tt.hours))
			}
			for i, d := range days {
				if h := d.End.Sub(d.Start).Hours(); h != tt.hours[i] {
					t.Errorf("%s: %v hours, want %v", d.Day, h, tt.hours[i])
				}
				if i > 0 && !days[i-1].End.Equal(d.Start) {
					t.Errorf("%s does not start where the day before ends", d.Day)
				}
			}
			if len(days) > 0 {
				if got := days[0].Start.Format(time.RFC3339); got != tt.firstStart {
					t.Errorf("first start %s, want %s", got, tt.firstStart)
				}
			}
		})
	}
}

func TestLabelsTable(t *testing.T) {
	labels := Labels{
		Rest:   map[int]string{0: "Default", 7: "Meeting"},
		Busy:   map[int]string{200: "Coaching", 2: "No answer"},
		Logout: map[int]string{5: "Shift end"},
	}
	got := map[string]string{}
	kinds := map[string]int{}
	for _, l := range labels.Table() {
		got[l.Kind+" "+strconv.Itoa(l.Code)] = l.Label
		kinds[l.Kind]++
	}
	tests := []struct{ key, want string }{
		{"busy 1", billing.BusyCauseLabel(1)},
		{"busy 2", "No answer"}, // the site's over the seed's
		{"busy 7", billing.BusyCauseLabel(7)},
		{"busy 200", "Coaching"},
		{"busy 6", ""},
		{"rest 0", "Default"},
		{"rest 7", "Meeting"},
		{"logout 5", "Shift end"},
		{"logout 256", billing.LogoutCauseLabel(256)},
		{"logout 264", billing.LogoutCauseLabel(264)},
		{"logout 265", ""},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got[tt.key] != tt.want {
				t.Errorf("label %q, want %q", got[tt.key], tt.want)
			}
		})
	}
	if kinds["busy"] != 7 || kinds["rest"] != 2 || kinds["logout"] != 10 {
		t.Errorf("labels by kind %v, want busy 7 (6 seed + 200), rest 2, logout 10 (9 seed + 5)", kinds)
	}
}

func TestLastDay(t *testing.T) {
	loc := mustLoad(t, "UTC")
	tests := []struct {
		name string
		days []lakeDay
		want string
	}{
		{"empty lake", nil, ""},
		// The last day has no open row at all: still the last day, so the
		// open rows of the day before are not used.
		{"last day without open rows", []lakeDay{
			{day: "2026-05-04", open: []span{{"A", 0, 65535, "2026-05-04 08:00:00", ""}}},
			{day: "2026-05-05"},
		}, "2026-05-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeLake(t, loc, tt.days...)
			day, ok, err := LastDay(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if ok {
				got = day.String()
			}
			if got != tt.want {
				t.Errorf("LastDay = %q, want %q", got, tt.want)
			}
		})
	}
}
