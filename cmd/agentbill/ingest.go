package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
)

func (a *app) ingestCmd() *cobra.Command {
	var date, lakeDir, format string
	var cascade bool
	cmd := &cobra.Command{
		Use:   "ingest [--date D [--cascade]] [--lake DIR] [--format F] [FILE...]",
		Short: "Bill a day's inputs into the Parquet lake",
		Long: `Ingest runs the billing rules for day D, starting from what the run for the
day before left open in the lake, and writes D's bills, open rows, rejects and
manifest into the lake, replacing what D had. Without FILE arguments the
inputs come from the config (inputs; {date} stands for D). D is a date, or
"yesterday" or "today" on the site clock. Without --date, every day present
in the inputs is ingested in order.

With --cascade, every later day that was built on the state D left open
before (a stale day, see agentbill status) is ingested again afterwards, in
order, from the inputs its manifest names.`,
		RunE: func(cmd *cobra.Command, files []string) error {
			if cascade && date == "" {
				return errors.New("--cascade needs --date: the day whose successors to ingest again")
			}
			if err := a.ingest(cmd.Context(), date, lakeDir, format, files); err != nil {
				return err
			}
			if cascade {
				return a.cascade(cmd.Context(), date, lakeDir)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&date, "date", "", `site-zone day to ingest: YYYY-MM-DD, "yesterday" or "today"`)
	f.StringVar(&lakeDir, "lake", "", "lake folder (default: lake of the config)")
	f.StringVar(&format, "format", "", "input format (default: input_format of the config, else detected per file)")
	f.BoolVar(&cascade, "cascade", false, "then ingest again every later stale day, from the inputs its manifest names")
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
		return d, fmt.Errorf("%s: %w", flag, err)
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
		return nil, errors.New("no input files: give them as arguments or set inputs in the config")
	}
	var files []string
	for _, pattern := range a.cfg.Inputs {
		if strings.Contains(pattern, "{date}") {
			if day == nil {
				return nil, fmt.Errorf("input %q names {date}: give --date", pattern)
			}
			pattern = strings.ReplaceAll(pattern, "{date}", day.String())
		}
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", pattern, err)
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("input %q matches no file", pattern)
		}
		slices.Sort(matches)
		files = append(files, matches...)
	}
	return files, nil
}

func (a *app) ingest(ctx context.Context, date, lakeDir, format string, args []string) error {
	started := a.now()
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	day, err := a.resolveDate(date, cfg.Location)
	if err != nil {
		return err
	}
	if format == "" {
		format = a.cfg.InputFormat
	}
	fmtName, err := ingest.ParseFormat(format)
	if err != nil {
		return err
	}
	files, err := a.inputFiles(args, day)
	if err != nil {
		return err
	}
	lk := &lake.Lake{Dir: a.lakeDir(lakeDir), Location: cfg.Location}
	before := statInputs(files)
	collected, cleanup, err := a.readInputs(ctx, files, fmtName, cfg.Location)
	defer cleanup()
	if err != nil {
		return err
	}
	if err := unchangedInputs(before, collected.Files); err != nil {
		return err
	}
	days, err := daysToRun(cfg, collected, day)
	if err != nil {
		return err
	}
	if len(days) > maxDaysWithoutDate {
		return spanError(cfg, collected, days)
	}
	plan := splitByDay(cfg, collected, days)
	for i, d := range days {
		if err := a.ingestDay(ctx, lk, cfg, d, plan[i], collected, started); err != nil {
			return fmt.Errorf("ingest %s: %w", d, err)
		}
	}
	return nil
}

// cascade ingests again, in order, each day after date that is stale (built
// on an open state of the day before that the lake no longer holds), from
// the inputs its manifest names. Each run may make the next day stale in
// turn. It stops, naming the day and the input, when an input is gone or
// changed.
func (a *app) cascade(ctx context.Context, date, lakeDir string) error {
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	day, err := a.dateFlag("--date", date, cfg.Location)
	if err != nil {
		return err
	}
	lk := &lake.Lake{Dir: a.lakeDir(lakeDir), Location: cfg.Location}
	days, err := lk.Days()
	if err != nil {
		return err
	}
	for _, d := range days {
		if !day.Before(d) {
			continue
		}
		state, reason, err := lk.Link(ctx, d)
		if err != nil {
			return err
		}
		if state != lake.StateStale {
			continue
		}
		m, _, err := lk.ReadManifest(d)
		if err != nil {
			return err
		}
		files, format, err := rerunInputs(d, &m)
		if err != nil {
			return fmt.Errorf("cascade stopped: %w", err)
		}
		a.log.Info("ingesting a stale day again", "day", d.String(), "reason", reason)
		if err := a.ingest(ctx, d.String(), lakeDir, format, files); err != nil {
			return fmt.Errorf("cascade: %w", err)
		}
	}
	return nil
}

