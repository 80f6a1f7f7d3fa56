// Package reports runs DuckDB SQL over the lake. OpenLake gives an
// in-memory DuckDB with the views bills, open and rejects over the lake's
// Parquet files, and Query writes the result of a statement as CSV, JSON
// Lines or an aligned text table.
//
// The reports of SPEC §5 (occupancy, rest_reasons, logout_causes,
// interval) are plain DuckDB files in the folder sql/ (package reportsql);
// a site adds its own by putting NAME.sql files in a folder (config
// reports.dir). Catalog lists both, Open sets up a Session over the lake
// for the days [From, To), and Session.Run or WriteFiles runs reports into
// NAME_FROM_TO.csv files.
//
// A report counts what the lake holds. Holes lists the days of a period
// that it does not hold whole (missing, broken or stale), so that callers
// refuse such a period (IncompleteError) or say which days it lacks; a
// lake file that DuckDB cannot read fails a report with a FileError that
// names it.
//
// # Parameters
//
// Go works out each site-zone day's bounds as UTC instants, from the same
// zone data the ingest gave each record its day with, so that a report's
// days are the lake's days. (DuckDB's own time zones give the same bounds:
// its ICU is built in, so AT TIME ZONE works, as in the recipe below.)
// Before any report runs, Open creates on its connection, with every value
// bound:
//
//	report_days (day DATE, day_start TIMESTAMP, day_end TIMESTAMP)
//	    one row per site-zone day of [From, To): its local 00:00 and the
//	    next day's, as UTC instants (23 or 25 hours apart when the clock
//	    changes)
//	report_intervals (day DATE, interval_start_local VARCHAR, start TIMESTAMP, "end" TIMESTAMP)
//	    the site-clock intervals of Options.IntervalMinutes of each day,
//	    for the interval report: the day, the start on the wall clock
//	    ("YYYY-MM-DD hh:mm") and [start, "end") as UTC instants; a wall
//	    time the clock shows twice starts two intervals, one it skips
//	    none, and each ends where the next begins
//	labels (kind VARCHAR, code INTEGER, label VARCHAR)
//	    kind rest (type 26), busy (type 3) or logout (type 0): the seed's
//	    labels (busy 1..7, logout 256..264) with the site's laid over them
//	getvariable('report_from')   the first day (DATE)
//	getvariable('report_start')  its day_start; report_end: the last day_end
//	getvariable('open_date')     the lake's most recent day (DATE), the
//	                             latest with an open table; NULL if none
//
// The variables are constants to DuckDB, so a filter on them skips the
// lake's partitions (and row groups) a report cannot need, where a
// subquery on report_days would read them all. To run a report by hand in
// DuckDB, in the lake folder:
//
//	CREATE VIEW bills AS SELECT * FROM read_parquet('bills/date=*/bills.parquet', hive_partitioning = true, hive_types = {'date': DATE});
//	CREATE VIEW open AS SELECT * FROM read_parquet('open/date=*/open.parquet', hive_partitioning = true, hive_types = {'date': DATE});
//	CREATE TEMP TABLE report_days AS -- the site-zone days from 2026-03-08 up to 2026-03-09, New York
//	    SELECT d::DATE AS day,
//	           (d AT TIME ZONE 'America/New_York') AT TIME ZONE 'UTC' AS day_start,
//	           ((d + INTERVAL 1 DAY) AT TIME ZONE 'America/New_York') AT TIME ZONE 'UTC' AS day_end
//	    FROM range(DATE '2026-03-08', DATE '2026-03-09', INTERVAL 1 DAY) t(d); -- 05:00 to 04:00 UTC: 23 hours
//	CREATE TEMP TABLE labels (kind VARCHAR, code INTEGER, label VARCHAR);
//	INSERT INTO labels VALUES ('rest', 1, 'Lunch');
//	SET VARIABLE report_from = (SELECT min(day) FROM report_days);
//	SET VARIABLE report_start = (SELECT min(day_start) FROM report_days);
//	SET VARIABLE report_end = (SELECT max(day_end) FROM report_days);
//	SET VARIABLE open_date = DATE '2026-03-09'; -- the newest open/date=D folder
//	.read occupancy.sql
//
// # Decisions
//
// Where SPEC §5 leaves room, the reports do this:
//   - Clipping: a span [begin_time, end_time) gives each day the part inside
//     [day_start, day_end), in microseconds; spans of zero length count for
//     nothing (but a zero-length session is still a logout).
//   - Partitions: a bill is written by the run of the day it ends or by a
//     later one (a stale session is closed days after its last event), never
//     an earlier one, so a report reads the bills of date >= From, and no
//     later bound is safe. Open rows: only those of open_date, whatever
//     days they reach back to; they end where open_date ends, so the days
//     after it get nothing from them.
//   - Talk: type 60, plus type 4 where no type-60 span of the same agent has
//     the same begin and end. A text conversation is billed as both types,
//     piece by piece, when the license switch is on, and each piece counts
//     once; with it off, or in its open row (one row, type 4), type 4
//     stands alone and counts.
//   - Open rows count toward their own columns (0 logged in, 4/60 talk, 38
//     hold, 27 work, 3 busy, 26 rest, 34 study, 13 suspended); they are
//     exactly what is still unbilled.
//   - available_s is never below 0 (clamped per agent and day), so occupancy
//     stays within 0..1; hold is not subtracted (it happens during a call).
//     occupancy is empty when talk + work + available is 0.
//   - Rows: one per agent and day with any logged-in or state time (and
//     reason or cause), by agent_id, date, then kind and cause. Then, in
//     occupancy, rest_reasons and logout_causes, one per agent (and reason
//     or cause) for the whole report with date empty: the same figures
//     over the report's pieces (available_s the sum of the clamped days,
//     occupancy and share of the sums, not averages of days). Then TOTAL
//     rows, summed over agents: one per day (and reason or cause), then one
//     for the whole report with date empty. occupancy always has its
//     whole-report TOTAL row, zeros on an empty lake.
//   - CSV: Session.Run and the files neutralise text cells that begin
//     with =, +, - or @ (a ' in front), so a label cannot be a formula in
//     a spreadsheet; numbers are left alone. Options.ByteOrderMark starts
//     the CSV with a UTF-8 byte-order mark. Query writes CSV as it is.
//   - rest_reasons counts pieces: a rest across midnight counts once on each
//     day, with total, average and longest of the parts. share is total_s
//     over the logged-in time of the same agent and day, or whole report
//     (of all agents for TOTAL rows), as in occupancy.
//   - logout_causes: type-0 bills only (an open session has not logged out),
//     on the day end_time falls in; session lengths are whole, not clipped.
//     Columns count, then agents (distinct agents; 1 on an agent's row).
//     category is other for codes outside 1..264 (65535 on an imported
//     bill).
//   - Labels: the seed's for busy 1..7 and logout 256..264, the site's
//     (config labels.rest, labels.busy, labels.logout) over them; empty when
//     neither has one.
//   - Numbers: seconds as decimals with 3 places (milliseconds), occupancy
//     and share with 4; sums are exact (integer microseconds) until then.
//   - interval: occupancy's figures, rules and rows per agent and
//     site-clock interval instead of day (report_intervals in place of
//     report_days), by agent_id and interval start; then a TOTAL row per
//     interval, and none for the whole report.
//   - Site reports: every *.sql file at the top of reports.dir, with the
//     same views, tables and variables; the first line, a "--" comment, is
//     its description. A site report may not be named like a built-in one
//     (or "all"): that is an error, so a file name always means the same
//     report.
package reports
