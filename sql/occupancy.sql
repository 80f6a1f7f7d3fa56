-- Per agent and day: seconds logged in, talking, in each state and available, and occupancy.
--
-- SPEC §5. Reads the views bills and open, the table report_days and the
-- variables report_from, report_start, report_end and open_date, which
-- agentbill sets up (reports/doc.go shows how to do it by hand).
--
-- Each span counts toward each site-zone day it touches with the part of
-- [begin_time, end_time) inside [day_start, day_end). The spans are the
-- bills and the open rows of the lake's most recent day (open_date), which
-- are exactly what no run has billed yet.
--
--   logged_in_s   type 0: sessions, ended or still open
--   talk_s        type 60, and type 4 where no type-60 span of the agent has
--                 the same begin and end: a text conversation is billed as
--                 both, piece by piece, and each piece counts once (its open
--                 row is type 4 alone, and counts)
--   hold_s        38 (not subtracted from available: it happens in a call)
--   work_s 27, busy_s 3, rest_s 26, study_s 34, suspended_s 13
--   available_s   logged_in − talk − work − busy − rest − study − suspended,
--                 never below 0 (idle, ringing, dialing and the like)
--   occupancy     (talk + work) / (talk + work + available), 4 decimals;
--                 empty when that is 0 / 0
--
-- Seconds have 3 decimals. One row per agent and day with any of this time,
-- by agent_id then date; then one row per agent for the whole report with
-- date empty (the sums of its days, occupancy of those sums); then TOTAL
-- rows (sums over agents): one per day, then one for the whole report with
-- date empty.

WITH spans AS (
    -- A bill is written by the run of the day it ends, or by a later one (a
    -- stale session is closed days after its last event), never an earlier
    -- one: the partitions before the first day cannot hold a span that
    -- reaches into the report.
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
    SELECT s.agent_id, d.day, s.op_type,
           date_diff('microsecond', greatest(s.begin_time, d.day_start),
                                    least(s.end_time, d.day_end)) AS us
    FROM counted s
    JOIN report_days d ON s.begin_time < d.day_end AND s.end_time > d.day_start
),
agent_days AS (
    SELECT agent_id, day,
           coalesce(sum(us) FILTER (WHERE op_type = 0), 0)        AS logged_in,
           coalesce(sum(us) FILTER (WHERE op_type IN (4, 60)), 0) AS talk,
           coalesce(sum(us) FILTER (WHERE op_type = 38), 0)       AS hold,
           coalesce(sum(us) FILTER (WHERE op_type = 27), 0)       AS work,
           coalesce(sum(us) FILTER (WHERE op_type = 3), 0)        AS busy,
           coalesce(sum(us) FILTER (WHERE op_type = 26), 0)       AS rest,
           coalesce(sum(us) FILTER (WHERE op_type = 34), 0)       AS study,
           coalesce(sum(us) FILTER (WHERE op_type = 13), 0)       AS suspended
    FROM pieces
    GROUP BY agent_id, day
),
figures AS (
    SELECT *,
           greatest(logged_in - talk - work - busy - rest - study - suspended, 0) AS available
    FROM agent_days
),
totals AS (
    SELECT agent_id, day,
           grouping(agent_id) AS total_row,
           grouping(day) AS period_row,
           coalesce(sum(logged_in), 0) AS logged_in,
           coalesce(sum(talk), 0)      AS talk,
           coalesce(sum(hold), 0)      AS hold,
           coalesce(sum(work), 0)      AS work,
           coalesce(sum(busy), 0)      AS busy,
           coalesce(sum(rest), 0)      AS rest,
           coalesce(sum(study), 0)     AS study,
           coalesce(sum(suspended), 0) AS suspended,
           coalesce(sum(available), 0) AS available
    FROM figures
    GROUP BY GROUPING SETS ((agent_id, day), (agent_id), (day), ())
)
SELECT CASE WHEN total_row = 1 THEN 'TOTAL' ELSE agent_id END AS agent_id,
       day AS date,
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
ORDER BY total_row, period_row, agent_id, day;
