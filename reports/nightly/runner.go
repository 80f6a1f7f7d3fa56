package nightly

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/agentbill/agentbill/billing"
)

// DefaultMaxCatchUp is how many days back a job catches up when its
// Runner does not say: a month.
const DefaultMaxCatchUp = 31

// How a run was started, for the log.
const (
	TriggerSchedule = "schedule" // by the daemon's cron schedule
	TriggerCatchUp  = "catch-up" // by the daemon at start, for missed days
	TriggerCommand  = "command"  // by agentbill run
)

// Runner runs jobs for their logical days and keeps their records: a day a
// job completed is not run again, and each run has its own context, time
// limit and log lines.
type Runner struct {
	Tasks   Tasks
	Records *Records
	// Location is the site zone, in which logical days are counted.
	Location *time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives one line when a run starts and one when it ends, with
	// its figures; nil logs nothing.
	Log *slog.Logger
	// MaxCatchUp bounds how many days back due days are run; 0 means
	// DefaultMaxCatchUp. Older missed days are logged, not run.
	MaxCatchUp int

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Log
}

func (r *Runner) location() *time.Location {
	if r.Location == nil {
		return time.UTC
	}
	return r.Location
}

// lock keeps a job to one run at a time: within this process, and across
// processes by the record's lock file.
func (r *Runner) lock(job string) (unlock func(), err error) {
	r.mu.Lock()
	if r.locks == nil {
		r.locks = map[string]*sync.Mutex{}
	}
	mu := r.locks[job]
	if mu == nil {
		mu = new(sync.Mutex)
		r.locks[job] = mu
	}
	r.mu.Unlock()
	mu.Lock()
	release, err := r.Records.Lock(job)
	if err != nil {
		mu.Unlock()
		return nil, err
	}
	return func() { release(); mu.Unlock() }, nil
}

// RunDay runs job for day, unless its record holds day (then it returns
// ErrAlreadyDone) and force is false.
func (r *Runner) RunDay(ctx context.Context, job Job, day billing.Date, trigger string, force bool) (Result, error) {
	unlock, err := r.lock(job.Name)
	if err != nil {
		return Result{Job: job.Name, Day: day}, err
	}
	defer unlock()
	if !force {
		done, err := r.Records.Done(job.Name, day)
		if err != nil {
			return Result{Job: job.Name, Day: day}, err
		}
		if done {
			r.log().Info("job day already done", "job", job.Name, "day", day.String(), "trigger", trigger)
			return Result{Job: job.Name, Day: day}, ErrAlreadyDone
		}
	}
	return r.run(ctx, job, day, trigger)
}

// RunDue runs, oldest first, the logical days job should have completed
// by now and has not (see DueDays), each as RunDay does. It stops at the
// first day that fails: the days after it wait for the next start, since
// an ingest builds on the day before. It returns the results of the days
// it ran.
func (r *Runner) RunDue(ctx context.Context, job Job, sched cron.Schedule, current bool, trigger string) ([]Result, error) {
	return r.runDue(ctx, nil, job, sched, current, trigger)
}

// runDue is RunDue that starts no further day once stop is closed.
func (r *Runner) runDue(ctx context.Context, stop <-chan struct{}, job Job, sched cron.Schedule, current bool, trigger string) ([]Result, error) {
	days, err := r.DueDays(job, sched, current)
	if err != nil {
		r.log().Error("job not started", "job", job.Name, "trigger", trigger, "error", err.Error())
		return nil, logged(err)
	}
	if len(days) == 0 {
		r.log().Info("job has nothing due", "job", job.Name, "trigger", trigger)
	}
	var results []Result
	for i, day := range days {
		select {
		case <-stop:
			r.log().Info("stopping: due days left for the next start", "job", job.Name, "days", len(days)-i)
			return results, nil
		default:
		}
		res, err := r.RunDay(ctx, job, day, trigger, false)
		if errors.Is(err, ErrAlreadyDone) {
			continue // done meanwhile, by another start
		}
		results = append(results, res)
		if err != nil {
			if errors.Is(err, ErrBusy) {
				r.log().Error("job not started", "job", job.Name, "day", day.String(), "trigger", trigger, "error", err.Error())
				err = logged(err)
			}
			return results, err
		}
	}
	return results, nil
}

// DueDays lists, oldest first, the logical days job should have completed
// by now and has not, by its record (see Due); with current, the day
// before today is one of them even when the schedule has not reached it (a
// start by hand, or by the schedule itself). Missed days older than
// MaxCatchUp are logged, not listed.
func (r *Runner) DueDays(job Job, sched cron.Schedule, current bool) ([]billing.Date, error) {
	completed, err := r.Records.Completed(job.Name)
	if err != nil {
		return nil, err
	}
	maxDays := r.MaxCatchUp
	if maxDays <= 0 {
		maxDays = DefaultMaxCatchUp
	}
	days, dropped := Due(sched, r.location(), r.now(), completed, current, maxDays)
	if dropped != (Dropped{}) {
		r.log().Warn("missed days too old to catch up; run them with agentbill run JOB --date D",
			"job", job.Name, "from", dropped.Since.String(), "to", dropped.Until.String())
	}
	return days, nil
}

