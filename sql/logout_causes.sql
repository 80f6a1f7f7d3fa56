-- Logouts per agent, day and cause: count, agents, session length, label and category.
--
-- SPEC §5. Reads the view bills, the tables report_days and labels and the
-- variables report_from, report_start and report_end, which agentbill sets
-- up (reports/doc.go shows how to do it by hand).
--
-- A logout is a type-0 bill; it counts on the site-zone day its end_time
-- falls in. Open sessions have not logged out and are not counted. Session
-- lengths are whole (begin to end), not cut at days.
--
--   label      labels (kind logout, code): the seed's words for 256..264,
--              the site's for client causes 1..255
--   category   agent (258), relogin (259), forced (257, 264),
--              system (256, 260..263), client (1..255), other (any other
--              code, such as 65535 on an imported bill)
--   count      logouts
--   avg_session_s, max_session_s  the sessions' average and longest length
--   agents     distinct agents among them (1 on an agent's own row); last,
--              so that the columns before it keep their documented places
--
-- Seconds have 3 decimals. One row per agent, day and cause, by agent_id,
-- date, op_cause; then one per agent and cause for the whole report with
-- date empty; then TOTAL rows (over agents): one per day and cause, then
-- one per cause for the whole report with date empty.

WITH logouts AS (
    -- A logout is billed by the run of the day it happens, or later (a
    -- stale session is closed days after its last event), never earlier.
    SELECT b.agent_id, d.day, b.op_cause,
           date_diff('microsecond', b.begin_time, b.end_time) AS session_us
    FROM bills b
    JOIN report_days d ON b.end_time >= d.day_start AND b.end_time < d.day_end
    WHERE b.date >= getvariable('report_from')
      AND b.op_type = 0
      AND b.end_time >= getvariable('report_start')
      AND b.end_time < getvariable('report_end')
),
causes AS (
    SELECT agent_id, day, op_cause,
           grouping(agent_id) AS total_row,
           grouping(day) AS period_row,
           count(*) AS n,
           count(DISTINCT agent_id) AS agents,
           sum(session_us) AS session_us,
           max(session_us) AS max_session_us
    FROM logouts
    GROUP BY GROUPING SETS ((agent_id, day, op_cause), (agent_id, op_cause), (day, op_cause), (op_cause))
)
SELECT CASE WHEN c.total_row = 1 THEN 'TOTAL' ELSE c.agent_id END AS agent_id,
       c.day AS date,
       c.op_cause,
       lb.label,
       CASE
           WHEN c.op_cause = 258 THEN 'agent'
           WHEN c.op_cause = 259 THEN 'relogin'
           WHEN c.op_cause IN (257, 264) THEN 'forced'
           WHEN c.op_cause = 256 OR c.op_cause BETWEEN 260 AND 263 THEN 'system'
           WHEN c.op_cause BETWEEN 1 AND 255 THEN 'client'
           ELSE 'other'
       END AS category,
       c.n AS count,
       round(c.session_us / c.n / 1e6, 3) AS avg_session_s,
       round(c.max_session_us / 1e6, 3)   AS max_session_s,
       c.agents
FROM causes c
LEFT JOIN labels lb ON lb.kind = 'logout' AND lb.code = c.op_cause
ORDER BY c.total_row, c.period_row, c.agent_id, c.day, c.op_cause;
