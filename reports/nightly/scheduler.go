package nightly

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultGrace is how long a stopping Scheduler waits for running jobs
// when it does not say.
const DefaultGrace = 5 * time.Minute

// Chain is what wraps every scheduled job: SkipIfStillRunning, then
// Recover. The order matters: Recover inside SkipIfStillRunning turns a
// panic into a return, so the job's turn is given back; the other way
// round, a panic would skip past the give-back and every later start
// would be skipped as "still running", for ever.
func Chain(log *slog.Logger) cron.Chain {
	l := cronLogger{log}
	return cron.NewChain(cron.SkipIfStillRunning(l), cron.Recover(l))
}

// Scheduler runs jobs on their cron schedules until its context ends.
type Scheduler struct {
	runner *Runner
	jobs   []scheduled
	cron   *cron.Cron
	grace  time.Duration
	log    *slog.Logger

	base   context.Context // the runs' context: not ended by Run's
	cancel context.CancelFunc
	stop   chan struct{}  // closed when Run's context ends: start no new day
	wg     sync.WaitGroup // runs not started by cron
}

// scheduled is a job with its parsed schedule and the wrapped runs cron
// makes of it.
type scheduled struct {
	job      Job
	schedule cron.Schedule
	trigger  cron.Job // a start by the schedule: the due days and today's
	catchUp  cron.Job // a start at Run: the due days only
}

// NewScheduler sets up a scheduler for the jobs that have a schedule (the
// others are left to agentbill run). grace bounds how long Run waits for
// running jobs once its context ends; 0 means DefaultGrace.
func NewScheduler(r *Runner, jobs []Job, grace time.Duration) (*Scheduler, error) {
	if grace <= 0 {
		grace = DefaultGrace
	}
	s := &Scheduler{runner: r, grace: grace, log: r.log(), stop: make(chan struct{})}
	s.base, s.cancel = context.WithCancel(context.Background())
	s.cron = cron.New(cron.WithLocation(r.location()), cron.WithLogger(cronLogger{s.log}))
	for _, job := range jobs {
		if job.Schedule == "" {
			continue
		}
		sched, err := ParseSchedule(job.Schedule, r.location())
		if err != nil {
			return nil, fmt.Errorf("job %s: %w", job.Name, err)
		}
		chain := Chain(s.log.With("job", job.Name))
		sj := scheduled{
			job:      job,
			schedule: sched,
			trigger:  chain.Then(s.start(job, sched, true, TriggerSchedule)),
			catchUp:  chain.Then(s.start(job, sched, false, TriggerCatchUp)),
		}
		s.cron.Schedule(sched, sj.trigger)
		s.jobs = append(s.jobs, sj)
	}
	return s, nil
}

// start is one start of a job, as cron runs it.
func (s *Scheduler) start(job Job, sched cron.Schedule, current bool, trigger string) cron.Job {
	return cron.FuncJob(func() {
		s.wg.Add(1)
		defer s.wg.Done()
		s.runner.runDue(s.base, s.stop, job, sched, current, trigger)
	})
}

// Jobs are the scheduled jobs, in the order given.
func (s *Scheduler) Jobs() []Job {
	out := make([]Job, len(s.jobs))
	for i, sj := range s.jobs {
		out[i] = sj.job
	}
	return out
}

// Trigger starts the job called name now, as its schedule would, and
// returns when the start is over (at once when it is skipped because the
// job is still running).
func (s *Scheduler) Trigger(name string) error {
	for _, sj := range s.jobs {
		if sj.job.Name == name {
			sj.trigger.Run()
			return nil
		}
	}
	return fmt.Errorf("no scheduled job %q", name)
}

// CatchUp runs the days each job missed, job by job in the order given
// (so that a job that ingests, listed first, has caught up before the
// reports of the next): each job's due days after its last completed one,
// up to the last start of its schedule.
func (s *Scheduler) CatchUp() {
	for _, sj := range s.jobs {
		select {
		case <-s.stop:
			return
		default:
		}
		sj.catchUp.Run()
	}
}

// Run catches up missed days, then starts each job on its schedule until
// ctx ends (SIGTERM). Then it starts nothing more and waits for running
// jobs to finish; after the grace period, it cancels their contexts and
// waits a little more. It returns nil after a clean stop. Run a Scheduler
// once.
func (s *Scheduler) Run(ctx context.Context) error {
	for _, sj := range s.jobs {
		next := "never"
		if t := sj.schedule.Next(s.runner.now()); !t.IsZero() {
			next = t.In(s.runner.location()).Format(time.RFC3339)
		}
		s.log.Info("job scheduled", "job", sj.job.Name, "schedule", sj.job.Schedule, "does", sj.job.Does(), "next", next)
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.CatchUp()
	}()
	s.cron.Start()
	<-ctx.Done()
	s.log.Info("stopping: waiting for running jobs", "grace", s.grace.String())
	close(s.stop)
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done() // cron's own runs are over, so none adds to wg
		s.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(s.grace)
	defer timer.Stop()
	select {
	case <-done:
		s.cancel()
		s.log.Info("stopped")
		return nil
	case <-timer.C:
	}
	s.log.Warn("grace period over: cancelling running jobs")
	s.cancel()
	select {
	case <-done:
	case <-time.After(min(s.grace, 30*time.Second)):
	}
	return ErrStopTimeout
}

// cronLogger passes cron's messages to slog: its routine ones at debug
// level, a skipped start as a warning, a panic as an error.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" {
		l.log.Warn("job still running: this start is skipped", kv...)
		return
	}
	l.log.Debug("cron "+msg, kvStrings(kv)...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	if msg == "panic" {
		l.log.Error("job panicked", append([]any{"error", err.Error()}, kvStrings(kv)...)...)
		return
	}
	l.log.Error("cron "+msg, append([]any{"error", err.Error()}, kvStrings(kv)...)...)
}

// kvStrings makes cron's times readable in JSON logs.
func kvStrings(kv []any) []any {
	out := make([]any, len(kv))
	for i, v := range kv {
		if t, ok := v.(time.Time); ok {
			v = t.Format(time.RFC3339)
		}
		out[i] = v
	}
	return out
}
