package nightly

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/reports/mail"
)

// Ingester bills a day into the lake.
type Ingester interface {
	Ingest(ctx context.Context, day billing.Date) (IngestFigures, error)
}

// IngestFigures are the counts of an ingested day, as its manifest has
// them.
type IngestFigures struct {
	Records, Bills, OpenRows, Rejects, Duplicates int64
}

// Reporter writes reports over the lake.
type Reporter interface {
	// WriteReports runs the reports named (every report when names is
	// empty) over the days [from, to) and writes them into dir, returning
	// the files written, also when it fails part way.
	WriteReports(ctx context.Context, names []string, from, to billing.Date, dir string) ([]mail.File, error)
}

// Mailer delivers a message.
type Mailer interface {
	Send(ctx context.Context, m *mail.Message) error
}

// Tasks are what a job's steps are done with. A job that does not ingest
// needs no Ingester, one that mails nobody no Mailer.
type Tasks struct {
	Ingester Ingester
	Reporter Reporter
	Mailer   Mailer
	// Now is the clock, for the message's date; nil means time.Now.
	Now func() time.Time
}

// Result is what one run of a job did, for its log line.
type Result struct {
	Job string
	Day billing.Date
	// Ingest holds the ingested day's counts; nil when the job does not
	// ingest.
	Ingest *IngestFigures
	// Files are the report files written.
	Files []string
	// Agents and Occupancy are the headline of the first period's
	// occupancy report; HasOccupancy is false without one.
	HasOccupancy bool
	Agents       int
	Occupancy    mail.Occupancy
	// MailedTo is the number of recipients the message was delivered to.
	MailedTo int
	// Undelivered is the message kept as a file when delivery failed.
	Undelivered string
}

// Do runs job once for logical day: it ingests the day, writes the
// reports of each period ending with it, and mails them. A step that fails
// stops the run. When delivery fails, the report files stay where they
// were written and the message is kept beside them as
// JOB_DAY.eml, so it can be sent by hand; a later delivery removes it.
func Do(ctx context.Context, job Job, day billing.Date, t Tasks) (Result, error) {
	res := Result{Job: job.Name, Day: day}
	if job.Ingest {
		if t.Ingester == nil {
			return res, fmt.Errorf("%w: ingest", ErrNoTask)
		}
		fig, err := t.Ingester.Ingest(ctx, day)
		if err != nil {
			return res, fmt.Errorf("ingest %s: %w", day, err)
		}
		res.Ingest = &fig
	}
	var sections []mail.Section
	for _, p := range job.Periods {
		if t.Reporter == nil {
			return res, fmt.Errorf("%w: reports", ErrNoTask)
		}
		from, to := p.Range(day)
		files, err := t.Reporter.WriteReports(ctx, job.Reports, from, to, job.Out)
		for _, f := range files {
			res.Files = append(res.Files, f.Path)
		}
		if err != nil {
			return res, fmt.Errorf("reports for %s: %w", p.Title(day), err)
		}
		sections = append(sections, mail.Section{Title: p.Title(day), Files: files})
	}
	if len(sections) > 0 {
		fig, err := mail.ReadFigures(sections[0].Title, sections[0].Files)
		if err != nil {
			return res, err
		}
		if fig.HasOccupancy {
			res.HasOccupancy, res.Agents, res.Occupancy = true, len(fig.Agents), fig.Total
		}
	}
	if len(job.MailTo) == 0 || len(sections) == 0 {
		return res, nil
	}
	if t.Mailer == nil {
		return res, fmt.Errorf("%w: mail", ErrNoTask)
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	msg, err := mail.Compose(mail.Digest{Job: job.Name, Day: day.String(), To: job.MailTo, Sections: sections, Date: now()})
	if err != nil {
		return res, fmt.Errorf("compose the mail: %w", err)
	}
	kept := filepath.Join(job.Out, fmt.Sprintf("%s_%s.eml", job.Name, day))
	if err := t.Mailer.Send(ctx, msg); err != nil {
		if saveErr := saveMessage(kept, msg); saveErr != nil {
			return res, errors.Join(err, fmt.Errorf("keep the message: %w", saveErr))
		}
		res.Undelivered = kept
		return res, fmt.Errorf("%w; the message is kept in %s", err, kept)
	}
	res.MailedTo = len(job.MailTo)
	if err := os.Remove(kept); err != nil && !errors.Is(err, os.ErrNotExist) {
		return res, err
	}
	return res, nil
}

// saveMessage writes m to path whole: under a temporary name, then renamed.
func saveMessage(path string, m *mail.Message) error {
	return writeAtomic(path, 0o644, func(f *os.File) error {
		_, err := m.WriteTo(f)
		return err
	})
}

// writeAtomic writes a file under a temporary name in its folder, syncs it
// and renames it into place, so a reader sees the old file or the new one,
// whole.
func writeAtomic(path string, perm os.FileMode, write func(*os.File) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		d.Sync() // the rename lasts through a crash where the system allows
		d.Close()
	}
	return nil
}
