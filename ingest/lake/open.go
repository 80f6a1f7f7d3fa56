package lake

import (
	"os"
	"path"
	"path/filepath"
	"time"

	"context"
	"github.com/agentbill/agentbill/billing"
)

// Options are a lake's settings besides where it is.
type Options struct {
	Location *time.Location // the site zone
	Site     string         // the site's partitions, "" for none
	Version  string         // for created_by
	Build    string
}

// OpenAt opens the lake at location: a folder, or a bucket URL (see IsURL)
// such as s3://bucket/lake?endpoint=http://127.0.0.1:7070&region=us-east-1&use_path_style=true.
// Close the lake when done with it.
func OpenAt(ctx context.Context, location string, o Options) (*Lake, error) {
	l := &Lake{Location: o.Location, Site: o.Site, Version: o.Version, Build: o.Build}
	if !IsURL(location) {
		l.Dir = location
		return l, nil
	}
	s, err := openBucket(ctx, location)
	if err != nil {
		return nil, err
	}
	l.store = s
	return l, nil
}

// SpillDir is where a run of a lake in a folder spills what does not fit
// in memory: beside the tables, on the same disk. A lake in a bucket
// spills to the system's temporary folder.
func (l *Lake) SpillDir() string {
	if p := l.storage().localPath(".spill"); p != "" {
		return p
	}
	return filepath.Join(os.TempDir(), "agentbill-spill")
}

// refusedName is the object that keeps the records a refused run of day
// would have rejected.
func (l *Lake) refusedName(day billing.Date) string {
	return path.Join("refused", l.sitePart(), day.String()+".rejects.csv")
}

// RefusedPath names the records a refused run of day kept (WriteRefused).
func (l *Lake) RefusedPath(day billing.Date) string {
	return l.storage().where(l.refusedName(day))
}

// WriteRefused keeps the rejects (as CSV) of a run of day that was refused,
// for the operator to read; they are no part of the day.
func (l *Lake) WriteRefused(ctx context.Context, day billing.Date, csv []byte) error {
	return l.putObject(ctx, l.refusedName(day), csv)
}

// putObject writes a small object of the lake whole, in place at once.
func (l *Lake) putObject(ctx context.Context, name string, data []byte) error {
	f, err := createAtomic(ctx, l.storage(), name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.abort()
		return err
	}
	if err := f.finish(); err != nil {
		f.abort()
		return err
	}
	stageHook("finished " + path.Base(name))
	if err := f.commit(ctx); err != nil {
		f.abort()
		return err
	}
	return nil
}

// jobRecordName is the object of a job's record.
func (l *Lake) jobRecordName(job string) string {
	return path.Join("jobs", l.sitePart(), job+".json")
}

// JobRecordPath names a job's record, for messages.
func (l *Lake) JobRecordPath(job string) string {
	return l.storage().where(l.jobRecordName(job))
}

// ReadJobRecord reads a job's record (which days it completed); an error
// wrapping fs.ErrNotExist when the job has none yet.
func (l *Lake) ReadJobRecord(ctx context.Context, job string) ([]byte, error) {
	return l.storage().readAll(ctx, l.jobRecordName(job))
}

// WriteJobRecord replaces a job's record whole.
func (l *Lake) WriteJobRecord(ctx context.Context, job string, data []byte) error {
	return l.putObject(ctx, l.jobRecordName(job), data)
}

// LockJob takes a job's own lock (apart from the writer lock), so that
// the same job started twice never runs at once; ErrBusy (a *BusyError)
// when another process holds it.
func (l *Lake) LockJob(job string) (unlock func(), err error) {
	name := path.Join("jobs", l.sitePart(), job+".lock")
	if d := l.storage().localPath(path.Dir(name)); d != "" {
		if err := mkdirSynced(d); err != nil {
			return nil, err
		}
	}
	h := Holder{Command: "job " + job, PID: os.Getpid(), Since: time.Now().UTC()}
	h.Host, _ = os.Hostname()
	held, err := l.storage().tryLock(context.Background(), name, h)
	if err != nil {
		return nil, err
	}
	if held == nil {
		e := &BusyError{Lake: l.String()}
		e.Holder, e.Known = l.storage().lockHolder(context.Background(), name)
		return nil, e
	}
	return func() { held.unlock() }, nil
}