// Dropped is the span of missed days older than a catch-up reaches:
// [Since, Until]; zero when there are none.
type Dropped struct{ Since, Until billing.Date }

// Due lists, oldest first, the logical days a job on schedule sched (nil:
// every day) should have completed by now and has not: the logical day of
// each start of the schedule after the last completed day, up to now.
// With current, the logical day of now is one of them too. A job with no
// completed day has nothing to catch up, only, with current, the day of
// now. Days more than maxDays before the logical day of now are left out
// and returned as dropped.
func Due(sched cron.Schedule, loc *time.Location, now time.Time, completed []billing.Date, current bool, maxDays int) (days []billing.Date, dropped Dropped) {
	today := LogicalDay(now, loc)
	done := func(d billing.Date) bool {
		_, found := slices.BinarySearchFunc(completed, d, billing.Date.Compare)
		return found
	}
	add := func(d billing.Date) {
		if !done(d) && !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	if len(completed) > 0 {
		from := completed[len(completed)-1].Next()
		if oldest := today.AddDays(1 - maxDays); from.Before(oldest) {
			dropped = Dropped{Since: from, Until: oldest.AddDays(-1)}
			from = oldest
		}
		if sched == nil {
			for d := from; !today.Before(d); d = d.Next() {
				add(d)
			}
		} else {
			// A start at t works on the day before t's, so the first start
			// that can work on from is on the day after it.
			t := from.Next().Start(loc).Add(-time.Second)
			for range 100_000 {
				t = sched.Next(t)
				if t.IsZero() || t.After(now) {
					break
				}
				if d := LogicalDay(t, loc); !d.Before(from) {
					add(d)
				}
			}
		}
	}
	if current && (len(completed) == 0 || completed[len(completed)-1].Before(today)) {
		add(today)
	}
	slices.SortFunc(days, billing.Date.Compare)
	return days, dropped
}

// run runs job for day with its own context and time limit, logs its
// start and end, and records the day when it succeeds. A panic is logged
// as the run's end and passed on.
func (r *Runner) run(ctx context.Context, job Job, day billing.Date, trigger string) (res Result, err error) {
	log := r.log().With("job", job.Name, "day", day.String(), "trigger", trigger)
	start := r.now()
	log.Info("job start", "does", job.Does(), "timeout", job.timeout().String())
	runCtx, cancel := context.WithTimeout(ctx, job.timeout())
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			log.Error("job end", "status", "panic", "seconds", r.now().Sub(start).Seconds(), "error", fmt.Sprint(p))
			panic(p)
		}
	}()
	res, err = Do(runCtx, job, day, r.Tasks)
	if err == nil {
		err = r.Records.Mark(job.Name, day, r.now())
	}
	if err != nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("timed out after %s: %w", job.timeout(), err)
	}
	for _, p := range res.Incomplete {
		log.Warn("reports written over days the lake does not hold whole", "period", p.Period, "incomplete", p.Days(), "files", len(res.Files))
	}
	attrs := []any{"seconds", r.now().Sub(start).Seconds()}
	if res.Ingest != nil {
		attrs = append(attrs, "records", res.Ingest.Records, "rejects", res.Ingest.Rejects,
			"reject_pct", res.Ingest.RejectPercent(), "duplicates", res.Ingest.Duplicates,
			"bills", res.Ingest.Bills, "open_rows", res.Ingest.OpenRows)
	}
	if len(job.Periods) > 0 {
		attrs = append(attrs, "files", len(res.Files))
	}
	if len(res.Incomplete) > 0 {
		var days []string
		for _, p := range res.Incomplete {
			days = append(days, p.Period+": "+p.Days())
		}
		attrs = append(attrs, "incomplete", strings.Join(days, "; "))
	}
	if res.HasOccupancy {
		attrs = append(attrs, "agents", res.Agents, "logged_in_h", round(res.Occupancy.LoggedIn/3600, 2))
		if res.Occupancy.Known {
			attrs = append(attrs, "occupancy", round(res.Occupancy.Value, 4))
		}
	}
	if len(job.MailTo) > 0 {
		attrs = append(attrs, "mailed_to", res.MailedTo)
	}
	if res.Notified > 0 {
		attrs = append(attrs, "failure_mailed_to", res.Notified)
	}
	if res.Undelivered != "" {
		attrs = append(attrs, "undelivered", res.Undelivered)
	}
	switch {
	case err == nil && len(res.Incomplete) > 0:
		log.Warn("job end", append([]any{"status", "ok"}, attrs...)...)
	case err == nil:
		log.Info("job end", append([]any{"status", "ok"}, attrs...)...)
	case errors.Is(err, context.Canceled):
		log.Warn("job end", append([]any{"status", "stopped"}, attrs...)...)
	default:
		log.Error("job end", append([]any{"status", "failed", "error", err.Error()}, attrs...)...)
	}
	return res, logged(err)
}

func round(v float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
