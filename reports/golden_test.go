package reports

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
)

// goldenCase is a small lake whose reports are compared with the files
// testdata/NAME/REPORT.csv (regenerate with go test ./reports -update).
// Every figure of those files is worked out in the case's comment.
type goldenCase struct {
	name     string
	zone     string
	from, to string
	labels   Labels
	days     []lakeDay
}

var goldenCases = []goldenCase{
	{
		// Asia/Kathmandu (+05:45), a site with a long session timeout:
		// times below are on its clock. Days 03-09, 03-10 and 03-11; the
		// lake's last day, 03-11, has open rows and no bills.
		//
		// A01: session 03-09 20:00 → 03-10 02:00 (logout 258, billed on
		// 03-10). 20:00-20:10 voice talk (60, two pieces), hold 20:02-20:04;
		// work 20:10-20:20; text talk 20:20-20:35 (three pieces, each billed
		// as 60 and as 4: counted once); idle 20:35-21:00; busy cause 2
		// 21:00-21:30; study 21:30-22:00; suspended 22:00-22:10; idle
		// 22:10-23:30; rest cause 1 23:30 → 00:45 (billed on 03-10); idle
		// to 02:00. The open rows of 03-09 (the session from 20:00 and the
		// rest from 23:30) are not the last day's and must not count.
		//   03-09: logged_in 14400, talk 600+900 = 1500, hold 120, work 600,
		//          busy 1800, rest 1800 (to midnight), study 1800,
		//          suspended 600, available 14400-8100 = 6300 (= idle
		//          1500+4800), occupancy 2100/8400 = 0.25
		//   03-10: logged_in 7200, rest 2700, available 4500, occupancy 0
		// A02 (zero available): session 03-10 09:00-10:00 (forced, 257): talk
		// 09:00-09:10 and 09:20-09:30 (60), work 09:10-09:20 and 09:30-10:00.
		//   03-10: logged_in 3600, talk 1200, work 2400, available 0,
		//          occupancy 1
		// A03: logs in 03-10 21:00 and is still logged in at the end of the
		// lake; rests (cause 2) from 03-11 20:00. Only the open rows of 03-11
		// say so: its session (from 03-10 21:00) and the rest.
		//   03-10: logged_in 10800, available 10800, occupancy 0
		//   03-11: logged_in 86400, rest 14400, available 72000, occupancy 0
		// A04 (text without type 60: the license switch off): session 03-10
		// 13:00-15:00 (258): talk 13:00-13:10 (4 only), busy cause 200
		// 13:10-13:40, rest cause 9 (no label) 13:40-14:00, idle to 15:00.
		//   03-10: logged_in 7200, talk 600, busy 1800, rest 1200,
		//          available 3600, occupancy 600/4200 = 0.1429
		// A05: logs in 03-10 23:00; a text conversation opens 03-11 23:57 and
		// is open at the end of the lake (an open row of type 4: talk).
		//   03-10: logged_in 3600, available 3600, occupancy 0
		//   03-11: logged_in 86400, talk 180, available 86220,
		//          occupancy 180/86400 = 0.0021
		// TOTAL 03-09 = A01's row.
		// TOTAL 03-10: logged_in 7200+3600+10800+7200+3600 = 32400, talk
		//   1800, work 2400, busy 1800, rest 3900, available 22500,
		//   occupancy 4200/26700 = 0.1573
		// TOTAL 03-11: logged_in 172800, talk 180, rest 14400, available
		//   158220, occupancy 180/158400 = 0.0011
		// TOTAL: logged_in 219600, talk 3480, hold 120, work 3000, busy 3600,
		//   rest 20100, study 1800, suspended 600, available 187020,
		//   occupancy 6480/193500 = 0.0335
		//
		// rest_reasons (share = total / the agent-day's logged_in):
		//   A01 03-09 busy 2 (seed label) 1800 (0.125); rest 1 Lunch 1800
		//   (0.125); A01 03-10 rest 1 2700 (0.375); A03 03-11 rest 2 Training
		//   14400 (0.1667); A04 03-10 busy 200 Coaching 1800 (0.25), rest 9
		//   1200 (0.1667). TOTAL 03-09: busy 2 and rest 1 0.125 each; TOTAL
		//   03-10: busy 200 1800/32400 = 0.0556, rest 1 2700/32400 = 0.0833,
		//   rest 9 1200/32400 = 0.037; TOTAL 03-11: rest 2 14400/172800 =
		//   0.0833. TOTAL: busy 2 and busy 200 1800/219600 = 0.0082; rest 1
		//   count 2, 4500 s, avg 2250, max 2700, 0.0205; rest 2 0.0656; rest
		//   9 0.0055.
		// logout_causes (all on 03-10): A01 258 agent 21600; A02 257 forced
		//   3600; A04 258 agent 7200. TOTAL 03-10 and TOTAL: 257 1 agent
		//   3600; 258 count 2, 2 agents, avg 14400, max 21600.
		// Period rows (date empty), each agent's days summed: A01 logged_in
		//   21600, available 6300+4500 = 10800, occupancy 2100/12900 =
		//   0.1628; A03 97200, rest 14400, available 82800; A05 90000, talk
		//   180, available 89820, occupancy 180/90000 = 0.002; A02 and A04
		//   as their one day. rest_reasons: A01 rest 1 count 2, 4500 s, avg
		//   2250, max 2700, share 4500/21600 = 0.2083, busy 2 1800/21600 =
		//   0.0833; A03 rest 2 14400/97200 = 0.1481. logout_causes: as the
		//   03-10 rows.
		name: "midnight", zone: "Asia/Kathmandu", from: "2026-03-09", to: "2026-03-12",
		labels: Labels{Rest: map[int]string{1: "Lunch", 2: "Training"}, Busy: map[int]string{200: "Coaching"}},
		days: []lakeDay{
			{day: "2026-03-09", bills: []span{
				{"A01", 1, 65535, "2026-03-09 20:00:00", "2026-03-09 20:00:00"},
				{"A01", 60, 1, "2026-03-09 20:00:00", "2026-03-09 20:05:00"},
				{"A01", 38, 65535, "2026-03-09 20:02:00", "2026-03-09 20:04:00"},
				{"A01", 60, 0, "2026-03-09 20:05:00", "2026-03-09 20:10:00"},
				{"A01", 27, 0, "2026-03-09 20:10:00", "2026-03-09 20:20:00"},
				{"A01", 4, 1, "2026-03-09 20:20:00", "2026-03-09 20:25:00"},
				{"A01", 60, 1, "2026-03-09 20:20:00", "2026-03-09 20:25:00"},
				{"A01", 4, 1, "2026-03-09 20:25:00", "2026-03-09 20:30:00"},
				{"A01", 60, 1, "2026-03-09 20:25:00", "2026-03-09 20:30:00"},
				{"A01", 4, 0, "2026-03-09 20:30:00", "2026-03-09 20:35:00"},
				{"A01", 60, 0, "2026-03-09 20:30:00", "2026-03-09 20:35:00"},
				{"A01", 3, 2, "2026-03-09 21:00:00", "2026-03-09 21:30:00"},
				{"A01", 34, 65535, "2026-03-09 21:30:00", "2026-03-09 22:00:00"},
				{"A01", 13, 65535, "2026-03-09 22:00:00", "2026-03-09 22:10:00"},
			}, open: []span{
				{"A01", 0, 65535, "2026-03-09 20:00:00", ""},
				{"A01", 26, 1, "2026-03-09 23:30:00", ""},
			}},
			{day: "2026-03-10", bills: []span{
				{"A01", 26, 1, "2026-03-09 23:30:00", "2026-03-10 00:45:00"},
				{"A01", 0, 258, "2026-03-09 20:00:00", "2026-03-10 02:00:00"},
				{"A02", 1, 65535, "2026-03-10 09:00:00", "2026-03-10 09:00:00"},
				{"A02", 60, 1, "2026-03-10 09:00:00", "2026-03-10 09:05:00"},
				{"A02", 60, 0, "2026-03-10 09:05:00", "2026-03-10 09:10:00"},
				{"A02", 27, 0, "2026-03-10 09:10:00", "2026-03-10 09:20:00"},
				{"A02", 60, 1, "2026-03-10 09:20:00", "2026-03-10 09:25:00"},
				{"A02", 60, 0, "2026-03-10 09:25:00", "2026-03-10 09:30:00"},
				{"A02", 27, 0, "2026-03-10 09:30:00", "2026-03-10 10:00:00"},
				{"A02", 0, 257, "2026-03-10 09:00:00", "2026-03-10 10:00:00"},
				{"A03", 1, 65535, "2026-03-10 21:00:00", "2026-03-10 21:00:00"},
				{"A04", 1, 65535, "2026-03-10 13:00:00", "2026-03-10 13:00:00"},
				{"A04", 4, 1, "2026-03-10 13:00:00", "2026-03-10 13:05:00"},
				{"A04", 4, 0, "2026-03-10 13:05:00", "2026-03-10 13:10:00"},
				{"A04", 3, 200, "2026-03-10 13:10:00", "2026-03-10 13:40:00"},
				{"A04", 26, 9, "2026-03-10 13:40:00", "2026-03-10 14:00:00"},
				{"A04", 0, 258, "2026-03-10 13:00:00", "2026-03-10 15:00:00"},
				{"A05", 1, 65535, "2026-03-10 23:00:00", "2026-03-10 23:00:00"},
			}, open: []span{
				{"A03", 0, 65535, "2026-03-10 21:00:00", ""},
				{"A03", 2, 65535, "2026-03-10 21:00:00", ""},
				{"A05", 0, 65535, "2026-03-10 23:00:00", ""},
				{"A05", 2, 65535, "2026-03-10 23:00:00", ""},
			}},
			{day: "2026-03-11", open: []span{
				{"A03", 0, 65535, "2026-03-10 21:00:00", ""},
				{"A03", 26, 2, "2026-03-11 20:00:00", ""},
				{"A05", 0, 65535, "2026-03-10 23:00:00", ""},
				{"A05", 4, 0, "2026-03-11 23:57:00", ""},
			}},
		},
	},
	{
		// America/New_York, spring forward: 2026-03-08 runs from 05:00 to
		// 04:00 UTC the next day, 23 hours (82800 s); 03-09 has 24.
		//
		// N1: session 03-07 22:00 EST → 03-09 01:00 EDT (258, billed on
		// 03-09; 26 h = 93600 s). Rest cause 1 01:30 EST → 03:30 EDT: one
		// hour, though the clock moves two. Busy cause 1 03-08 23:00 →
		// 03-09 00:30. The open rows of 03-07 and 03-08 are not the last
		// day's (03-09, which has none) and must not count.
		//   03-08: logged_in 82800, busy 3600, rest 3600, available 75600,
		//          occupancy 0
		//   03-09: logged_in 3600, busy 1800, available 1800, occupancy 0
		// N2: session 01:00 EST → 04:00 EDT (256, system), 7200 s; work
		// 01:00-01:30.
		//   03-08: logged_in 7200, work 1800, available 5400,
		//          occupancy 1800/7200 = 0.25
		// TOTAL 03-08: logged_in 90000, work 1800, busy 3600, rest 3600,
		//   available 81000, occupancy 1800/82800 = 0.0217
		// TOTAL 03-09: logged_in 3600, busy 1800, available 1800, occupancy 0
		// TOTAL: logged_in 93600, work 1800, busy 5400, rest 3600, available
		//   82800, occupancy 1800/84600 = 0.0213
		//
		// rest_reasons: N1 03-08 busy 1 (seed label) 3600 (3600/82800 =
		//   0.0435), rest 1 (no label) 3600 (0.0435); N1 03-09 busy 1 1800
		//   (0.5). TOTAL 03-08: busy 1 and rest 1 3600/90000 = 0.04; TOTAL
		//   03-09: busy 1 0.5; TOTAL: busy 1 count 2, 5400 s, avg 2700, max
		//   3600, 5400/93600 = 0.0577; rest 1 3600/93600 = 0.0385.
		// logout_causes: N2 03-08 256 system 7200; N1 03-09 258 agent 93600;
		//   the same as TOTAL rows per day and for the whole report.
		// Period rows: N1 logged_in 86400, busy 5400, rest 3600, available
		//   77400; busy 1 count 2, 5400 s, avg 2700, max 3600, share
		//   5400/86400 = 0.0625; rest 1 3600/86400 = 0.0417. N2 as its day.
		name: "dst_spring", zone: "America/New_York", from: "2026-03-08", to: "2026-03-10",
		days: []lakeDay{
			{day: "2026-03-07", bills: []span{
				{"N1", 1, 65535, "2026-03-07 22:00:00", "2026-03-07 22:00:00"},
			}, open: []span{
				{"N1", 0, 65535, "2026-03-07 22:00:00", ""},
				{"N1", 2, 65535, "2026-03-07 22:00:00", ""},
			}},
			{day: "2026-03-08", bills: []span{
				{"N1", 26, 1, "2026-03-08 01:30:00", "2026-03-08 03:30:00"},
				{"N2", 1, 65535, "2026-03-08 01:00:00", "2026-03-08 01:00:00"},
				{"N2", 27, 0, "2026-03-08 01:00:00", "2026-03-08 01:30:00"},
				{"N2", 0, 256, "2026-03-08 01:00:00", "2026-03-08 04:00:00"},
			}, open: []span{
				{"N1", 0, 65535, "2026-03-07 22:00:00", ""},
				{"N1", 3, 1, "2026-03-08 23:00:00", ""},
			}},
			{day: "2026-03-09", bills: []span{
				{"N1", 3, 1, "2026-03-08 23:00:00", "2026-03-09 00:30:00"},
				{"N1", 0, 258, "2026-03-07 22:00:00", "2026-03-09 01:00:00"},
			}},
		},
	},
	{
		// America/New_York, fall back: 2026-11-01 runs from 04:00 to 05:00
		// UTC the next day, 25 hours (90000 s).
		//
		// F1: session 10-31 23:00 EDT → 11-02 00:30 EST (258, billed on
		// 11-02, after the report). Rest cause 3 (Prayer) from 01:30 EDT to
		// 01:30 EST: one hour, though the clock shows the same time.
		//   11-01: logged_in 90000, rest 3600, available 86400, occupancy 0
		// F2: session 10:00-11:00 EST (client cause 12, Headset failure);
		// talk 10:00-10:10.
		//   11-01: logged_in 3600, talk 600, available 3000,
		//          occupancy 600/3600 = 0.1667
		// TOTAL 11-01 and TOTAL: logged_in 93600, talk 600, rest 3600,
		//   available 89400, occupancy 600/90000 = 0.0067
		//
		// rest_reasons: F1 11-01 rest 3 Prayer 3600 (3600/90000 = 0.04);
		//   TOTAL 11-01 and TOTAL 3600/93600 = 0.0385.
		// logout_causes: F2 11-01 12 Headset failure client 3600; TOTAL the
		//   same (F1 logs out after the report).
		// Period rows: one day, so each agent's as its day's.
		name: "dst_fall", zone: "America/New_York", from: "2026-11-01", to: "2026-11-02",
		labels: Labels{Rest: map[int]string{3: "Prayer"}, Logout: map[int]string{12: "Headset failure"}},
		days: []lakeDay{
			{day: "2026-10-31", bills: []span{
				{"F1", 1, 65535, "2026-10-31 23:00:00", "2026-10-31 23:00:00"},
			}, open: []span{
				{"F1", 0, 65535, "2026-10-31 23:00:00", ""},
			}},
			{day: "2026-11-01", bills: []span{
				{"F1", 26, 3, "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"},
				{"F2", 1, 65535, "2026-11-01 10:00:00", "2026-11-01 10:00:00"},
				{"F2", 60, 1, "2026-11-01 10:00:00", "2026-11-01 10:05:00"},
				{"F2", 60, 0, "2026-11-01 10:05:00", "2026-11-01 10:10:00"},
				{"F2", 0, 12, "2026-11-01 10:00:00", "2026-11-01 11:00:00"},
			}, open: []span{
				{"F1", 0, 65535, "2026-10-31 23:00:00", ""},
			}},
			{day: "2026-11-02", bills: []span{
				{"F1", 0, 258, "2026-10-31 23:00:00", "2026-11-02 00:30:00"},
			}},
		},
	},
	{
		// UTC, every logout category, on 05-04 and 05-05.
		//
		// Logouts (type-0 bills; the session length in seconds):
		//   L1 05-04: 08:00-12:00 relogin 259 (14400), 12:00-17:00 agent 258
		//     (18000)
		//   L2 05-04: 09:00-09:30 forced 257 (1800), 10:00-11:00 forced 264
		//     (3600)
		//   L3 05-04: 07:00-08:00 system 256 (3600), 09:00-09:10 260 (600),
		//     10:00-10:20 261 (1200); 05-05: 01:00-02:00 262 (3600),
		//     03:00-03:00 263 (0: a logout all the same)
		//   L4: 05-04 22:00 → 05-05 06:00 client 5 Shift end (28800, on
		//     05-05, the day it ends); 05-05 07:00-08:00 5 (3600);
		//     09:00-10:00 client 200, no label (3600)
		//   L5: 05-03 23:00 → 05-04 00:00 agent 258 (3600: it ends on the
		//     first instant of 05-04, so counts there); 05-05 11:00-11:30
		//     65535, an imported bill: other (1800); 05-06 00:00-01:00 258,
		//     after the report
		//   L6: logged in since 05-05 20:00, still open: no logout
		//   L7: 05-05 10:00-18:00 system 256 (28800), closed as stale by the
		//     run of 05-06: billed after the day it counts on
		//   L8: 05-04 13:00-14:00 agent 258 (3600), resting all along
		// TOTAL 05-04: 256 3600; 257 1800; 258 L1, L5, L8: count 3, 3 agents,
		//   avg 25200/3 = 8400, max 18000; 259 14400; 260 600; 261 1200;
		//   264 3600.
		// TOTAL 05-05: 5 count 2, 1 agent, avg 16200, max 28800; 200 3600;
		//   256 28800; 262 3600; 263 0; 65535 1800.
		// TOTAL: as the days' rows, but 256: count 2, 2 agents, avg 16200,
		//   max 28800.
		//
		// occupancy: only sessions, so available = logged_in and occupancy
		// 0, but for L8, all rest: 0 / 0 is empty.
		//   05-04: L1 32400, L2 5400, L3 5400, L4 7200 (to midnight), L8
		//     3600 (rest 3600, available 0, occupancy empty). L5's session
		//     ends at 05-04 00:00 and adds nothing.
		//   05-05: L3 3600 (the zero-length session adds nothing), L4
		//     21600+3600+3600 = 28800, L5 1800, L6 14400 (the open row of
		//     05-06, to the end of the report), L7 28800.
		//   TOTAL 05-04: logged_in 54000, rest 3600, available 50400; TOTAL
		//   05-05: 77400; TOTAL: 131400, rest 3600, available 127800.
		// rest_reasons: L8 05-04 rest 0: 3600, share 1; TOTAL 05-04
		//   3600/54000 = 0.0667; TOTAL 3600/131400 = 0.0274.
		// Period rows: each agent's days summed: L3 logged_in 5400+3600 =
		//   9000, L4 7200+28800 = 36000; L4 cause 5 count 2, avg 16200, max
		//   28800; L5 258 and 65535 once each.
		name: "logouts", zone: "UTC", from: "2026-05-04", to: "2026-05-06",
		labels: Labels{Logout: map[int]string{5: "Shift end"}},
		days: []lakeDay{
			{day: "2026-05-04", bills: []span{
				{"L1", 0, 259, "2026-05-04 08:00:00", "2026-05-04 12:00:00"},
				{"L1", 0, 258, "2026-05-04 12:00:00", "2026-05-04 17:00:00"},
				{"L2", 0, 257, "2026-05-04 09:00:00", "2026-05-04 09:30:00"},
				{"L2", 0, 264, "2026-05-04 10:00:00", "2026-05-04 11:00:00"},
				{"L3", 0, 256, "2026-05-04 07:00:00", "2026-05-04 08:00:00"},
				{"L3", 0, 260, "2026-05-04 09:00:00", "2026-05-04 09:10:00"},
				{"L3", 0, 261, "2026-05-04 10:00:00", "2026-05-04 10:20:00"},
				{"L5", 0, 258, "2026-05-03 23:00:00", "2026-05-04 00:00:00"},
				{"L8", 26, 0, "2026-05-04 13:00:00", "2026-05-04 14:00:00"},
				{"L8", 0, 258, "2026-05-04 13:00:00", "2026-05-04 14:00:00"},
			}, open: []span{
				{"L4", 0, 65535, "2026-05-04 22:00:00", ""},
			}},
			{day: "2026-05-05", bills: []span{
				{"L3", 0, 262, "2026-05-05 01:00:00", "2026-05-05 02:00:00"},
				{"L3", 0, 263, "2026-05-05 03:00:00", "2026-05-05 03:00:00"},
				{"L4", 0, 5, "2026-05-04 22:00:00", "2026-05-05 06:00:00"},
				{"L4", 0, 5, "2026-05-05 07:00:00", "2026-05-05 08:00:00"},
				{"L4", 0, 200, "2026-05-05 09:00:00", "2026-05-05 10:00:00"},
				{"L5", 0, 65535, "2026-05-05 11:00:00", "2026-05-05 11:30:00"},
			}, open: []span{
				{"L6", 0, 65535, "2026-05-05 20:00:00", ""},
				{"L7", 0, 65535, "2026-05-05 10:00:00", ""},
			}},
			{day: "2026-05-06", bills: []span{
				{"L5", 0, 258, "2026-05-06 00:00:00", "2026-05-06 01:00:00"},
				{"L7", 0, 256, "2026-05-05 10:00:00", "2026-05-05 18:00:00"},
			}, open: []span{
				{"L6", 0, 65535, "2026-05-05 20:00:00", ""},
			}},
		},
	},
}

func TestReportsGolden(t *testing.T) {
	ctx := context.Background()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoad(t, tc.zone)
			dir := writeLake(t, loc, tc.days...)
			opts := Options{Lake: dir, From: mustDate(t, tc.from), To: mustDate(t, tc.to), Location: loc, Labels: tc.labels}
			s, err := Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, r := range perDayReports() {
				t.Run(r.Name, func(t *testing.T) {
					var out bytes.Buffer
					if err := s.Run(ctx, r, FormatCSV, &out); err != nil {
						t.Fatal(err)
					}
					golden(t, filepath.Join("testdata", tc.name, r.Name+".csv"), out.String())
				})
			}
		})
	}
}
