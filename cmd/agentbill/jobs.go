package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/reports"
	"github.com/agentbill/agentbill/reports/mail"
	"github.com/agentbill/agentbill/reports/nightly"
)

func (a *app) jobsCmd() *cobra.Command {
	var next int
	cmd := &cobra.Command{
		Use:   "jobs [--next N]",
		Short: "List the jobs of the config with their next starts",
		Long: `Jobs lists the jobs of the config: what each does, the last logical day it
completed (from the lake's record, LAKE/jobs/NAME.json), and its next starts
on the site clock with the logical day each works on (the day before).
"agentbill schedule" runs them on their schedules; "agentbill run NAME" runs
one once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.listJobs(next)
		},
	}
	cmd.Flags().IntVar(&next, "next", 3, "how many next starts to show for each job")
	return cmd
}

func (a *app) listJobs(n int) error {
	jobs, err := a.nightlyJobs()
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		fmt.Fprintln(a.stdout, "no jobs: add them under jobs in the config (see config/agentbill.example.yaml)")
		return nil
	}
	loc := a.cfg.Location()
	records, err := a.jobRecords()
	if err != nil {
		return err
	}
	now := a.now()
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSCHEDULE\tDOES\tLAST DONE\tNEXT START\tFOR DAY")
	for _, j := range jobs {
		last := "-"
		days, err := records.Completed(j.Name)
		if err != nil {
			return err
		}
		if len(days) > 0 {
			last = days[len(days)-1].String()
		}
		spec, starts := "(agentbill run only)", []string{"-"}
		forDay := []string{"-"}
		if j.Schedule != "" {
			spec = j.Schedule
			s, err := nightly.ParseSchedule(j.Schedule, loc)
			if err != nil {
				return fmt.Errorf("job %s: %w", j.Name, err)
			}
			starts, forDay = nil, nil
			for _, t := range nightly.NextRuns(s, now, n) {
				starts = append(starts, t.In(loc).Format("2006-01-02 15:04 -07:00"))
				forDay = append(forDay, nightly.LogicalDay(t, loc).String())
			}
			if len(starts) == 0 {
				starts, forDay = []string{"never"}, []string{"-"}
			}
		}
		for i := range starts {
			if i == 0 {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, spec, j.Does(), last, starts[i], forDay[i])
			} else {
				fmt.Fprintf(w, "\t\t\t\t%s\t%s\n", starts[i], forDay[i])
			}
		}
	}
	return w.Flush()
}

// nightlyJobs are the jobs of the config, with the report folder filled
// in.
func (a *app) nightlyJobs() ([]nightly.Job, error) {
	var jobs []nightly.Job
	for _, jc := range a.cfg.Jobs {
		j := nightly.Job{
			Name:            jc.Name,
			Schedule:        jc.Schedule,
			Ingest:          jc.Ingest,
			Reports:         slices.Clone(jc.ReportNames),
			Out:             jc.Out,
			MailTo:          slices.Clone(jc.MailTo),
			MaxAttachment:   int64(a.cfg.Mail.MaxAttachmentMB * (1 << 20)),
			Target:          a.cfg.Mail.OccupancyTarget,
			ChartFont:       a.cfg.Mail.ChartFont,
			Timeout:         jc.Timeout,
			AllowIncomplete: jc.AllowIncomplete,
		}
		if j.Out == "" {
			j.Out = a.cfg.Reports.Out
		}
		for _, p := range jc.Reports {
			period, err := nightly.ParsePeriod(p)
			if err != nil {
				return nil, fmt.Errorf("job %s: %w", jc.Name, err)
			}
			j.Periods = append(j.Periods, period)
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// findJob is the job of the config called name.
func (a *app) findJob(name string) (nightly.Job, error) {
	jobs, err := a.nightlyJobs()
	if err != nil {
		return nightly.Job{}, err
	}
	var names []string
	for _, j := range jobs {
		if j.Name == name {
			return j, nil
		}
		names = append(names, j.Name)
	}
	if len(names) == 0 {
		return nightly.Job{}, usageErrorf("no job %q: the config has no jobs", name)
	}
	return nightly.Job{}, usageErrorf("no job %q (have %s)", name, strings.Join(names, ", "))
}

// nightlyRunner is a Runner whose tasks are this command line's: ingest
// into the config's lake, its reports, its mail server.
func (a *app) nightlyRunner(jobs []nightly.Job) (*nightly.Runner, error) {
	tasks := nightly.Tasks{Ingester: appIngester{a}, Reporter: appReporter{a}, Now: a.now}
	mailer, err := a.mailer(jobs)
	if err != nil {
		return nil, err
	}
	if mailer != nil {
		tasks.Mailer = mailer
	}
	records, err := a.jobRecords()
	if err != nil {
		return nil, err
	}
	return &nightly.Runner{
		Tasks:    tasks,
		Records:  records,
		Location: a.cfg.Location(),
		Now:      a.now,
		Log:      a.log,
	}, nil
}

// mailer is the SMTP sender of the config; nil when no job of jobs sends
// mail. The login comes from the environment variables the config names.
func (a *app) mailer(jobs []nightly.Job) (*mail.SMTP, error) {
	if !slices.ContainsFunc(jobs, func(j nightly.Job) bool { return len(j.MailTo) > 0 }) {
		return nil, nil
	}
	mc := a.cfg.Mail
	tls, err := mail.ParseTLS(mc.StartTLS)
	if err != nil {
		return nil, err
	}
	s := &mail.SMTP{
		Host: mc.Host, Port: mc.Port, From: mc.From, TLS: tls, Auth: mc.Auth,
		Timeout: mc.Timeout, Retries: mc.Retries, RetryWait: mc.RetryWait, Log: a.log,
	}
	if mc.UsernameEnv != "" {
		if s.Username, err = a.getenv("mail.username_env", mc.UsernameEnv); err != nil {
			return nil, err
		}
		if s.Password, err = a.getenv("mail.password_env", mc.PasswordEnv); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// getenv is the value of the environment variable name, which must be set.
func (a *app) getenv(key, name string) (string, error) {
	for _, kv := range a.env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name && v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s: the environment variable %s is not set", key, name)
}

// appIngester ingests a day as agentbill ingest --date D does, from the
// config's inputs into its lake.
type appIngester struct{ a *app }

func (i appIngester) Ingest(ctx context.Context, day billing.Date) (nightly.IngestFigures, error) {
	res, err := i.a.ingest(ctx, ingestPlan{date: day.String()})
	if err != nil {
		return nightly.IngestFigures{}, err
	}
	c := res.Days[0].Counts
	return nightly.IngestFigures{Records: c.Records, Bills: c.Bills, OpenRows: c.OpenRows, Rejects: c.Rejects, Duplicates: c.Duplicates}, nil
}

// appReporter writes reports as agentbill report does, with the site's
// reports and labels.
type appReporter struct{ a *app }

// Holes are the days of [from, to) that the config's lake does not hold
// whole, as agentbill report finds them.
func (r appReporter) Holes(ctx context.Context, from, to billing.Date) ([]mail.Hole, error) {
	dir, release, err := r.a.readLake(ctx, r.a.cfg.Lake, from, to)
	if err != nil {
		return nil, err
	}
	defer release()
	holes, err := reports.Holes(ctx, dir, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]mail.Hole, len(holes))
	for i, h := range holes {
		out[i] = mail.Hole{Day: h.Day.String(), State: string(h.State), Reason: h.Reason, Repair: h.Repair()}
	}
	return out, nil
}

// CountRejects counts the records the lake's runs of [from, to) refused,
// by the agent each names.
func (r appReporter) CountRejects(ctx context.Context, from, to billing.Date) (mail.Rejects, error) {
	dir, release, err := r.a.readLake(ctx, r.a.cfg.Lake, from, to)
	if err != nil {
		return mail.Rejects{}, err
	}
	defer release()
	c, err := reports.CountRejects(ctx, dir, from, to)
	if err != nil {
		return mail.Rejects{}, err
	}
	out := mail.Rejects{Total: c.Total}
	for _, a := range c.ByAgent {
		out.ByAgent = append(out.ByAgent, mail.AgentRejects{Agent: a.Agent, Count: a.Count})
	}
	return out, nil
}

func (r appReporter) WriteReports(ctx context.Context, names []string, from, to billing.Date, dir string) ([]mail.File, error) {
	a := r.a
	catalog, err := a.reportCatalog()
	if err != nil {
		return nil, err
	}
	list := catalog
	if len(names) > 0 {
		list = nil
		for _, name := range names {
			sel, err := reports.Select(catalog, name)
			if err != nil {
				return nil, err
			}
			list = append(list, sel...)
		}
	}
	lakeDir, release, err := a.readLake(ctx, a.cfg.Lake, from, to)
	if err != nil {
		return nil, err
	}
	defer release()
	opts := reports.Options{
		Lake: lakeDir, From: from, To: to, Location: a.cfg.Location(),
		Labels: reports.Labels(a.cfg.Labels), IntervalMinutes: a.cfg.Reports.IntervalMinutes,
		ByteOrderMark: a.cfg.Reports.ByteOrderMark(true),
	}
	paths, err := reports.WriteFiles(ctx, opts, list, dir)
	files := make([]mail.File, len(paths))
	for i, p := range paths {
		files[i] = mail.File{Report: list[i].Name, Path: p}
	}
	return files, err
}

// summary is a run's outcome in one line, for people; it gives a failed
// run's error when withErr is true (else the log says it).
func summary(res nightly.Result, err error, withErr bool) string {
	var parts []string
	if res.Ingest != nil {
		parts = append(parts, fmt.Sprintf("%s, %d duplicates, %d bills", res.Ingest.Intake(), res.Ingest.Duplicates, res.Ingest.Bills))
	}
	for _, p := range res.Incomplete {
		parts = append(parts, fmt.Sprintf("%s INCOMPLETE: %s", p.Period, p.Days()))
	}
	if len(res.Files) > 0 {
		parts = append(parts, fmt.Sprintf("%d report files", len(res.Files)))
	}
	if res.HasOccupancy {
		o := "occupancy -"
		if res.Occupancy.Known {
			o = fmt.Sprintf("occupancy %.1f%%", 100*res.Occupancy.Value)
		}
		parts = append(parts, fmt.Sprintf("%s over %d agents", o, res.Agents))
	}
	if res.MailedTo > 0 {
		parts = append(parts, fmt.Sprintf("mailed to %d", res.MailedTo))
	}
	if res.Notified > 0 {
		parts = append(parts, fmt.Sprintf("failure mailed to %d", res.Notified))
	}
	status := "done"
	switch {
	case err != nil && withErr:
		status = "FAILED: " + err.Error()
	case err != nil:
		status = "FAILED (the log says why)"
	}
	if len(parts) > 0 {
		status += " (" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("%s %s: %s", res.Job, res.Day, status)
}

// jobRecords is where the jobs record the days they completed: in the
// lake, beside its tables (see nightly.Records).
func (a *app) jobRecords() (*nightly.Records, error) {
	lk, err := a.lake(context.Background(), a.cfg.Lake, a.cfg.Location())
	if err != nil {
		return nil, err
	}
	if lk.Local() && lk.Site == "" {
		return nightly.RecordsIn(a.cfg.Lake), nil
	}
	return nightly.RecordsOf(lk), nil
}
