package reports

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// intervalCase is a golden case of the interval report: a small lake whose
// report, with intervals of minutes, is compared with
// testdata/NAME/interval.csv (regenerate with go test ./reports -update).
// Every figure of that file is worked out in the case's comment; times are
// on the site's clock unless they end in Z.
type intervalCase struct {
	name     string
	zone     string
	from, to string
	minutes  int
	days     []lakeDay
}

// springLake is 2026-03-08 in New York: the clock goes from 01:59:59 EST
// to 03:00 EDT (07:00Z), so the day has no 02:00 interval.
//
// S1: session 01:30 EST → 03:30 EDT (06:30Z-07:30Z, one hour); talk 01:50
// EST → 03:10 EDT (billed as 60 and as 4 with the same begin and end:
// counted once); hold 03:00-03:05 EDT; rest 03:20-03:30 EDT.
// S2: logs in 23:30 EDT and works from 23:45: only the open rows of
// 03-08, the lake's last day, say so; they end with the day (04:00Z).
var springLake = []lakeDay{
	{day: "2026-03-08", bills: []span{
		{"S1", 60, 1, "2026-03-08 01:50:00", "2026-03-08 03:10:00"},
		{"S1", 4, 1, "2026-03-08 01:50:00", "2026-03-08 03:10:00"},
		{"S1", 38, 65535, "2026-03-08 03:00:00", "2026-03-08 03:05:00"},
		{"S1", 26, 1, "2026-03-08 03:20:00", "2026-03-08 03:30:00"},
		{"S1", 0, 258, "2026-03-08 01:30:00", "2026-03-08 03:30:00"},
	}, open: []span{
		{"S2", 0, 65535, "2026-03-08 23:30:00", ""},
		{"S2", 27, 0, "2026-03-08 23:45:00", ""},
	}},
}

// fallLake is 2026-11-01 in New York: the clock shows 01:00-01:59 twice,
// first EDT (05:00Z-06:00Z), then EST (06:00Z-07:00Z).
//
// F1: session 01:40 EDT → 01:10 EST (05:40Z-06:10Z); talk 01:50 EDT → 01:05
// EST (05:50Z-06:05Z).
// F2: session 01:10-01:20 EST (06:10Z-06:20Z); rest 01:05-01:20 EST
// (06:05Z-06:20Z), partly before the session: available is clamped at 0.
var fallLake = []lakeDay{
	{day: "2026-11-01", bills: []span{
		{"F1", 60, 1, "2026-11-01T01:50:00-04:00", "2026-11-01T01:05:00-05:00"},
		{"F1", 0, 258, "2026-11-01T01:40:00-04:00", "2026-11-01T01:10:00-05:00"},
		{"F2", 26, 2, "2026-11-01T01:05:00-05:00", "2026-11-01T01:20:00-05:00"},
		{"F2", 0, 258, "2026-11-01T01:10:00-05:00", "2026-11-01T01:20:00-05:00"},
	}},
}

// kathmanduLake is in Asia/Kathmandu (+05:45): its hours start at a
// quarter past the UTC hour. The report is of 03-10.
//
// K1: session 03-10 09:50-11:20; talk 09:50-10:00 (60); work 10:55-11:05;
// text talk 11:10-11:20 billed as type 4 only (the license switch off):
// it counts.
// K2: session 03-09 23:50 → 03-10 00:20 (billed on 03-10); busy 23:50 →
// 00:10. Only the parts in 03-10 count.
var kathmanduLake = []lakeDay{
	{day: "2026-03-10", bills: []span{
		{"K1", 60, 1, "2026-03-10 09:50:00", "2026-03-10 10:00:00"},
		{"K1", 27, 0, "2026-03-10 10:55:00", "2026-03-10 11:05:00"},
		{"K1", 4, 0, "2026-03-10 11:10:00", "2026-03-10 11:20:00"},
		{"K1", 0, 258, "2026-03-10 09:50:00", "2026-03-10 11:20:00"},
		{"K2", 3, 1, "2026-03-09 23:50:00", "2026-03-10 00:10:00"},
		{"K2", 0, 258, "2026-03-09 23:50:00", "2026-03-10 00:20:00"},
	}},
}

