-- Rest and busy time per agent, day and reason: count, total, average, longest, share, label.
--
-- SPEC §5. Reads the views bills and open, the tables report_days and
-- labels and the variables report_from, report_start, report_end and
-- open_date, which agentbill sets up (reports/doc.go shows how to do it by
-- hand).
--
-- Each span is cut at the bounds of the site-zone days it touches, and
-- every figure is of these pieces: a rest from 23:50 to 00:20 is a piece
-- of 600 s on the first day and one of 1200 s on the next, and counts once
-- on each. The spans are the bills and the open rows of the lake's most
-- recent day (open_date): a rest still going on is counted up to the end
-- of that day.
--
--   kind, op_cause  rest (type 26) or busy (type 3), and the reason code
--   label           labels (kind, code): for busy the seed's words for
--                   1..7 and the site's for 200..250, for rest the site's
--   count           pieces; total_s, avg_s, max_s: their seconds
--   share           total_s / the logged-in seconds (type 0, as in the
--                   occupancy report) of the same agent and day (or whole
--                   report), or of all agents for TOTAL rows; 4 decimals,
--                   empty when 0
--
-- Seconds have 3 decimals. One row per agent, day, kind and reason, by
-- agent_id, date, kind, op_cause; then one per agent, kind and reason for
-- the whole report with date empty; then TOTAL rows (over agents): one per
-- day, kind and reason, then one per kind and reason for the whole report
-- with date empty.

WITH spans AS (
    -- Bills are written by the run of the day they end or a later one, so
    -- the partitions before the first day cannot reach into the report.
    SELECT agent_id, op_type, op_cause, begin_time, end_time
    FROM bills
    WHERE date >= getvariable('report_from')
      AND op_type IN (0, 3, 26)
      AND begin_time < getvariable('report_end')
      AND end_time > getvariable('report_start')
      AND end_time > begin_time
    UNION ALL
    SELECT agent_id, op_type, op_cause, begin_time, end_time
    FROM open
    WHERE date = getvariable('open_date')
      AND op_type IN (0, 3, 26)
      AND begin_time < getvariable('report_end')
      AND end_time > getvariable('report_start')
      AND end_time > begin_time
),
pieces AS (
    SELECT s.agent_id, d.day, s.op_type, s.op_cause,
           CASE s.op_type WHEN 26 THEN 'rest' WHEN 3 THEN 'busy' END AS kind,
           date_diff('microsecond', greatest(s.begin_time, d.day_start),
                                    least(s.end_time, d.day_end)) AS us
    FROM spans s
    JOIN report_days d ON s.begin_time < d.day_end AND s.end_time > d.day_start
),
logged_in AS (
    SELECT agent_id, day,
           grouping(agent_id) AS total_row,
           grouping(day) AS period_row,
           sum(us) AS us
    FROM pieces
    WHERE op_type = 0
    GROUP BY GROUPING SETS ((agent_id, day), (agent_id), (day), ())
),
reasons AS (
    SELECT agent_id, day, kind, op_cause,
           grouping(agent_id) AS total_row,
           grouping(day) AS period_row,
           count(*) AS n,
           sum(us) AS total_us,
           max(us) AS max_us
    FROM pieces
    WHERE op_type IN (3, 26)
    GROUP BY GROUPING SETS ((agent_id, day, kind, op_cause), (agent_id, kind, op_cause),
                            (day, kind, op_cause), (kind, op_cause))
)
SELECT CASE WHEN r.total_row = 1 THEN 'TOTAL' ELSE r.agent_id END AS agent_id,
       r.day AS date,
       r.kind,
       r.op_cause,
       lb.label,
       r.n AS count,
       round(r.total_us / 1e6, 3)       AS total_s,
       round(r.total_us / r.n / 1e6, 3) AS avg_s,
       round(r.max_us / 1e6, 3)         AS max_s,
       round(r.total_us / nullif(l.us, 0), 4) AS share
FROM reasons r
LEFT JOIN logged_in l
       ON l.total_row = r.total_row
      AND l.period_row = r.period_row
      AND l.agent_id IS NOT DISTINCT FROM r.agent_id
      AND l.day IS NOT DISTINCT FROM r.day
LEFT JOIN labels lb ON lb.kind = r.kind AND lb.code = r.op_cause
ORDER BY r.total_row, r.period_row, r.agent_id, r.day, r.kind, r.op_cause;