// daysToRun is the requested day, or every day from the first to the last
// of the inputs.
func daysToRun(cfg billing.Config, c *ingest.Collected, day *billing.Date) ([]billing.Date, error) {
	if day != nil {
		return []billing.Date{*day}, nil
	}
	first, last, ok := inputDays(cfg, c)
	if !ok {
		return nil, errors.New("the inputs hold no event or bill: give --date to record an empty day")
	}
	var days []billing.Date
	for d := first; !last.Before(d); d = d.Next() {
		days = append(days, d)
	}
	return days, nil
}

// maxDaysWithoutDate is the most days one ingest without --date runs: a
// record dated years away must not make the lake write a run for every day
// in between.
const maxDaysWithoutDate = 366

// spanError says which records stretch the inputs over too many days.
func spanError(cfg billing.Config, c *ingest.Collected, days []billing.Date) error {
	first, last := days[0], days[len(days)-1]
	var early, late billing.Source
	note := func(t time.Time, src billing.Source) {
		switch d := billing.DateIn(t, cfg.Location); {
		case d == first && early.File == "":
			early = src
		case d == last && late.File == "":
			late = src
		}
	}
	for i := range c.Events {
		note(c.Events[i].Time, c.Events[i].Source)
	}
	for i := range c.Bills {
		note(c.Bills[i].End, c.Bills[i].Source)
	}
	return fmt.Errorf("the inputs span %d days, from %s (%s line %d) to %s (%s line %d), more than %d: give --date D to ingest one day (records of other days become rejects)",
		len(days), first, early.File, early.Line, last, late.File, late.Line, maxDaysWithoutDate)
}

// dayInput is the part of the inputs that belongs to one day's run.
type dayInput struct {
	records int64 // input records this day accounts for, as the readers counted them
	events  []billing.Event
	bills   []billing.Bill
	rejects []ingest.Reject // reader rejects and records outside every day run
	skipped map[string]int64
}

// splitByDay gives each day its events and imported bills (by end time).
// What belongs to no day run, and what the readers rejected or skipped
// before any day was known, goes to the first day, so that every record is
// counted in exactly one manifest.
func splitByDay(cfg billing.Config, c *ingest.Collected, days []billing.Date) []dayInput {
	billing.SortEvents(c.Events)
	plan := make([]dayInput, len(days))
	plan[0].rejects = append(plan[0].rejects, c.Rejects...)
	plan[0].skipped = c.Skipped
	index := func(t time.Time) int {
		d := billing.DateIn(t, cfg.Location)
		for i := range days {
			if days[i] == d {
				return i
			}
		}
		return -1
	}
	outside := func(src billing.Source) ingest.Reject {
		return ingest.Reject{File: src.File, Line: src.Line, Reason: billing.ErrOutsideDay.Error()}
	}
	// Sorted by time, each day's events are one run of the slice: the day
	// takes that part of it rather than a copy.
	for lo := 0; lo < len(c.Events); {
		i := index(c.Events[lo].Time)
		hi := lo + 1
		for hi < len(c.Events) && index(c.Events[hi].Time) == i {
			hi++
		}
		if i >= 0 {
			plan[i].events = c.Events[lo:hi:hi]
		} else {
			for _, e := range c.Events[lo:hi] {
				plan[0].rejects = append(plan[0].rejects, outside(e.Source))
			}
		}
		lo = hi
	}
	for _, b := range c.Bills {
		if i := index(b.End); i >= 0 {
			plan[i].bills = append(plan[i].bills, b)
		} else {
			plan[0].rejects = append(plan[0].rejects, outside(b.Source))
		}
	}
	// The first day takes what the readers counted and the other days do
	// not: its manifest balances only if the readers handed on every record.
	plan[0].records = c.Records()
	for i := 1; i < len(plan); i++ {
		plan[i].records = int64(len(plan[i].events) + len(plan[i].bills))
		plan[0].records -= plan[i].records
	}
	return plan
}