var intervalCases = []intervalCase{
	{
		// Intervals 01:00 EST (06:00Z-07:00Z), then 03:00 EDT (07:00Z).
		//   S1 01:00: logged_in 1800, talk 600, available 1200,
		//      occupancy 600/1800 = 0.3333
		//   S1 03:00: logged_in 1800, talk 600, hold 300, rest 600,
		//      available 600, occupancy 600/1200 = 0.5
		//   S2 23:00 (03:00Z-04:00Z): logged_in 1800, work 900, available
		//      900, occupancy 0.5
		// TOTAL rows: the same, one agent in each.
		name: "interval_spring_60", zone: "America/New_York", from: "2026-03-08", to: "2026-03-09",
		minutes: 60, days: springLake,
	},
	{
		//   S1 01:30 EST (06:30Z): logged_in 900, available 900, occupancy 0
		//   S1 01:45 EST (06:45Z-07:00Z): logged_in 900, talk 600,
		//      available 300, occupancy 0.6667
		//   S1 03:00 EDT (07:00Z): logged_in 900, talk 600, hold 300,
		//      available 300, occupancy 0.6667
		//   S1 03:15 EDT: logged_in 900, rest 600, available 300, occupancy 0
		//   S2 23:30: logged_in 900, available 900, occupancy 0
		//   S2 23:45: logged_in 900, work 900, available 0, occupancy 1
		// TOTAL rows: the same.
		name: "interval_spring_15", zone: "America/New_York", from: "2026-03-08", to: "2026-03-09",
		minutes: 15, days: springLake,
	},
	{
		//   F1 01:00 EDT (05:00Z): logged_in 1200, talk 600, available 600,
		//      occupancy 0.5
		//   F1 01:00 EST (06:00Z): logged_in 600, talk 300, available 300,
		//      occupancy 0.5
		//   F2 01:00 EST: logged_in 600, rest 900, available 0, occupancy
		//      empty (0 / 0)
		// TOTAL 01:00 EDT = F1; TOTAL 01:00 EST: logged_in 1200, talk 300,
		//   rest 900, available 300, occupancy 300/600 = 0.5
		name: "interval_fall_60", zone: "America/New_York", from: "2026-11-01", to: "2026-11-02",
		minutes: 60, days: fallLake,
	},
	{
		//   F1 01:30 EDT (05:30Z): logged_in 300, available 300, occupancy 0
		//   F1 01:45 EDT (05:45Z): logged_in 900, talk 600, available 300,
		//      occupancy 0.6667
		//   F1 01:00 EST (06:00Z): logged_in 600, talk 300, available 300,
		//      occupancy 0.5
		//   F2 01:00 EST: logged_in 300, rest 600, available 0, occupancy
		//      empty
		//   F2 01:15 EST (06:15Z): logged_in 300, rest 300, available 0,
		//      occupancy empty
		// TOTAL 01:30 EDT and 01:45 EDT = F1; TOTAL 01:00 EST: logged_in
		//   900, talk 300, rest 600, available 300, occupancy 0.5; TOTAL
		//   01:15 EST = F2.
		name: "interval_fall_15", zone: "America/New_York", from: "2026-11-01", to: "2026-11-02",
		minutes: 15, days: fallLake,
	},
	{
		//   K1 09:00 (03:15Z): logged_in 600, talk 600, available 0,
		//      occupancy 1
		//   K1 10:00 (04:15Z): logged_in 3600, work 300, available 3300,
		//      occupancy 300/3600 = 0.0833
		//   K1 11:00 (05:15Z): logged_in 1200, talk 600, work 300,
		//      available 300, occupancy 900/1200 = 0.75
		//   K2 00:00 (03-09 18:15Z): logged_in 1200, busy 600, available
		//      600, occupancy 0
		// TOTAL rows: the same.
		name: "interval_kathmandu_60", zone: "Asia/Kathmandu", from: "2026-03-10", to: "2026-03-11",
		minutes: 60, days: kathmanduLake,
	},
	{
		//   K1 09:45 (04:00Z): logged_in 600, talk 600, available 0,
		//      occupancy 1
		//   K1 10:00, 10:15, 10:30: logged_in 900, available 900, occupancy 0
		//   K1 10:45: logged_in 900, work 300, available 600, occupancy
		//      0.3333
		//   K1 11:00: logged_in 900, talk 300, work 300, available 300,
		//      occupancy 0.6667
		//   K1 11:15: logged_in 300, talk 300, available 0, occupancy 1
		//   K2 00:00 (03-09 18:15Z): logged_in 900, busy 600, available 300,
		//      occupancy 0
		//   K2 00:15: logged_in 300, available 300, occupancy 0
		// TOTAL rows: the same.
		name: "interval_kathmandu_15", zone: "Asia/Kathmandu", from: "2026-03-10", to: "2026-03-11",
		minutes: 15, days: kathmanduLake,
	},
}

