package nightly

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// RejectPercent is the share of the records read that were rejected, in
// percent, rounded to one decimal; 0 when no record was read.
func (f IngestFigures) RejectPercent() float64 {
	if f.Records <= 0 {
		return 0
	}
	return round(100*float64(f.Rejects)/float64(f.Records), 1)
}

// Intake says in a line what the ingest read and refused: "12,345 records
// read, 37 rejected (0.3 %)".
func (f IngestFigures) Intake() string {
	s := fmt.Sprintf("%s records read, %s rejected", mail.Thousands(f.Records), mail.Thousands(f.Rejects))
	if f.Records > 0 {
		s += fmt.Sprintf(" (%.1f %%)", f.RejectPercent())
	}
	return s
}

// Reporter writes reports over the lake.
type Reporter interface {
	// Holes returns, in day order, the days of [from, to) that the lake
	// does not hold whole (missing, broken or stale), each with what
	// repairs it.
	Holes(ctx context.Context, from, to billing.Date) ([]mail.Hole, error)
	// WriteReports runs the reports named (every report when names is
	// empty) over the days [from, to) and writes them into dir, returning
	// the files written, also when it fails part way.
	WriteReports(ctx context.Context, names []string, from, to billing.Date, dir string) ([]mail.File, error)
}

// RejectCounter is a Reporter that also counts the input records the
// lake's runs refused over a period, by the agent each names, for the
// mail's list of who needs attention.
type RejectCounter interface {
	CountRejects(ctx context.Context, from, to billing.Date) (mail.Rejects, error)
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
	// ingest, or its ingest failed.
	Ingest *IngestFigures
	// Incomplete are the periods reported on although the lake does not
	// hold them whole (the job allows it), with the days it lacks.
	Incomplete []Incomplete
	// Files are the report files written.
	Files []string
	// Agents and Occupancy are the headline of the first period's
	// occupancy report; HasOccupancy is false without one.
	HasOccupancy bool
	Agents       int
	Occupancy    mail.Occupancy
	// MailedTo is the number of recipients the reports were delivered to.
	MailedTo int
	// Notified is the number of recipients told that the run failed.
	Notified int
	// Undelivered is the message kept as a file when delivery failed.
	Undelivered string
}

// Incomplete is a period of a job's reports and the days of it that the
// lake does not hold whole.
type Incomplete struct {
	Period string // the period's title, as Period.Title gives it
	Holes  []mail.Hole
}

// Days names the days and their states: "2026-03-10 missing, 2026-03-12
// stale".
func (p Incomplete) Days() string {
	parts := make([]string, len(p.Holes))
	for i, h := range p.Holes {
		parts[i] = h.Day + " " + h.State
	}
	return strings.Join(parts, ", ")
}

// IncompleteError is returned by Do when a period to report on has days
// that the lake does not hold whole, and the job does not allow that.
type IncompleteError struct {
	Job     string
	Day     billing.Date // the logical day
	Periods []Incomplete
}

// Error names each period, each of its days that is not whole with its
// state, why and the command that repairs it, and how to report anyway.
func (e *IncompleteError) Error() string {
	var b strings.Builder
	b.WriteString("the lake does not hold the reports' periods whole")
	for _, p := range e.Periods {
		for _, h := range p.Holes {
			fmt.Fprintf(&b, "\n  %s: %s %s: %s; repair: %s", p.Period, h.Day, h.State, h.Reason, h.Repair)
		}
	}
	fmt.Fprintf(&b, "\nto report without them: agentbill run %s --date %s --allow-incomplete, or allow_incomplete: true for the job in the config", e.Job, e.Day)
	return b.String()
}

