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

// LoggedError is an error of a job that the Runner has logged: in the end
// line of its run, or as a job not started. A caller that reports errors
// itself (a command line) need not say it again.
type LoggedError struct{ Err error }

// Error is the error's own text.
func (e *LoggedError) Error() string { return e.Err.Error() }

// Unwrap returns the error logged.
func (e *LoggedError) Unwrap() error { return e.Err }

// Logged is true: the error is in the log.
func (e *LoggedError) Logged() bool { return true }

// logged marks err, when not nil, as logged.
func logged(err error) error {
	if err == nil {
		return nil
	}
	return &LoggedError{Err: err}
}