func TestIntervalGolden(t *testing.T) {
	ctx := context.Background()
	report, err := Select(BuiltIn(), "interval")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range intervalCases {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoad(t, tc.zone)
			dir := writeLake(t, loc, tc.days...)
			opts := Options{Lake: dir, From: mustDate(t, tc.from), To: mustDate(t, tc.to), Location: loc, IntervalMinutes: tc.minutes}
			s, err := Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var out bytes.Buffer
			if err := s.Run(ctx, report[0], FormatCSV, &out); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", tc.name, "interval.csv"), out.String())
		})
	}
}

func TestIntervals(t *testing.T) {
	tests := []struct {
		zone, day string
		minutes   int
		count     int
		// Some intervals: "local start|UTC start|seconds long".
		has []string
	}{
		{"America/New_York", "2026-03-08", 60, 23, []string{
			"2026-03-08 01:00|2026-03-08T06:00:00Z|3600", "2026-03-08 03:00|2026-03-08T07:00:00Z|3600"}},
		{"America/New_York", "2026-03-08", 15, 92, []string{
			"2026-03-08 01:45|2026-03-08T06:45:00Z|900", "2026-03-08 03:00|2026-03-08T07:00:00Z|900"}},
		{"America/New_York", "2026-11-01", 60, 25, []string{
			"2026-11-01 01:00|2026-11-01T05:00:00Z|3600", "2026-11-01 01:00|2026-11-01T06:00:00Z|3600",
			"2026-11-01 23:00|2026-11-02T04:00:00Z|3600"}},
		{"America/New_York", "2026-11-01", 30, 50, nil},
		{"Asia/Kathmandu", "2026-03-10", 60, 24, []string{
			"2026-03-10 00:00|2026-03-09T18:15:00Z|3600", "2026-03-10 23:00|2026-03-10T17:15:00Z|3600"}},
		{"Asia/Kathmandu", "2026-03-10", 5, 288, nil},
		// Lord Howe moves its clock by half an hour, from 02:00 (+10:30)
		// to 02:30 (+11): the interval before the change runs to the next
		// wall-clock start the day has.
		{"Australia/Lord_Howe", "2026-10-04", 60, 23, []string{
			"2026-10-04 01:00|2026-10-03T14:30:00Z|5400", "2026-10-04 03:00|2026-10-03T16:00:00Z|3600"}},
		{"Australia/Lord_Howe", "2026-10-04", 20, 70, []string{
			"2026-10-04 01:40|2026-10-03T15:10:00Z|1800", "2026-10-04 02:40|2026-10-03T15:40:00Z|1200"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.zone, " ", tt.day, " ", tt.minutes), func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			d := mustDate(t, tt.day)
			days := Days(d, d.Next(), loc)
			list := Intervals(days, tt.minutes, loc)
			if len(list) != tt.count {
				t.Errorf("%d intervals, want %d", len(list), tt.count)
			}
			var got []string
			for i, iv := range list {
				got = append(got, fmt.Sprintf("%s|%s|%d", iv.Local, iv.Start.UTC().Format(time.RFC3339), int(iv.End.Sub(iv.Start).Seconds())))
				if i == 0 && !iv.Start.Equal(days[0].Start) || i == len(list)-1 && !iv.End.Equal(days[0].End) {
					t.Errorf("interval %d (%s) does not meet the day's bounds", i, iv.Local)
				}
				if i > 0 && !list[i-1].End.Equal(iv.Start) {
					t.Errorf("%s does not start where the interval before ends", iv.Local)
				}
			}
			for _, w := range tt.has {
				if !slices.Contains(got, w) {
					t.Errorf("no interval %s in\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

func TestOpenIntervalMinutes(t *testing.T) {
	day := billing.Date{Year: 2026, Month: time.March, Day: 1}
	for _, m := range []int{7, 45, 90, -5} {
		if s, err := Open(context.Background(), Options{Lake: t.TempDir(), From: day, To: day.Next(), IntervalMinutes: m}); err == nil {
			s.Close()
			t.Errorf("interval of %d minutes accepted", m)
		}
	}
}

// perDayReports are the built-in reports of the golden cases of
// golden_test.go: all but interval, which has its own (intervalCases).
func perDayReports() []Report {
	return slices.DeleteFunc(BuiltIn(), func(r Report) bool { return r.Name == "interval" })
}

// refIntervals finds the intervals of days by scanning their minutes: an
// instant on a whole minute starts one when its wall clock's minute of the
// day is a multiple of minutes; an interval ends where the next starts.
func refIntervals(days []Day, minutes int, loc *time.Location) []Interval {
	var list []Interval
	for _, d := range days {
		var starts []time.Time
		for t := d.Start; t.Before(d.End); t = t.Add(time.Minute) {
			if l := t.In(loc); (l.Hour()*60+l.Minute())%minutes == 0 {
				starts = append(starts, t)
			}
		}
		for i, s := range starts {
			end := d.End
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			list = append(list, Interval{Day: d.Day, Local: s.In(loc).Format("2006-01-02 15:04"), Start: s, End: end})
		}
	}
	return list
}

// refInterval computes the interval report from rows: occupancy's
// figures per agent and interval, and the TOTAL row of each interval.
func refInterval(intervals []Interval, rows []billing.Bill) map[string]refRow {
	var starts, ends []time.Time
	for _, iv := range intervals {
		starts, ends = append(starts, iv.Start), append(ends, iv.End)
	}
	sums := refOccupancySums{}
	for k, m := range refOccupancySeconds(starts, ends, rows) {
		iv := intervals[k.period]
		key := refKey{day: iv.Day.String(), extra: iv.Local + "|" + iv.Start.UTC().Format(time.RFC3339)}
		sums.add(refKey{agent: k.agent, day: key.day, extra: key.extra}, m)
		sums.add(refKey{agent: "TOTAL", day: key.day, extra: key.extra}, m)
	}
	return sums.rows()
}

// TestIntervalMatchesReference holds the interval report against
// refInterval over random lakes that hold a clock change: New York's
// spring forward (03-08) and fall back (11-01), and Kathmandu's +05:45.
func TestIntervalMatchesReference(t *testing.T) {
	ctx := context.Background()
	report, err := Select(BuiltIn(), "interval")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		zone  string
		first billing.Date
	}{
		{"America/New_York", billing.Date{Year: 2026, Month: time.March, Day: 6}},
		{"America/New_York", billing.Date{Year: 2026, Month: time.October, Day: 30}},
		{"Asia/Kathmandu", billing.Date{Year: 2026, Month: time.March, Day: 9}},
	}
	for _, tt := range tests {
		loc := mustLoad(t, tt.zone)
		for _, seed := range []uint64{4, 5} {
			rl := buildRandomLake(t, seed, loc, tt.first, 4, 6, 45)
			rows := append(slices.Clone(rl.bills), rl.lastOpen...)
			for _, minutes := range []int{15, 20, 60} {
				for _, window := range []struct{ from, to int }{{0, 4}, {2, 3}, {3, 5}} {
					from, to := tt.first.AddDays(window.from), tt.first.AddDays(window.to)
					t.Run(fmt.Sprintf("%s seed %d %d min %s..%s", tt.zone, seed, minutes, from, to), func(t *testing.T) {
						s, err := Open(ctx, Options{Lake: rl.dir, From: from, To: to, Location: loc, IntervalMinutes: minutes})
						if err != nil {
							t.Fatal(err)
						}
						defer s.Close()
						var out bytes.Buffer
						if err := s.Run(ctx, report[0], FormatCSV, &out); err != nil {
							t.Fatal(err)
						}
						want := refInterval(refIntervals(Days(from, to, loc), minutes, loc), rows)
						if len(want) == 0 {
							t.Fatal("the random lake has nothing in the window")
						}
						compareReport(t, out.String(), []string{"agent_id", "date", "interval_start", "interval_start_utc"}, want)
					})
				}
			}
		}
	}
}
