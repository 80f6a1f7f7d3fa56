package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
)

func (a *app) billsCmd() *cobra.Command {
	var date, zone, format, rejectsPath string
	cmd := &cobra.Command{
		Use:   "bills [--date D] [--timezone Z] [--format F] FILE...",
		Short: "Bill event files and write the bills as CSV to standard output",
		Long: `Bills runs the billing rules over the files and writes the bills as CSV to
standard output (SPEC §3 columns; begin_time and end_time in UTC, *_local on
the site clock), then the rows still open after the last day (flag open).
Without --date, every day from the first to the last in the events is run,
each carrying into the next. Counts go to standard error (with JSON logs, as
one "billed" line). A FILE of "-" is standard input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return a.bills(cmd.Context(), files, date, zone, format, rejectsPath)
		},
	}
	f := cmd.Flags()
	f.StringVar(&date, "date", "", "run only this site-zone day (YYYY-MM-DD)")
	f.StringVar(&zone, "timezone", "", "site time zone (default: site.timezone of the config)")
	f.StringVar(&format, "format", "", "input format: csv, jsonl, events, connect, cti, agentoprinfo (default: by extension and content)")
	f.StringVar(&rejectsPath, "rejects", "", "write the rejected records as CSV to this file")
	return cmd
}

func (a *app) bills(ctx context.Context, files []string, date, zone, format, rejectsPath string) error {
	cfg, err := a.billingConfig(zone)
	if err != nil {
		return err
	}
	fmtName, err := ingest.ParseFormat(format)
	if err != nil {
		return err
	}
	var day *billing.Date
	if date != "" {
		d, err := billing.ParseDate(date)
		if err != nil {
			return fmt.Errorf("--date: %w", err)
		}
		day = &d
	}
	collected, cleanup, err := a.readInputs(ctx, files, fmtName, cfg.Location)
	defer cleanup()
	if err != nil {
		return err
	}
	b, err := runBatch(cfg, collected, day)
	if err != nil {
		return err
	}
	if err := writeBillsCSV(a.stdout, b); err != nil {
		return err
	}
	if rejectsPath != "" {
		if err := ingest.WriteRejectsFile(rejectsPath, b.rejects); err != nil {
			return err
		}
	}
	if a.logJSON {
		a.log.Info("billed", countsAttrs(b)...)
	} else {
		writeCounts(a.stderr, b)
	}
	return nil
}

// writeBillsCSV writes a batch's bills, then its open rows.
func writeBillsCSV(out io.Writer, b *batch) error {
	w := ingest.NewBillCSVWriter(out, b.cfg.Location)
	for i := range b.result.Bills {
		if err := w.Write(&b.result.Bills[i]); err != nil {
			return err
		}
	}
	for i := range b.result.Open {
		if err := w.Write(&b.result.Open[i].Bill); err != nil {
			return err
		}
	}
	return w.Flush()
}

// writeFile creates path and writes it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
