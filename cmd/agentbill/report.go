package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/reports"
)

// stdoutDir is the --out value that sends a report to standard output.
const stdoutDir = "-"

func (a *app) reportCmd() *cobra.Command {
	var from, to, lakeDir, out, format string
	cmd := &cobra.Command{
		Use:   "report NAME|all --from D [--to D] [--lake DIR] [--out DIR|-] [--format csv|table|json]",
		Short: "Run a report over the lake into DIR/NAME_FROM_TO.csv",
		Long: `Report runs one SQL report (or all of them) over the lake for the site-zone
days from --from up to --to, which is not included (default: the day after
--from), and writes DIR/NAME_FROM_TO.csv, replacing it whole. DIR is --out,
else reports.out of the config; --out - writes to standard output instead,
in --format. Dates are YYYY-MM-DD, "today" or "yesterday" on the site clock.

The built-in reports are occupancy, rest_reasons and logout_causes (SPEC §5);
the site's own are the *.sql files of the config's reports.dir. "agentbill
reports" lists them.`,
		Example: `  agentbill report occupancy --from 2026-03-08 --to 2026-03-09
  agentbill report all --from yesterday
  agentbill report rest_reasons --from 2026-03-01 --to 2026-04-01 --out - --format table`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.report(cmd.Context(), args[0], from, to, lakeDir, out, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "first site-zone day: YYYY-MM-DD, today or yesterday")
	f.StringVar(&to, "to", "", "the day after the last (default: the day after --from)")
	f.StringVar(&lakeDir, "lake", "", "lake folder (default: lake of the config)")
	f.StringVar(&out, "out", "", `folder for the CSV files (default: reports.out of the config); "-" for standard output`)
	f.StringVar(&format, "format", reports.FormatCSV, "output on standard output: csv, table or json (JSON Lines); files are CSV")
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
	var site fs.FS
	if dir := a.cfg.Reports.Dir; dir != "" {
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

func (a *app) report(ctx context.Context, name, from, to, lakeDir, out, format string) error {
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
	opts := reports.Options{
		Lake: a.lakeDir(lakeDir), From: first, To: end, Location: cfg.Location,
		Labels: reports.Labels(a.cfg.Labels),
	}
	if out != stdoutDir {
		paths, err := reports.WriteFiles(ctx, opts, list, out)
		for _, p := range paths {
			a.log.Info("report written", "file", p)
		}
		return err
	}
	s, err := reports.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Run(ctx, list[0], format, a.stdout)
}
