package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/reports"
)

// stdoutDir is the --out value that sends a report to standard output.
const stdoutDir = "-"

func (a *app) reportCmd() *cobra.Command {
	var from, to, lakeDir, out, format string
	var allowIncomplete, allSites bool
	cmd := &cobra.Command{
		Use:   "report NAME|all --from D [--to D] [--lake DIR|URL] [--out DIR|-] [--format csv|table|json] [--allow-incomplete] [--all-sites]",
		Short: "Run a report over the lake into DIR/NAME_FROM_TO.csv",
		Long: `Report runs one SQL report (or all of them) over the lake for the site-zone
days from --from up to --to, which is not included (default: the day after
--from), and writes DIR/NAME_FROM_TO.csv, replacing it whole. DIR is --out,
else reports.out of the config; --out - writes to standard output instead,
in --format. Dates are YYYY-MM-DD, "today" or "yesterday" on the site clock.

The built-in reports are occupancy, rest_reasons, logout_causes and interval
(SPEC §5; interval's length is reports.interval_minutes); the site's own are
the *.sql files of the config's reports.dir. "agentbill reports" lists them.
CSV text cells that begin with =, +, - or @ get a ' in front, so that a
spreadsheet does not run them; with reports.csv_bom set to always, the CSV
starts with a UTF-8 byte-order mark.

A period with a day that the lake does not hold whole (missing: no run;
broken; stale: see agentbill status) is refused, naming each such day and the
ingest that repairs it. --allow-incomplete reports it anyway, with a warning
naming those days.

In a lake shared by sites, a report covers the config's site (site.name);
--all-sites runs it for every site of the lake, each on its own clock (the
time zone its newest run recorded), into DIR/site=NAME/.`,
		Example: `  agentbill report occupancy --from 2026-03-08 --to 2026-03-09
  agentbill report all --from yesterday
  agentbill report rest_reasons --from 2026-03-01 --to 2026-04-01 --out - --format table`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if allSites {
				return a.reportAllSites(cmd.Context(), args[0], from, to, lakeDir, out, format, allowIncomplete)
			}
			return a.report(cmd.Context(), args[0], from, to, lakeDir, out, format, allowIncomplete)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "first site-zone day: YYYY-MM-DD, today or yesterday")
	f.StringVar(&to, "to", "", "the day after the last (default: the day after --from)")
	f.StringVar(&lakeDir, "lake", "", "lake folder or bucket URL (default: lake of the config)")
	f.StringVar(&out, "out", "", `folder for the CSV files (default: reports.out of the config); "-" for standard output`)
	f.StringVar(&format, "format", reports.FormatCSV, "output on standard output: csv, table or json (JSON Lines); files are CSV")
	f.BoolVar(&allowIncomplete, "allow-incomplete", false, "report a period with days that are missing, broken or stale, warning which")
	f.BoolVar(&allSites, "all-sites", false, "every site of a lake shared by sites, each into DIR/site=NAME/")
	cmd.MarkFlagRequired("from")
	return cmd
}

func (a *app) reportsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reports",
		Short: "List the reports, built in and the site's, with what each shows",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := a.reportCatalog()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			for _, r := range list {
				source := "built-in"
				if r.Site {
					source = "site"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\n", r.Name, source, r.Description)
			}
			return w.Flush()
		},
	}
}

// reportCatalog is the built-in reports and those of the config's
// reports.dir.
func (a *app) reportCatalog() ([]reports.Report, error) {
	return reportCatalog(a.cfg.Reports.Dir)
}

// reportCatalog is the built-in reports and those of the folder dir (none
// when dir is empty).
func reportCatalog(dir string) ([]reports.Report, error) {
	var site fs.FS
	if dir != "" {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("reports.dir: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("reports.dir: %s is not a folder", dir)
		}
		site = os.DirFS(dir)
	}
	return reports.Catalog(site)
}

