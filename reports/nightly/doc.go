// Package nightly runs agentbill's jobs: ingest the day before, write the
// reports of a day, a week or a month, and mail them to the people who read
// them. A Job says what to do; Do does it over small interfaces (Ingester,
// Reporter, Mailer) so that it can be tested without the command line.
//
// A job works on a logical day: the site-zone day before the one it is
// started in. Runner runs a job for its days and keeps, in the lake, the
// record of the logical days each job completed (LAKE/jobs/NAME.json,
// written atomically), so that a second start for a day it has done (a
// clock going back at the end of summer time makes cron run a job twice,
// a restart, a system timer that fires again) does nothing, and the days a
// stopped machine missed are run, oldest first, when it comes back.
//
// A run that fails before its reports are mailed tells the job's
// recipients why, with no report attached; when the ingest failed, that
// the day was NOT billed. A report period with a day the lake does not
// hold whole fails the run, unless the job allows incomplete periods: then
// the log and the mail name the days. The mail holds each period against
// the period before, written from the lake by the same reports, and says
// so when the lake does not hold that period whole.
//
// Scheduler is the daemon: it runs each job on its cron schedule with
// robfig/cron, every run with its own context and time limit, catches up
// missed days at start and, when its context ends (SIGTERM), waits a
// bounded time for running jobs to finish.
package nightly
