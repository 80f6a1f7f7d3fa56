package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/pipeline"
)

func (a *app) ingestCmd() *cobra.Command {
	var date, lakeDir, format string
	var cascade, force bool
	cmd := &cobra.Command{
		Use:   "ingest [--date D [--cascade]] [--lake DIR] [--format F] [FILE...]",
		Short: "Bill a day's inputs into the Parquet lake",
		Long: `Ingest runs the billing rules for day D, starting from what the run for the
day before left open in the lake, and writes D's bills, open rows, rejects and
manifest into the lake, replacing what D had. Without FILE arguments the
inputs come from the config (inputs; {date} stands for D, {utc_hour} for each
UTC hour folder YYYY/MM/DD/HH that may hold D's records of an Amazon Connect
stream that Firehose delivered). D is a date, or
"yesterday" or "today" on the site clock. Without --date, every day present
in the inputs is ingested in order.

With --cascade, every later day that was built on the state D left open
before (a stale day, see agentbill status) is ingested again afterwards, in
order, from the inputs its manifest names.

Ingest holds the lake's lock for its whole run: a second writer stops at
once with exit status 75. A run that looks wrong (more records refused than
max_reject_share of the config, or no event used from a non-empty input)
leaves the day as it was, keeps the refused records in
LAKE/refused/D.rejects.csv and fails; --force commits it anyway.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			if cascade && date == "" {
				return usageErrorf("--cascade needs --date: the day whose successors to ingest again")
			}
			if _, err := a.resolveDate(date, a.cfg.Location()); err != nil {
				return err
			}
			ctx, unlock, err := a.lockLake(cmd.Context(), a.lakeDir(lakeDir), "ingest", date)
			if err != nil {
				return err
			}
			defer unlock()
			pr := a.startProgress()
			defer pr.finish(false)
			_, err = a.ingest(ctx, ingestPlan{date: date, lake: lakeDir, format: format, files: files, force: force, progress: pr})
			pr.finish(err == nil)
			if err != nil {
				return err
			}
			if cascade {
				return a.cascade(ctx, date, lakeDir)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&date, "date", "", `site-zone day to ingest: YYYY-MM-DD, "yesterday" or "today"`)
	f.StringVar(&lakeDir, "lake", "", "lake folder (default: lake of the config)")
	f.StringVar(&format, "format", "", "input format (default: input_format of the config, else detected per file)")
	f.BoolVar(&cascade, "cascade", false, "then ingest again every later stale day, from the inputs its manifest names")
	f.BoolVar(&force, "force", false, "commit the day even when the run looks wrong (too many rejects, no event used)")
	return cmd
}

// resolveDate reads a --date value on the site clock; nil when s is empty.
func (a *app) resolveDate(s string, loc *time.Location) (*billing.Date, error) {
	if s == "" {
		return nil, nil
	}
	d, err := a.dateFlag("--date", s, loc)
	return &d, err
}

// dateFlag reads a date flag: YYYY-MM-DD, "today" or "yesterday" on the
// site clock.
func (a *app) dateFlag(flag, s string, loc *time.Location) (billing.Date, error) {
	today := billing.DateIn(a.now(), loc)
	switch s {
	case "today":
		return today, nil
	case "yesterday":
		return today.AddDays(-1), nil
	}
	d, err := billing.ParseDate(s)
	if err != nil {
		return d, usageErrorf("%s: %w", flag, err)
	}
	return d, nil
}

// inputFiles are the files given, or the config's inputs for day with
// {date} replaced and globs expanded. A config input that matches nothing is
// an error: a nightly run with a missing log must not pass for an empty day.
func (a *app) inputFiles(args []string, day *billing.Date) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	if len(a.cfg.Inputs) == 0 {
		return nil, usageErrorf("no input files: give them as arguments or set inputs in the config")
	}
	var files []string
	for _, pattern := range a.cfg.Inputs {
		for _, p := range []string{"{date}", ingest.HourPlaceholder} {
			if strings.Contains(pattern, p) && day == nil {
				return nil, fmt.Errorf("input %q names %s: give --date", pattern, p)
			}
		}
		if day != nil {
			pattern = strings.ReplaceAll(pattern, "{date}", day.String())
		}
		var found []string
		for _, hour := range a.expandHours(pattern, day) {
			var matches []string
			var err error
			if ingest.IsObject(hour) {
				matches, err = ingest.ListObjects(context.Background(), hour)
			} else {
				matches, err = filepath.Glob(hour)
			}
			if err != nil {
				return nil, fmt.Errorf("input %q: %w", pattern, err)
			}
			slices.Sort(matches)
			found = append(found, matches...)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("input %q matches no file", pattern)
		}
		files = append(files, found...)
	}
	return files, nil
}

// expandHours is the pattern once for each UTC hour folder of day (see
// ingest.ExpandHours), so that a day's run reads the hours of a Firehose
// stream its records may be in; an hour with no file is no error (Firehose
// writes none for a quiet hour), a pattern that matches in none is.
func (a *app) expandHours(pattern string, day *billing.Date) []string {
	if day == nil {
		return []string{pattern}
	}
	return ingest.ExpandHours(pattern, *day, a.cfg.Location())
}

// ingestPlan is what one ingest is asked to do: the day (empty: every day
// of the inputs), the lake folder (empty: the config's), the input format
// (empty: the config's, else detected) and files (none: the config's
// inputs), and whether to commit a run that looks wrong.
type ingestPlan struct {
	date, lake, format string
	files              []string
	force              bool
	progress           *progress // bars of the bytes read and the days billed; nil for none
}

func (a *app) ingest(ctx context.Context, plan ingestPlan) (pipeline.Result, error) {
	p, err := a.pipelinePlan(plan)
	if err != nil {
		return pipeline.Result{}, err
	}
	format, err := ingest.ParseFormat(cmp.Or(plan.format, a.cfg.InputFormat))
	if err != nil {
		return pipeline.Result{}, err
	}
	files, err := a.inputFiles(plan.files, p.Day)
	if err != nil {
		return pipeline.Result{}, err
	}
	inputs, cleanup, err := spoolInputs(files, format)
	defer cleanup()
	if err != nil {
		return pipeline.Result{}, err
	}
	p.Inputs = inputs
	if pr := plan.progress; pr != nil {
		read := pr.add("read", inputSize(inputs), unitBytes)
		p.ReadOptions.Progress = func(n int) { read.Add(int64(n)) }
		var days *meter
		p.Progress = func(_ string, done, total int64) {
			if days == nil {
				days = pr.add("days billed", total, unitCount)
			}
			days.Set(done, total)
		}
	}
	ctx, unlock, err := a.lockLake(ctx, a.lakeDir(plan.lake), "ingest", plan.date)
	if err != nil {
		return pipeline.Result{}, err
	}
	defer unlock()
	p.Lake = lockedLake(ctx)
	p.Lake.Location = p.Billing.Location
	return pipeline.Run(ctx, p)
}

// inputSize is the size of the inputs on disk.
func inputSize(inputs []ingest.Input) int64 {
	var n int64
	for _, in := range inputs {
		if fi, err := os.Stat(in.Path); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// pipelinePlan turns an ingest's flags and the config into the pipeline's
// plan, all but its inputs and its lake, which is the one the run locks
// (lockLake).
func (a *app) pipelinePlan(plan ingestPlan) (pipeline.Plan, error) {
	cfg, err := a.billingConfig("")
	if err != nil {
		return pipeline.Plan{}, err
	}
	day, err := a.resolveDate(plan.date, cfg.Location)
	if err != nil {
		return pipeline.Plan{}, err
	}
	return pipeline.Plan{
		Billing:        cfg,
		Day:            day,
		ReadOptions:    a.readOptions(cfg.Location),
		MemoryBudget:   a.cfg.IngestMemoryMB << 20,
		SpillDir:       a.cfg.SpillDir,
		MaxRejectShare: a.cfg.MaxRejectShare,
		Force:          plan.force,
		Version:        currentBuild().Version,
		Now:            a.now,
		Log:            a.log,
	}, nil
}

// cascade ingests again, in order, each day after date that is stale, from
// the inputs its manifest names (see pipeline.Cascade).
func (a *app) cascade(ctx context.Context, date, lakeDir string) error {
	p, err := a.pipelinePlan(ingestPlan{date: date, lake: lakeDir})
	if err != nil {
		return err
	}
	ctx, unlock, err := a.lockLake(ctx, a.lakeDir(lakeDir), "ingest --cascade", date)
	if err != nil {
		return err
	}
	defer unlock()
	p.Lake = lockedLake(ctx)
	p.Lake.Location = p.Billing.Location
	return pipeline.Cascade(ctx, p, *p.Day)
}
