package nightly

import (
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

func date(t testing.TB, s string) billing.Date {
	t.Helper()
	d, err := billing.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestPeriodRange(t *testing.T) {
	tests := []struct {
		period       Period
		day          string
		from, to     string
		title        string
		wantDayCount int
	}{
		{Day, "2026-03-10", "2026-03-10", "2026-03-11", "2026-03-10", 1},
		// A Sunday ends its own week; any other day reports the week before.
		{Week, "2026-03-08", "2026-03-02", "2026-03-09", "week 2026-03-02 to 2026-03-08", 7},
		{Week, "2026-03-09", "2026-03-02", "2026-03-09", "week 2026-03-02 to 2026-03-08", 7},
		{Week, "2026-03-14", "2026-03-02", "2026-03-09", "week 2026-03-02 to 2026-03-08", 7},
		{Week, "2026-01-01", "2025-12-22", "2025-12-29", "week 2025-12-22 to 2025-12-28", 7},
		// The last day of a month ends it; any other day reports the month before.
		{Month, "2026-02-28", "2026-02-01", "2026-03-01", "February 2026", 28},
		{Month, "2026-03-10", "2026-02-01", "2026-03-01", "February 2026", 28},
		{Month, "2026-01-15", "2025-12-01", "2026-01-01", "December 2025", 31},
		{Month, "2024-03-01", "2024-02-01", "2024-03-01", "February 2024", 29},
	}
	for _, tt := range tests {
		t.Run(string(tt.period)+" "+tt.day, func(t *testing.T) {
			from, to := tt.period.Range(date(t, tt.day))
			if from.String() != tt.from || to.String() != tt.to {
				t.Errorf("range %s..%s; want %s..%s", from, to, tt.from, tt.to)
			}
			if n := to.DaysSince(from); n != tt.wantDayCount {
				t.Errorf("%d days; want %d", n, tt.wantDayCount)
			}
			if got := tt.period.Title(date(t, tt.day)); got != tt.title {
				t.Errorf("title %q; want %q", got, tt.title)
			}
		})
	}
	if _, err := ParsePeriod("fortnight"); err == nil {
		t.Error("fortnight read as a period")
	}
}

func TestLogicalDay(t *testing.T) {
	kathmandu := zone(t, "Asia/Kathmandu") // +05:45
	at := time.Date(2026, 3, 10, 18, 20, 0, 0, time.UTC)
	if got := LogicalDay(at, kathmandu); got.String() != "2026-03-10" {
		t.Errorf("%s in Kathmandu is 00:05 on the 11th; logical day %s, want 2026-03-10", at, got)
	}
	if got := LogicalDay(at, time.UTC); got.String() != "2026-03-09" {
		t.Errorf("logical day %s in UTC; want 2026-03-09", got)
	}
}

func TestParseSchedule(t *testing.T) {
	shanghai := zone(t, "Asia/Shanghai")
	ny := zone(t, "America/New_York")
	from := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		spec string
		loc  *time.Location
		want []string // next starts, UTC
	}{
		{"30 2 * * *", shanghai, []string{"2026-03-10T18:30:00Z", "2026-03-11T18:30:00Z"}},
		{"CRON_TZ=UTC 30 2 * * *", shanghai, []string{"2026-03-10T02:30:00Z", "2026-03-11T02:30:00Z"}},
		{"@daily", time.UTC, []string{"2026-03-11T00:00:00Z", "2026-03-12T00:00:00Z"}},
		{"0 6 * * 1", time.UTC, []string{"2026-03-16T06:00:00Z", "2026-03-23T06:00:00Z"}},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec, tt.loc)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range NextRuns(s, from, 2) {
			got = append(got, r.UTC().Format(time.RFC3339))
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: next %v; want %v", tt.spec, got, tt.want)
		}
	}
	// At the end of summer time cron starts a 01:30 job twice.
	s, err := ParseSchedule("30 1 * * *", ny)
	if err != nil {
		t.Fatal(err)
	}
	runs := NextRuns(s, time.Date(2026, 11, 1, 0, 0, 0, 0, ny), 2)
	if len(runs) != 2 || LogicalDay(runs[0], ny) != LogicalDay(runs[1], ny) {
		t.Errorf("runs %v: want two starts for one logical day", runs)
	}
	for _, bad := range []string{"", "61 * * * *", "CRON_TZ=Mars/Base 0 3 * * *", "0 3 * *"} {
		if _, err := ParseSchedule(bad, time.UTC); err == nil {
			t.Errorf("%q read as a schedule", bad)
		}
	}
}

func TestJobDoes(t *testing.T) {
	j := Job{Ingest: true, Periods: []Period{Day, Week}, Reports: []string{"occupancy"}, MailTo: []string{"a@x", "b@x"}}
	if got := j.Does(); got != "ingest, reports day week (occupancy), mail 2" {
		t.Errorf("Does %q", got)
	}
	j.AllowIncomplete = true
	if got := j.Does(); got != "ingest, reports day week (occupancy) incomplete allowed, mail 2" {
		t.Errorf("Does %q", got)
	}
	for name, ok := range map[string]bool{"nightly": true, "week-1.a_b": true, "": false, ".hidden": false, "a/b": false, "über": false} {
		if (CheckName(name) == nil) != ok {
			t.Errorf("CheckName(%q) = %v", name, CheckName(name))
		}
	}
}

func TestJobSpan(t *testing.T) {
	tests := []struct {
		name       string
		periods    []Period
		day        string
		first, end string
	}{
		{"day", []Period{Day}, "2026-03-10", "2026-03-10", "2026-03-11"},
		{"week", []Period{Week}, "2026-03-15", "2026-03-09", "2026-03-16"},
		{"day and week", []Period{Day, Week}, "2026-03-16", "2026-03-09", "2026-03-17"},
		{"day and month", []Period{Day, Month}, "2026-03-31", "2026-03-01", "2026-04-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, end := Job{Periods: tt.periods}.span(date(t, tt.day))
			if first != tt.first || end != tt.end {
				t.Errorf("span %s %s; want %s %s", first, end, tt.first, tt.end)
			}
		})
	}
}