// ingestDay runs one day from the lake's carried state and writes it.
func (a *app) ingestDay(ctx context.Context, lk *lake.Lake, cfg billing.Config, day billing.Date, in dayInput, c *ingest.Collected, started time.Time) error {
	prev := day.AddDays(-1)
	carried, found, err := lk.ReadOpen(ctx, prev)
	if err != nil {
		return fmt.Errorf("read the state %s left open: %w", prev, err)
	}
	m := lake.Manifest{Version: version, Started: started}
	if found {
		sum, _, err := lake.FileSHA256(lk.Path("open", prev))
		if err != nil {
			return err
		}
		m.CarriedIn = &lake.CarriedState{Date: prev.String(), SHA256: sum, Rows: len(carried)}
	} else if earlier, err := lk.Days(); err == nil && len(earlier) > 0 && earlier[0].Before(day) {
		a.log.Warn("no run for the day before: starting from nothing", "day", day.String(), "missing", prev.String())
	}
	// Bills stream into the day's file one agent at a time, merged with the
	// imported bills in the lake's order, so a day's bills are never all in
	// memory together.
	dw, err := lk.CreateDay(ctx, day)
	if err != nil {
		return err
	}
	defer dw.Abort()
	imported := in.bills
	billing.SortBills(imported)
	byType := map[string]int64{}
	var nBills int64
	write := func(b *billing.Bill) error {
		byType[strconv.Itoa(int(b.OpType))]++
		nBills++
		return dw.WriteBill(b)
	}
	k := 0 // the next imported bill
	billing.SortEventsByAgent(in.events)
	res, err := billing.RunByAgent(cfg, day, carried, in.events, func(bills []billing.Bill) error {
		for i := range bills {
			// On equal keys the engine's bill goes first, as a stable sort
			// of the engine's bills followed by the imported ones would.
			for ; k < len(imported) && billing.CompareBills(&imported[k], &bills[i]) < 0; k++ {
				if err := write(&imported[k]); err != nil {
					return err
				}
			}
			if err := write(&bills[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for ; k < len(imported); k++ {
		if err := write(&imported[k]); err != nil {
			return err
		}
	}
	open := res.Open
	rejects := append(in.rejects, refusalRejects(res.Refusals)...)
	if err := fillRejectRaw(rejects); err != nil {
		return err
	}
	counts := res.Counts
	m.Counts = lake.Counts{
		Records:         in.records,
		Events:          counts.Events,
		Bills:           nBills,
		Duplicates:      counts.Duplicates,
		ZeroLength:      counts.ZeroLength,
		Rejects:         int64(len(rejects)), // the rules' refusals are among them
		Skipped:         sumCounts(in.skipped),
		Imported:        int64(len(in.bills)),
		OpenRows:        int64(len(open)),
		BillsByType:     byType,
		RejectsByReason: rejectsByReason(rejects),
		Other: map[string]int64{
			"continued":            counts.Continued,
			"overlay_already_open": counts.OverlayAlreadyOpen,
			"stop_without_overlay": counts.StopWithoutOverlay,
			"sessions_timed_out":   counts.TimedOut,
		},
	}
	for kind, n := range in.skipped {
		m.Counts.Other["skipped_"+strings.ReplaceAll(kind, " ", "_")] = n
	}
	for _, f := range c.Files {
		path := f.Path
		if abs, err := filepath.Abs(path); err == nil {
			path = abs // check and --cascade find it from any folder
		}
		m.Inputs = append(m.Inputs, lake.InputFile{Path: path, Format: string(f.Format), Size: f.Size, SHA256: f.SHA256})
	}
	if n := m.Counts.Unaccounted(); n != 0 {
		a.log.Warn("the counts do not balance: the readers counted records they did not hand on", "day", day.String(), "unaccounted", n)
	}
	m.Finished = a.now()
	if err := dw.Commit(open, rejects, m); err != nil {
		return err
	}
	a.log.Info("ingested", "day", day.String(), "bills", nBills, "open_rows", len(open),
		"rejects", len(rejects), "duplicates", counts.Duplicates, "lake", lk.Dir)
	return a.warnStale(ctx, lk, day)
}

// warnStale warns when the day after day was built on an open table other
// than the one day now has: it and every day after it need ingesting again.
// A run that wrote the same open table as before leaves them as they were.
func (a *app) warnStale(ctx context.Context, lk *lake.Lake, day billing.Date) error {
	state, reason, err := lk.Link(ctx, day.Next())
	if err != nil || state != lake.StateStale {
		return err
	}
	later, err := lk.StaleSuccessors(day)
	if err != nil {
		return err
	}
	names := make([]string, len(later))
	for i, d := range later {
		names[i] = d.String()
	}
	a.log.Warn("later days were built on the state this run replaced; re-ingest them (ingest --cascade)",
		"day", day.String(), "stale", strings.Join(names, ","), "reason", reason)
	return nil
}

// fillRejectRaw quotes the input line of rejects that have none yet (those
// found after reading, such as records outside the run day).
func fillRejectRaw(rejects []ingest.Reject) error {
	byFile := map[string][]int64{}
	for _, r := range rejects {
		if r.Raw == "" && r.File != "" {
			byFile[r.File] = append(byFile[r.File], r.Line)
		}
	}
	for file, lines := range byFile {
		raw, err := ingest.FetchLines(file, lines)
		if err != nil {
			return fmt.Errorf("quote rejected records: %w", err)
		}
		for i := range rejects {
			if rejects[i].Raw == "" && rejects[i].File == file {
				rejects[i].Raw = raw[rejects[i].Line]
			}
		}
	}
	return nil
}

func sumCounts(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