// Do runs job for logical day: it ingests the day, checks that the lake
// holds every day of the report periods ending with it, writes the
// reports of each period, and mails them. A step that fails stops the
// run. A period with a day that is missing, broken or stale stops it too
// (an *IncompleteError), unless the job allows incomplete periods: then
// the reports are written, and the result and the message name the days.
//
// When the run fails before its reports are mailed, and the job mails
// anyone, a message says so and why, with no report attached: when the
// ingest failed, that the day was NOT billed. When delivery fails, the
// report files stay where they were written and the message is kept
// beside them as JOB_DAY.eml, so it can be sent by hand; a later delivery
// of the reports removes it.
func Do(ctx context.Context, job Job, day billing.Date, t Tasks) (Result, error) {
	res := Result{Job: job.Name, Day: day}
	if job.Ingest {
		if t.Ingester == nil {
			return res, fmt.Errorf("%w: ingest", ErrNoTask)
		}
		fig, err := t.Ingester.Ingest(ctx, day)
		if err != nil {
			err = fmt.Errorf("ingest %s: %w", day, err)
			return res, notify(ctx, job, day, t, &res, true, err)
		}
		res.Ingest = &fig
	}
	sections, holes, err := report(ctx, job, day, t, &res)
	if err != nil {
		return res, notify(ctx, job, day, t, &res, false, err)
	}
	if len(job.MailTo) == 0 || len(sections) == 0 {
		return res, nil
	}
	if t.Mailer == nil {
		return res, fmt.Errorf("%w: mail", ErrNoTask)
	}
	scratch, err := os.MkdirTemp("", "agentbill-previous-")
	if err != nil {
		return res, notify(ctx, job, day, t, &res, false, err)
	}
	defer os.RemoveAll(scratch)
	if err := compare(ctx, job, day, t, sections, scratch); err != nil {
		return res, notify(ctx, job, day, t, &res, false, err)
	}
	fonts, err := mail.LoadFonts(job.ChartFont)
	if err != nil {
		return res, notify(ctx, job, day, t, &res, false, err)
	}
	d := mail.Digest{Job: job.Name, Day: day.String(), To: job.MailTo, Sections: sections, Holes: holes, Date: now(t),
		MaxAttachment: job.MaxAttachment, Target: job.Target, Fonts: fonts}
	d.FirstDay, d.EndDay = job.span(day)
	if res.Ingest != nil {
		d.Ingest = res.Ingest.Intake()
	}
	msg, err := mail.Compose(d)
	if err != nil {
		return res, notify(ctx, job, day, t, &res, false, fmt.Errorf("compose the mail: %w", err))
	}
	kept := keptPath(job, day)
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

// span is the days [first, end) that the job's periods for day cover.
func (j Job) span(day billing.Date) (first, end string) {
	var lo, hi billing.Date
	for i, p := range j.Periods {
		from, to := p.Range(day)
		if i == 0 || from.Before(lo) {
			lo = from
		}
		if i == 0 || hi.Before(to) {
			hi = to
		}
	}
	return lo.String(), hi.String()
}

// report checks the lake for each period of job and writes its reports,
// into sections for the mail; holes are the days, of every period, that
// the lake does not hold whole, when the job allows that.
func report(ctx context.Context, job Job, day billing.Date, t Tasks, res *Result) ([]mail.Section, []mail.Hole, error) {
	if len(job.Periods) == 0 {
		return nil, nil, nil
	}
	if t.Reporter == nil {
		return nil, nil, fmt.Errorf("%w: reports", ErrNoTask)
	}
	var incomplete []Incomplete
	var holes []mail.Hole
	seen := map[string]bool{}
	for _, p := range job.Periods {
		from, to := p.Range(day)
		found, err := t.Reporter.Holes(ctx, from, to)
		if err != nil {
			return nil, nil, fmt.Errorf("check the lake for %s: %w", p.Title(day), err)
		}
		if len(found) == 0 {
			continue
		}
		incomplete = append(incomplete, Incomplete{Period: p.Title(day), Holes: found})
		for _, h := range found {
			if !seen[h.Day] {
				seen[h.Day] = true
				holes = append(holes, h)
			}
		}
	}
	if len(incomplete) > 0 && !job.AllowIncomplete {
		return nil, nil, &IncompleteError{Job: job.Name, Day: day, Periods: incomplete}
	}
	slices.SortFunc(holes, func(a, b mail.Hole) int { return strings.Compare(a.Day, b.Day) })
	res.Incomplete = incomplete
	var sections []mail.Section
	for _, p := range job.Periods {
		from, to := p.Range(day)
		files, err := t.Reporter.WriteReports(ctx, job.Reports, from, to, job.Out)
		for _, f := range files {
			res.Files = append(res.Files, f.Path)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reports for %s: %w", p.Title(day), err)
		}
		sections = append(sections, mail.Section{Title: p.Title(day), Files: files})
	}
	fig, err := mail.ReadFigures(sections[0].Title, sections[0].Files)
	if err != nil {
		return nil, nil, err
	}
	if fig.HasOccupancy {
		res.HasOccupancy, res.Agents, res.Occupancy = true, len(fig.Agents), fig.Total
	}
	return sections, holes, nil
}

// figureReports are the built-in reports whose figures the mail compares
// with the period before.
var figureReports = []string{mail.ReportOccupancy, mail.ReportRestReasons, mail.ReportLogoutCauses}

// compare fills in, for each section of the job's mail, the period before
// (its figures written from the lake as the section's are, into scratch,
// or why there are none) and the section's refused records when the
// Reporter counts them.
func compare(ctx context.Context, job Job, day billing.Date, t Tasks, sections []mail.Section, scratch string) error {
	var names []string
	for _, name := range figureReports {
		if len(job.Reports) == 0 || slices.Contains(job.Reports, name) || slices.Contains(job.Reports, "all") {
			names = append(names, name)
		}
	}
	for i, p := range job.Periods {
		from, to := p.Range(day)
		if counter, ok := t.Reporter.(RejectCounter); ok {
			rejects, err := counter.CountRejects(ctx, from, to)
			if err != nil {
				return fmt.Errorf("count the rejects of %s: %w", p.Title(day), err)
			}
			sections[i].Rejects = &rejects
		}
		if len(names) == 0 {
			continue
		}
		before := from.AddDays(-1) // the last day of the period before
		prevFrom, prevTo := p.Range(before)
		prev := &mail.Previous{Title: p.Title(before)}
		sections[i].Previous = prev
		holes, err := t.Reporter.Holes(ctx, prevFrom, prevTo)
		if err != nil {
			return fmt.Errorf("check the lake for %s: %w", prev.Title, err)
		}
		if len(holes) > 0 {
			prev.Missing = notWhole(prev.Title, holes, prevFrom, prevTo)
			continue
		}
		dir := filepath.Join(scratch, fmt.Sprint(i))
		prev.Files, err = t.Reporter.WriteReports(ctx, names, prevFrom, prevTo, dir)
		if err != nil {
			return fmt.Errorf("reports for %s, the period before %s: %w", prev.Title, p.Title(day), err)
		}
	}
	return nil
}

// notWhole says why a period cannot be compared with: "2026-03-09 is not
// in the lake", "week 2026-03-02 to 2026-03-08 is not whole in the lake
// (2026-03-04 missing, 2026-03-06 stale)".
func notWhole(title string, holes []mail.Hole, from, to billing.Date) string {
	days := 0
	for d := from; d.Before(to); d = d.Next() {
		days++
	}
	missing := 0
	for _, h := range holes {
		if h.State == "missing" {
			missing++
		}
	}
	if missing == days {
		return title + " is not in the lake"
	}
	return fmt.Sprintf("%s is not whole in the lake (%s)", title, Incomplete{Holes: holes}.Days())
}

// noticeTimeout bounds the delivery of a failure notice once the run's own
// time is up.
const noticeTimeout = 5 * time.Minute

// notify tells the job's recipients that the run for day failed with
// runErr, and returns runErr, joined with why the notice could not be
// delivered when it could not (it is then kept as JOB_DAY.eml). A run that
// was stopped (context.Canceled) notifies nobody.
func notify(ctx context.Context, job Job, day billing.Date, t Tasks, res *Result, notBilled bool, runErr error) error {
	if len(job.MailTo) == 0 || errors.Is(runErr, context.Canceled) {
		return runErr
	}
	if t.Mailer == nil {
		return errors.Join(runErr, fmt.Errorf("%w: mail, to say that the run failed", ErrNoTask))
	}
	if ctx.Err() != nil { // the run's time is up; the notice still goes
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), noticeTimeout)
		defer cancel()
	}
	msg, err := mail.ComposeFailure(mail.Failure{Job: job.Name, Day: day.String(), To: job.MailTo,
		NotBilled: notBilled, Error: runErr.Error(), Date: now(t)})
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("compose the failure notice: %w", err))
	}
	if err := t.Mailer.Send(ctx, msg); err != nil {
		kept := keptPath(job, day)
		if saveErr := saveMessage(kept, msg); saveErr != nil {
			return errors.Join(runErr, fmt.Errorf("the failure notice was not delivered: %w", err), fmt.Errorf("keep the notice: %w", saveErr))
		}
		res.Undelivered = kept
		return errors.Join(runErr, fmt.Errorf("the failure notice was not delivered: %w; it is kept in %s", err, kept))
	}
	res.Notified = len(job.MailTo)
	return runErr
}

// keptPath is where a message that could not be delivered is kept.
func keptPath(job Job, day billing.Date) string {
	return filepath.Join(job.Out, fmt.Sprintf("%s_%s.eml", job.Name, day))
}

func now(t Tasks) time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
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
