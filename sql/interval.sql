-- Per agent and site-clock interval: occupancy's seconds and occupancy, for staffing.
--
-- SPEC §5. Reads the views bills and open, the table report_intervals and
-- the variables report_from, report_start, report_end and open_date, which
-- agentbill sets up (reports/doc.go shows how to do it by hand).
--
-- report_intervals has one row per interval of the site's wall clock
-- (config reports.interval_minutes long) in each day of the report: its
-- day, its start on the wall clock (interval_start_local, "YYYY-MM-DD
-- hh:mm") and its bounds [start, "end") as UTC instants. A fall-back day
-- has the repeated hour's intervals twice, a spring-forward day lacks the
-- skipped ones, and an interval ends where the next begins.
--
-- Each span counts toward each interval it touches with the part of
-- [begin_time, end_time) inside [start, "end"), as occupancy counts it
-- toward days, with the same spans (the bills and the open rows of
-- open_date) and the same figures:
--
--   logged_in_s   type 0: sessions, ended or still open
--   talk_s        type 60, and type 4 where no type-60 span of the agent has
--                 the same begin and end
--   hold_s        38 (not subtracted from available)
--   work_s 27, busy_s 3, rest_s 26, study_s 34, suspended_s 13
--   available_s   logged_in − talk − work − busy − rest − study − suspended,
--                 never below 0 (per agent and interval)
--   occupancy     (talk + work) / (talk + work + available), 4 decimals;
--                 empty when that is 0 / 0
--
-- Seconds have 3 decimals. One row per agent and interval with any of this
-- time, by agent_id then interval_start_utc (the interval's start, UTC,
-- which tells the repeated hour's intervals apart); then a TOTAL row per
-- interval (sums over agents), by interval_start_utc.

WITH spans AS (
    -- As in occupancy: the partitions before the first day cannot hold a
    -- span that reaches into the report.
    SELECT agent_id, op_type, begin_time, end_time
    FROM bills
    WHERE date >= getvariable('report_from')
      AND op_type IN (0, 3, 4, 13, 26, 27, 34, 38, 60)
      AND begin_time < getvariable('report_end')
      AND end_time > getvariable('report_start')
      AND end_time > begin_time
    UNION ALL
    SELECT agent_id, op_type, begin_time, end_time
    FROM open
    WHERE date = getvariable('open_date')
      AND op_type IN (0, 3, 4, 13, 26, 27, 34, 38, 60)
      AND begin_time < getvariable('report_end')
      AND end_time > getvariable('report_start')
      AND end_time > begin_time
),
counted AS (
    SELECT agent_id, op_type, begin_time, end_time
    FROM spans
    WHERE op_type NOT IN (4, 60)
    UNION ALL
    -- A text conversation is billed as type 60 and as type 4, piece by
    -- piece (its open row is type 4 alone): a piece counts once.
    SELECT DISTINCT agent_id, 60 AS op_type, begin_time, end_time
    FROM spans
    WHERE op_type IN (4, 60)
),
pieces AS (
    SELECT s.agent_id, i.day, i.interval_start_local, i.start, s.op_type,
           date_diff('microsecond', greatest(s.begin_time, i.start),
                                    least(s.end_time, i."end")) AS us
    FROM counted s
    JOIN report_intervals i ON s.begin_time < i."end" AND s.end_time > i.start
),
agent_intervals AS (
    SELECT agent_id, day, interval_start_local, start,
           coalesce(sum(us) FILTER (WHERE op_type = 0), 0)        AS logged_in,
           coalesce(sum(us) FILTER (WHERE op_type IN (4, 60)), 0) AS talk,
           coalesce(sum(us) FILTER (WHERE op_type = 38), 0)       AS hold,
           coalesce(sum(us) FILTER (WHERE op_type = 27), 0)       AS work,
           coalesce(sum(us) FILTER (WHERE op_type = 3), 0)        AS busy,
           coalesce(sum(us) FILTER (WHERE op_type = 26), 0)       AS rest,
           coalesce(sum(us) FILTER (WHERE op_type = 34), 0)       AS study,
           coalesce(sum(us) FILTER (WHERE op_type = 13), 0)       AS suspended
    FROM pieces
    GROUP BY agent_id, day, interval_start_local, start
),
figures AS (
    SELECT *,
           greatest(logged_in - talk - work - busy - rest - study - suspended, 0) AS available
    FROM agent_intervals
),
totals AS (
    SELECT agent_id, day, interval_start_local, start,
           grouping(agent_id) AS total_row,
           sum(logged_in) AS logged_in,
           sum(talk)      AS talk,
           sum(hold)      AS hold,
           sum(work)      AS work,
           sum(busy)      AS busy,
           sum(rest)      AS rest,
           sum(study)     AS study,
           sum(suspended) AS suspended,
           sum(available) AS available
    FROM figures
    GROUP BY GROUPING SETS ((agent_id, day, interval_start_local, start),
                            (day, interval_start_local, start))
)
SELECT CASE WHEN total_row = 1 THEN 'TOTAL' ELSE agent_id END AS agent_id,
       day AS date,
       interval_start_local AS interval_start,
       strftime(start, '%Y-%m-%dT%H:%M:%SZ') AS interval_start_utc,
       round(logged_in / 1e6, 3) AS logged_in_s,
       round(talk / 1e6, 3)      AS talk_s,
       round(hold / 1e6, 3)      AS hold_s,
       round(work / 1e6, 3)      AS work_s,
       round(busy / 1e6, 3)      AS busy_s,
       round(rest / 1e6, 3)      AS rest_s,
       round(study / 1e6, 3)     AS study_s,
       round(suspended / 1e6, 3) AS suspended_s,
       round(available / 1e6, 3) AS available_s,
       round((talk + work) / nullif(talk + work + available, 0), 4) AS occupancy
FROM totals
ORDER BY total_row, agent_id, start;
