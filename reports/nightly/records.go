package nightly

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// RecordsDir is the folder of the lake that holds the jobs' records.
const RecordsDir = "jobs"

// keepDays is how many completed days a record keeps: the newest.
const keepDays = 400

// Records keeps, for each job, the logical days it completed: one JSON
// file per job, LAKE/jobs/NAME.json, rewritten whole (under a temporary
// name, then renamed) each time a day is added.
//
// With Lake set (a lake in a bucket, or shared by sites), the records are
// that lake's objects, jobs[/site=NAME]/NAME.json, and the job's lock is a
// lock of the lake (a lease in a bucket).
type Records struct {
	Dir  string
	Lake *lake.Lake
}

// RecordsIn is the records of the lake in folder dir.
func RecordsIn(dir string) *Records { return &Records{Dir: filepath.Join(dir, RecordsDir)} }

// RecordsOf is the records of the lake l.
func RecordsOf(l *lake.Lake) *Records { return &Records{Lake: l} }

// Record is the file of one job.
type Record struct {
	Job string `json:"job"`
	// Completed are the logical days done, oldest first, as YYYY-MM-DD.
	Completed []string `json:"completed"`
	// Updated is when a day was last added.
	Updated time.Time `json:"updated"`
}

// Path is the file of job's record.
func (r *Records) Path(job string) string {
	if r.Lake != nil {
		return r.Lake.JobRecordPath(job)
	}
	return filepath.Join(r.Dir, job+".json")
}

// Completed returns the days job completed, oldest first; none when the
// job has no record yet.
func (r *Records) Completed(job string) ([]billing.Date, error) {
	rec, err := r.read(job)
	if err != nil {
		return nil, err
	}
	days := make([]billing.Date, 0, len(rec.Completed))
	for _, s := range rec.Completed {
		d, err := billing.ParseDate(s)
		if err != nil {
			return nil, fmt.Errorf("job record %s: %w", r.Path(job), err)
		}
		days = append(days, d)
	}
	slices.SortFunc(days, billing.Date.Compare)
	return slices.Compact(days), nil
}

// Done reports whether job completed day.
func (r *Records) Done(job string, day billing.Date) (bool, error) {
	days, err := r.Completed(job)
	if err != nil {
		return false, err
	}
	_, found := slices.BinarySearchFunc(days, day, billing.Date.Compare)
	return found, nil
}

// Mark adds day to job's record, at time at.
func (r *Records) Mark(job string, day billing.Date, at time.Time) error {
	days, err := r.Completed(job)
	if err != nil {
		return err
	}
	if i, found := slices.BinarySearchFunc(days, day, billing.Date.Compare); !found {
		days = slices.Insert(days, i, day)
	}
	if len(days) > keepDays {
		days = days[len(days)-keepDays:]
	}
	rec := Record{Job: job, Updated: at.UTC()}
	for _, d := range days {
		rec.Completed = append(rec.Completed, d.String())
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if r.Lake != nil {
		if err := r.Lake.WriteJobRecord(context.Background(), job, data); err != nil {
			return fmt.Errorf("job record %s: %w", r.Path(job), err)
		}
		return nil
	}
	if err := writeAtomic(r.Path(job), 0o644, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	}); err != nil {
		return fmt.Errorf("job record %s: %w", r.Path(job), err)
	}
	return nil
}

func (r *Records) read(job string) (Record, error) {
	var rec Record
	var data []byte
	var err error
	if r.Lake != nil {
		data, err = r.Lake.ReadJobRecord(context.Background(), job)
	} else {
		data, err = os.ReadFile(r.Path(job))
	}
	if errors.Is(err, fs.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, fmt.Errorf("job record %s: %w", r.Path(job), err)
	}
	return rec, nil
}

// Lock takes the job's lock file (LAKE/jobs/NAME.lock) for this process,
// so that a job started by a system timer and the same job of the daemon
// never run at once. It does not wait: a lock held elsewhere is ErrBusy.
// Call unlock when done; the lock also ends with the process.
func (r *Records) Lock(job string) (unlock func(), err error) {
	if r.Lake != nil {
		unlock, err := r.Lake.LockJob(job)
		if err != nil {
			if errors.Is(err, lake.ErrBusy) {
				return nil, fmt.Errorf("%w (%s): %w", ErrBusy, job, err)
			}
			return nil, err
		}
		return unlock, nil
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(r.Dir, job+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w (%s): %w", ErrBusy, job, err)
	}
	return func() { f.Close() }, nil
}
