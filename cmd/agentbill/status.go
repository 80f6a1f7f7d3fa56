package main

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/ingest/lake"
)

func (a *app) statusCmd() *cobra.Command {
	var lakeDir, format string
	cmd := &cobra.Command{
		Use:   "status [--lake DIR] [--format text|json]",
		Short: "List the days of the lake and their state: ok, stale, broken or gap",
		Long: `Status lists every day of the lake, one line each: its state, the bills,
rejects and open rows of its run, when the run finished, and why a day is not
ok. The state is derived from the manifests and the files:

  ok      the files are those the manifest names, and the day was built on the
          open table the day before holds now (or on the one its run wrote, when
          that file was damaged since: the day before is then broken)
  stale   the day before was ingested again after this day (or this day was
          built on a stale day): run "agentbill ingest --date D --cascade" for
          the first stale day's predecessor D
  broken  no manifest, or files missing or not those the manifest names (a run
          stopped while it put them in place), or counts that do not balance:
          ingest the day again; "agentbill check" says what is wrong
  gap     the day before has no run, so this day started from nothing

Status compares every file's sha256 with its manifest (in a bucket, its size:
check hashes); it does not read the inputs (agentbill check does).

--format json writes one JSON array instead, a day an object with the fields
date, state, ok, reason, problems, notes, repair, bills, rejects, open_rows,
finished and version (see the README).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDayFormat(format); err != nil {
				return err
			}
			return a.status(cmd.Context(), lakeDir, format)
		},
	}
	cmd.Flags().StringVar(&lakeDir, "lake", "", "lake folder (default: lake of the config)")
	cmd.Flags().StringVar(&format, "format", formatText, "text (aligned columns) or json (an array of days)")
	return cmd
}

func (a *app) status(ctx context.Context, lakeDir, format string) error {
	lk, err := a.openLake(lakeDir)
	if err != nil {
		return err
	}
	// In a bucket, hashing every object would fetch the whole lake: status
	// compares sizes and rows there, and check hashes.
	reports, err := lk.Verify(ctx, lake.VerifyOptions{Quick: !lk.Local()})
	if err != nil {
		return err
	}
	if format == formatJSON {
		days := make([]dayJSON, len(reports))
		for i, r := range reports {
			days[i] = newDayJSON(r, lk.Location, firstStale(reports, r.Day).String())
		}
		return writeDaysJSON(a.stdout, days)
	}
	if len(reports) == 0 {
		fmt.Fprintf(a.stdout, "the lake %s holds no day\n", lk)
		return nil
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "date\tstate\tbills\trejects\topen_rows\tfinished\tnote")
	for _, r := range reports {
		bills, rejects, open, finished := "-", "-", "-", "-"
		if m := r.Manifest; m != nil {
			bills = strconv.FormatInt(m.Counts.Bills, 10)
			rejects = strconv.FormatInt(m.Counts.Rejects, 10)
			open = strconv.FormatInt(m.Counts.OpenRows, 10)
			if !m.Finished.IsZero() {
				finished = m.Finished.In(lk.Location).Format(time.RFC3339)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Day, r.State, bills, rejects, open, finished, r.Reason)
	}
	return w.Flush()
}