func (a *app) report(ctx context.Context, name, from, to, lakeDir, out, format string, allowIncomplete bool) error {
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	first, err := a.dateFlag("--from", from, cfg.Location)
	if err != nil {
		return err
	}
	end := first.Next()
	if to != "" {
		if end, err = a.dateFlag("--to", to, cfg.Location); err != nil {
			return err
		}
	}
	if !first.Before(end) {
		return fmt.Errorf("--to %s is not after --from %s (--to is the day after the last)", end, first)
	}
	if out == "" {
		out = a.cfg.Reports.Out
	}
	switch {
	case format != reports.FormatCSV && format != reports.FormatTable && format != reports.FormatJSON:
		return fmt.Errorf("--format %q: want csv, table or json", format)
	case out != stdoutDir && format != reports.FormatCSV:
		return fmt.Errorf("--format %s needs --out -: report files are CSV", format)
	}
	catalog, err := a.reportCatalog()
	if err != nil {
		return err
	}
	list, err := reports.Select(catalog, name)
	if err != nil {
		return err
	}
	if out == stdoutDir && len(list) > 1 {
		return errors.New("report all writes one file per report: give --out DIR, or one report name with --out -")
	}
	dir, release, err := a.readLake(ctx, a.lakeDir(lakeDir), first, end)
	if err != nil {
		return err
	}
	defer release()
	opts := reports.Options{
		Lake: dir, From: first, To: end, Location: cfg.Location,
		Labels: reports.Labels(a.cfg.Labels), IntervalMinutes: a.cfg.Reports.IntervalMinutes,
		ByteOrderMark: a.cfg.Reports.ByteOrderMark(false),
	}
	s, err := reports.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	holes, err := a.checkPeriod(ctx, opts.Lake, first, end, allowIncomplete)
	if err != nil {
		return err
	}
	if out == stdoutDir {
		if err := s.Run(ctx, list[0], format, a.stdout); err != nil {
			return err
		}
		return s.Close()
	}
	pr := a.startProgress()
	defer pr.finish(false)
	if pr != nil {
		m := pr.add("reports", int64(len(list)), unitCount)
		s.Progress = func(done, total int) { m.Set(int64(done), int64(total)) }
	}
	paths, err := s.WriteFiles(ctx, list, out)
	pr.finish(err == nil)
	for _, p := range paths {
		if len(holes) > 0 {
			a.log.Warn("report written over days the lake does not hold whole", "file", p, "incomplete", reports.HoleDays(holes))
		} else {
			a.log.Info("report written", "file", p)
		}
	}
	if err != nil {
		return err
	}
	return s.Close()
}

// checkPeriod finds the days of [from, to) that the lake in dir does not
// hold whole. With holes, it fails naming them, or, when allowed, warns
// on standard error and returns them.
func (a *app) checkPeriod(ctx context.Context, dir string, from, to billing.Date, allow bool) ([]reports.Hole, error) {
	holes, err := reports.Holes(ctx, dir, from, to)
	if err != nil || len(holes) == 0 {
		return nil, err
	}
	incomplete := &reports.IncompleteError{From: from, To: to, Holes: holes}
	if !allow {
		return nil, fmt.Errorf("%w\n(--allow-incomplete goes on with what the lake holds of these days, with a warning)", incomplete)
	}
	if a.logJSON {
		a.log.Warn("going on with what the lake holds of these days (--allow-incomplete)", "incomplete", incomplete.Error())
	} else {
		fmt.Fprintf(a.stderr, "agentbill: warning: %v\n(--allow-incomplete: going on with what the lake holds of these days)\n", incomplete)
	}
	return holes, nil
}

// reportAllSites runs report for each site of a lake shared by sites, on
// the site's own clock, into out/site=NAME/.
func (a *app) reportAllSites(ctx context.Context, name, from, to, lakeDir, out, format string, allowIncomplete bool) error {
	if out == stdoutDir {
		return usageError{errors.New("--all-sites writes one folder per site: give --out DIR, or set site.name for one site")}
	}
	if out == "" {
		out = a.cfg.Reports.Out
	}
	lk, err := a.lake(ctx, a.lakeDir(lakeDir), a.cfg.Location())
	if err != nil {
		return err
	}
	defer lk.Close()
	sites, err := lk.Sites(ctx)
	if err != nil {
		return err
	}
	if len(sites) == 0 {
		return fmt.Errorf("the lake %s has no sites (site=NAME partitions)", lk)
	}
	saved := a.cfg.Site
	defer func() { a.cfg.Site = saved }()
	for _, site := range sites {
		a.cfg.Site.Name = site
		zone, err := lk.SiteZone(ctx, site)
		if err != nil {
			return err
		}
		a.cfg.Site.Timezone = zone
		if err := a.report(ctx, name, from, to, lakeDir, filepath.Join(out, "site="+site), format, allowIncomplete); err != nil {
			return fmt.Errorf("site %s: %w", site, err)
		}
	}
	return nil
}
