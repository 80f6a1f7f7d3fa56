package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/reports/nightly"
)

func (a *app) runJobCmd() *cobra.Command {
	var date string
	var force, allowIncomplete bool
	cmd := &cobra.Command{
		Use:   "run JOB [--date D] [--force] [--allow-incomplete]",
		Short: "Run a job of the config once, for system cron or a systemd timer",
		Long: `Run does what "agentbill schedule" does when the job's schedule comes round,
once: for the logical day (yesterday on the site clock), and before it any
day the job missed since the last one its record in the lake
(LAKE/jobs/NAME.json) holds, oldest first (at most a month back; with a
schedule in the config, only the days it would have started for). A day the
record holds is not run again: a second start does nothing and succeeds.

With --date D it runs day D only; --force runs it even when the record
holds it. The exit status is 0 only when every day it had to do was done,
mail delivered included.

A report period with a day that the lake does not hold whole (missing,
broken or stale) fails the run, naming the days, unless the job's config
says allow_incomplete: true or --allow-incomplete is given: then the reports
are written and mailed, and the log and the mail name the days. When the
ingest fails, the job's recipients get a mail saying that the day was NOT
billed, and why.

The log (standard error) has a line at each job start and end, the end line
with the figures and any error. Standard output has a summary line a day, for
people; where it meets the log (a terminal, a file given 2>&1, the journal)
it leaves the error to the log, and with a JSON log it is left out, so that
such a file holds JSON lines only.`,
		Example: `  agentbill run nightly
  agentbill run nightly --date 2026-03-10 --force`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runJob(cmd.Context(), args[0], date, force, allowIncomplete)
		},
	}
	f := cmd.Flags()
	f.StringVar(&date, "date", "", `logical day to run: YYYY-MM-DD, "yesterday" or "today"`)
	f.BoolVar(&force, "force", false, "run the --date day even when the job's record holds it")
	f.BoolVar(&allowIncomplete, "allow-incomplete", false, "report periods with days that are missing, broken or stale, naming them (as allow_incomplete in the job's config)")
	return cmd
}

func (a *app) runJob(ctx context.Context, name, date string, force, allowIncomplete bool) error {
	job, err := a.findJob(name)
	if err != nil {
		return err
	}
	if allowIncomplete {
		job.AllowIncomplete = true
	}
	runner, err := a.nightlyRunner([]nightly.Job{job})
	if err != nil {
		return err
	}
	if job.Ingest {
		// The whole run writes the lake: it holds the lock from the first
		// day it catches up to the last (exit 75 when another writer has it).
		var unlock func()
		if ctx, unlock, err = a.lockLake(ctx, a.cfg.Lake, "run "+job.Name, date); err != nil {
			return err
		}
		defer unlock()
	}
	loc := a.cfg.Location()
	if date != "" {
		day, err := a.dateFlag("--date", date, loc)
		if err != nil {
			return err
		}
		res, err := runner.RunDay(ctx, job, day, nightly.TriggerCommand, force)
		if errors.Is(err, nightly.ErrAlreadyDone) {
			a.say(fmt.Sprintf("%s %s: already done (--force runs it again)", job.Name, day))
			return nil
		}
		a.say(summary(res, err, a.streamsApart()))
		return err
	}
	if force {
		return usageErrorf("--force needs --date: it runs one day again")
	}
	var sched cron.Schedule
	if job.Schedule != "" {
		if sched, err = nightly.ParseSchedule(job.Schedule, loc); err != nil {
			return err
		}
	}
	results, err := runner.RunDue(ctx, job, sched, true, nightly.TriggerCommand)
	for _, res := range results {
		var resErr error
		if res.Day == results[len(results)-1].Day {
			resErr = err
		}
		a.say(summary(res, resErr, a.streamsApart()))
	}
	if len(results) == 0 && err == nil {
		a.say(fmt.Sprintf("%s: nothing to do, %s is done", job.Name, nightly.LogicalDay(a.now(), loc)))
	}
	return err
}

// say writes a line of a job's outcome for people on standard output,
// unless it would land among JSON log lines: the log's own lines ("job
// end" with the same figures) say it there.
func (a *app) say(line string) {
	if a.logJSON && !a.streamsApart() {
		return
	}
	fmt.Fprintln(a.stdout, line)
}

// streamsApart reports whether standard output and standard error go to
// different places. Where they meet (one terminal, a file given 2>&1, the
// journal), what the log says is not said again on standard output.
func (a *app) streamsApart() bool {
	out, ok1 := a.stdout.(*os.File)
	errOut, ok2 := a.stderr.(*os.File)
	if !ok1 || !ok2 {
		return true
	}
	s1, err1 := out.Stat()
	s2, err2 := errOut.Stat()
	return err1 != nil || err2 != nil || !os.SameFile(s1, s2)
}
