package main

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/reports/nightly"
)

func (a *app) scheduleCmd() *cobra.Command {
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "schedule [--grace D]",
		Short: "Run the jobs on their schedules until stopped",
		Long: `Schedule is the daemon: it runs each job of the config that has a schedule
whenever the schedule comes round, for its logical day (the site-zone day
before), each run with its own time limit (the job's timeout). A day the
job's record in the lake (LAKE/jobs/NAME.json) holds is not run again, so a
second start for the same day (the clock going back at the end of summer
time, a restart) does nothing. At start it first runs, job by job in the
order of the config, the days each job missed since its last completed one
(at most a month back).

On SIGTERM or Ctrl-C it starts nothing more and waits for running jobs to
finish, at most --grace; then it cancels them and exits with an error.
Logs go to standard error, as JSON when it is not a terminal (--log-format):
one line when a job starts and one when it ends, with its figures; times, the
next starts included, on the site clock.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.schedule(cmd.Context(), grace)
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", nightly.DefaultGrace, "how long to wait for running jobs when stopped")
	return cmd
}

func (a *app) schedule(ctx context.Context, grace time.Duration) error {
	// The daemon's jobs wait for each other (and for an ingest run by hand)
	// rather than fail while another writer holds the lake.
	a.waitForLake = true
	jobs, err := a.nightlyJobs()
	if err != nil {
		return err
	}
	var scheduled []nightly.Job
	for _, j := range jobs {
		if j.Schedule != "" {
			scheduled = append(scheduled, j)
		}
	}
	if len(scheduled) == 0 {
		return errors.New("no job has a schedule: add jobs with a schedule to the config (agentbill jobs lists them)")
	}
	runner, err := a.nightlyRunner(scheduled)
	if err != nil {
		return err
	}
	s, err := nightly.NewScheduler(runner, scheduled, grace)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}
