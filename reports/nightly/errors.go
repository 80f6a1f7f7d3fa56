package nightly

import "errors"

// The errors of package nightly.
var (
	// ErrPeriod is returned by ParsePeriod for a name that is not a period.
	ErrPeriod = errors.New("unknown report period")
	// ErrNoTask is returned by Do for a job that needs a task Tasks lacks.
	ErrNoTask = errors.New("job needs a task that is not set up")
	// ErrAlreadyDone is returned by Runner.RunDay for a day the job's
	// record holds.
	ErrAlreadyDone = errors.New("already done")
	// ErrBusy is returned by Records.Lock, and so by a run, when another
	// process runs the job.
	ErrBusy = errors.New("job is running in another process")
	// ErrStopTimeout is returned by Scheduler.Run when jobs were still
	// running when the grace period ended; they were cancelled.
	ErrStopTimeout = errors.New("jobs still running when the grace period ended")
)
