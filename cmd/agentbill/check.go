package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

func (a *app) checkCmd() *cobra.Command {
	var date, lakeDir, format string
	cmd := &cobra.Command{
		Use:   "check [--date D] [--lake DIR] [--format text|json]",
		Short: "Verify the lake: files against manifests, balanced counts, inputs' checksums",
		Long: `Check verifies day D of the lake (without --date, every day): the manifest is
there; each file is there with the size, sha256 and row count the manifest
gives; the counts balance (records read = events used + duplicates + rejects
+ skipped + imported bills) and agree with the files; and each input the
manifest names still has the sha256 it had when it was read (an input that is
gone is a note, not a failure).

It prints one line per problem, and "ok" for a day without one; a stale day
is a problem (its bills were built on a state the lake no longer holds), a
gap (see agentbill status) is a note. Temporary files that a stopped run
left are listed (the next ingest removes them). The exit code is non-zero
when there is any problem.

--format json writes one JSON array instead, a day an object with the fields
date, state, ok, reason, problems, notes, repair, bills, rejects, open_rows,
finished and version (see the README); temporary files left behind go to the
log. The exit code is the same.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDayFormat(format); err != nil {
				return err
			}
			return a.check(cmd.Context(), date, lakeDir, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", formatText, "text (a line per finding) or json (an array of days)")
	f.StringVar(&date, "date", "", `the day to check: YYYY-MM-DD, "yesterday" or "today" (default: every day)`)
	f.StringVar(&lakeDir, "lake", "", "lake folder (default: lake of the config)")
	return cmd
}

func (a *app) check(ctx context.Context, date, lakeDir, format string) error {
	lk, err := a.openLake(lakeDir)
	if err != nil {
		return err
	}
	opts := lake.VerifyOptions{Inputs: true}
	if date != "" {
		d, err := a.dateFlag("--date", date, lk.Location)
		if err != nil {
			return err
		}
		opts.Days = []billing.Date{d}
	}
	reports, err := lk.Verify(ctx, opts)
	if err != nil {
		return err
	}
	// Records of other days that a run read are billed by the runs of
	// their own days: say so where such a day has none.
	have := map[string]bool{}
	if days, err := lk.Days(); err == nil {
		for _, d := range days {
			have[d.String()] = true
		}
	}
	otherDays := make([][]string, len(reports))
	for i, r := range reports {
		if r.Manifest == nil {
			continue
		}
		for d, n := range sortedCounts(r.Manifest.Counts.OtherDays) {
			if !have[d] {
				otherDays[i] = append(otherDays[i], fmt.Sprintf("%d record(s) of %s were read, and %s has no run in the lake (agentbill ingest --date %s)", n, d, d, d))
			}
		}
	}
	problems, failed := 0, 0
	for _, r := range reports {
		if r.State == lake.StateStale && len(r.Problems) == 0 {
			problems++
		}
		if len(r.Problems) > 0 || r.State == lake.StateStale {
			failed++
		}
		problems += len(r.Problems)
	}
	var left []string
	busy := lk.Busy()
	if busy == nil {
		left, _ = lk.Leftovers()
	}
	if format == formatJSON {
		days := make([]dayJSON, len(reports))
		for i, r := range reports {
			days[i] = newDayJSON(r, lk.Location, firstStale(reports, r.Day).String())
			days[i].Notes = append(days[i].Notes, otherDays[i]...)
		}
		if busy != nil {
			a.log.Info("another run is writing the lake: checked what it last committed", "writer", busy.Error())
		}
		if len(left) > 0 {
			a.log.Warn("temporary files left by stopped runs; the next ingest removes them", "files", left)
		}
		if err := writeDaysJSON(a.stdout, days); err != nil {
			return err
		}
	} else {
		for _, r := range reports {
			switch {
			case r.State == lake.StateOK && len(r.Problems) == 0:
				fmt.Fprintf(a.stdout, "%s ok\n", r.Day)
			case r.State == lake.StateStale && len(r.Problems) == 0:
				fmt.Fprintf(a.stdout, "%s FAIL: stale: %s; repair it with agentbill ingest --date %s --cascade\n", r.Day, r.Reason, firstStale(reports, r.Day))
			case r.State == lake.StateGap:
				fmt.Fprintf(a.stdout, "%s note: %s: %s\n", r.Day, r.State, r.Reason)
			}
			for _, p := range r.Problems {
				fmt.Fprintf(a.stdout, "%s FAIL: %s\n", r.Day, p)
			}
			for _, n := range r.Notes {
				fmt.Fprintf(a.stdout, "%s note: %s\n", r.Day, n)
			}
		}
		for i, r := range reports {
			for _, n := range otherDays[i] {
				fmt.Fprintf(a.stdout, "%s note: %s\n", r.Day, n)
			}
		}
		if busy != nil {
			fmt.Fprintf(a.stdout, "note: %v; checked what it last committed\n", busy)
		} else if len(left) > 0 {
			for _, p := range left {
				fmt.Fprintf(a.stdout, "leftover: %s\n", p)
			}
			fmt.Fprintf(a.stdout, "note: %d temporary file(s) left by stopped runs; the next ingest removes them\n", len(left))
		}
	}
	if problems > 0 {
		return fmt.Errorf("check: %d problem(s) in %d of %d day(s)", problems, failed, len(reports))
	}
	if format != formatJSON {
		fmt.Fprintf(a.stdout, "checked %d day(s) of %s: no problem\n", len(reports), lk)
	}
	return nil
}

// firstStale is the first day of the run of stale days that ends at day:
// ingesting it again with --cascade repairs them all.
func firstStale(reports []lake.DayReport, day billing.Date) billing.Date {
	first := day
	for i := len(reports) - 1; i >= 0; i-- {
		r := reports[i]
		if day.Before(r.Day) {
			continue
		}
		if r.Day != first || r.State != lake.StateStale {
			break
		}
		first, day = r.Day, r.Day.AddDays(-1)
	}
	return first
}

// openLake is the lake of a --lake flag (else of the config), which must
// exist, with any half-done commit finished (see lake.RollForward).
func (a *app) openLake(flag string) (*lake.Lake, error) {
	cfg, err := a.billingConfig("")
	if err != nil {
		return nil, err
	}
	dir := a.lakeDir(flag)
	if !lake.IsURL(dir) {
		fi, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("no lake at %s", dir)
		case err != nil:
			return nil, err
		case !fi.IsDir():
			return nil, fmt.Errorf("lake %s is not a folder", dir)
		}
	}
	lk, err := a.lake(context.Background(), dir, cfg.Location)
	if err != nil {
		return nil, err
	}
	// A run stopped while it put a day's files in place left a journal;
	// finishing its renames makes that day the new one whole. While a
	// writer holds the lake, its commit is its own: the lake is read as it
	// last committed.
	done, err := lk.RollForward()
	for _, d := range done {
		a.log.Warn("finished putting a day's files in place, where a stopped run left off", "day", d.String())
	}
	if errors.Is(err, lake.ErrBusy) {
		a.log.Warn("another run is writing the lake: reading what it last committed", "writer", err.Error())
		err = nil
	}
	return lk, err
}
