package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/spill"
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
inputs come from the config (inputs; {date} stands for D). D is a date, or
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
			if err := a.ingest(ctx, ingestPlan{date: date, lake: lakeDir, format: format, files: files, force: force}); err != nil {
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

// ingestPlan is what one ingest is asked to do: the day (empty: every day
// of the inputs), the lake folder (empty: the config's), the input format
// (empty: the config's, else detected) and files (none: the config's
// inputs), and whether to commit a run that looks wrong.
type ingestPlan struct {
	date, lake, format string
	files              []string
	force              bool
}

func (a *app) ingest(ctx context.Context, plan ingestPlan) error {
	started := a.now()
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	day, err := a.resolveDate(plan.date, cfg.Location)
	if err != nil {
		return err
	}
	format := cmp.Or(plan.format, a.cfg.InputFormat)
	fmtName, err := ingest.ParseFormat(format)
	if err != nil {
		return err
	}
	files, err := a.inputFiles(plan.files, day)
	if err != nil {
		return err
	}
	ctx, unlock, err := a.lockLake(ctx, a.lakeDir(plan.lake), "ingest", plan.date)
	if err != nil {
		return err
	}
	defer unlock()
	lk := lockedLake(ctx)
	lk.Location = cfg.Location
	parent := a.cfg.SpillDir
	if parent == "" {
		parent = filepath.Join(lk.Dir, ".spill")
	}
	dir, err := spillDir(parent)
	if err != nil {
		return err
	}
	defer func() {
		os.RemoveAll(dir)
		os.Remove(parent) // when no other run is using it
	}()
	budget := a.cfg.IngestMemoryMB << 20
	in := newDayInputs(cfg.Location, day, dir, budget)
	defer in.close()
	before := statInputs(files)
	readFile, finish := in.read()
	stats, cleanup, err := a.streamInputs(ctx, files, fmtName, cfg.Location, readFile)
	defer cleanup()
	if err := cmp.Or(finish(err), err); err != nil {
		return err
	}
	if err := unchangedInputs(before, stats); err != nil {
		return err
	}
	days, err := in.days()
	if err != nil {
		return err
	}
	if n := in.events.Spilled(); n > 0 {
		a.log.Info("events sorted on disk", "runs", n, "memory_mb", a.cfg.IngestMemoryMB)
	}
	sorted := in.events.Sorted()
	defer sorted.Close()
	events := newPrefetch(sorted)
	defer events.Close()
	imported := in.bills.Sorted()
	defer imported.Close()
	run := dayRun{lk: lk, cfg: cfg, files: stats, started: started, events: events, imported: imported,
		agentBills: spill.NewSorter(dir, billsInMemory(budget), billing.CompareBills, &spill.BillCodec{}),
		check:      runCheck{maxRejectShare: a.cfg.MaxRejectShare, force: plan.force}}
	defer run.agentBills.Close()
	// Every record read belongs to one day (see dayInputs). The first
	// day's manifest also takes the records of files with no dated record,
	// and any the readers counted but did not hand on: its counts balance
	// only if the readers handed on every record.
	var read int64
	for _, f := range stats {
		read += f.Records
	}
	for i, d := range days {
		run.day = in.dayRecords(d)
		run.otherDays = nil
		if i == 0 {
			u := in.undated
			run.day.rejects = append(slices.Clip(run.day.rejects), u.rejects...)
			run.day.skipped = maps.Clone(run.day.skipped)
			for kind, n := range u.skipped {
				if run.day.skipped == nil {
					run.day.skipped = map[string]int64{}
				}
				run.day.skipped[kind] += n
			}
			run.day.n += u.n + read - in.attributed()
			run.otherDays = in.otherDayCounts()
			run.check.inputRecords = read
		}
		if err := a.ingestDay(ctx, &run, d); err != nil {
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
		if err := a.ingest(ctx, ingestPlan{date: d.String(), lake: lakeDir, format: format, files: files}); err != nil {
			return fmt.Errorf("cascade: %w", err)
		}
	}
	return nil
}

// maxDaysWithoutDate is the most days one ingest without --date runs: a
// record dated years away must not make the lake write a run for every day
// in between.
const maxDaysWithoutDate = 366

// dayRun is what one ingest hands each of its day runs.
type dayRun struct {
	lk       *lake.Lake
	cfg      billing.Config
	files    []ingest.FileStat
	started  time.Time
	events   *prefetch                    // every day's events, in order
	imported *spill.Cursor[spill.DayBill] // every day's imported bills
	// agentBills puts one agent's bills in the lake's order.
	agentBills *spill.Sorter[billing.Bill]
	check      runCheck
	// of the day being run:
	day       dayRecords       // its records, reader rejects and skips
	otherDays map[string]int64 // records of days not run, by date
}

// ingestDay runs one day from the lake's carried state and writes it.
func (a *app) ingestDay(ctx context.Context, run *dayRun, day billing.Date) error {
	lk, cfg := run.lk, run.cfg
	prev := day.AddDays(-1)
	carried, carriedIn, err := lk.ReadOpen(ctx, prev)
	if err != nil {
		return err
	}
	m := lake.Manifest{Version: version, Started: run.started, CarriedIn: carriedIn}
	if carriedIn == nil {
		if earlier, err := lk.Days(); err == nil && len(earlier) > 0 && earlier[0].Before(day) {
			a.log.Warn("no run for the day before: starting from nothing", "day", day.String(), "missing", prev.String())
		}
	}
	// Bills stream into the day's file one agent at a time, merged with the
	// imported bills in the lake's order, so a day's bills are never all in
	// memory together.
	dw, err := lk.CreateDay(ctx, day)
	if err != nil {
		return err
	}
	defer dw.Abort()
	num := spill.DayNumber(day)
	byType := map[string]int64{}
	var nBills, nImported int64
	write := func(b *billing.Bill) error {
		byType[strconv.Itoa(int(b.OpType))]++
		nBills++
		return dw.WriteBill(b)
	}
	// writeImported writes the day's imported bills that come before b in
	// the lake's order; all that are left when b is nil. On equal keys the
	// engine's bill goes first, as a stable sort of the engine's bills
	// followed by the imported ones would have it.
	imp := run.imported
	writeImported := func(b *billing.Bill) error {
		for ; imp.Valid() && imp.Value().Day == num; imp.Advance() {
			if b != nil && billing.CompareBills(&imp.Value().Bill, b) >= 0 {
				break
			}
			nImported++
			if err := write(&imp.Value().Bill); err != nil {
				return err
			}
		}
		return imp.Err()
	}
	events := func(yield func(*billing.Event) bool) {
		for c := run.events; c.Valid() && c.Value().Day == num; c.Advance() {
			if !yield(&c.Value().Event) {
				return
			}
		}
	}
	res, err := billing.RunByAgent(cfg, day, carried, events, billing.AgentBills{
		Bill: func(b *billing.Bill) error { return run.agentBills.Add(b) },
		Done: func() error {
			bills := run.agentBills.Sorted()
			defer bills.Close()
			for ; bills.Valid(); bills.Advance() {
				if err := writeImported(bills.Value()); err != nil {
					return err
				}
				if err := write(bills.Value()); err != nil {
					return err
				}
			}
			return cmp.Or(bills.Err(), bills.Close())
		},
	})
	if err != nil {
		return err
	}
	if err := cmp.Or(run.events.Err(), writeImported(nil)); err != nil {
		return err
	}
	open := res.Open
	rejects := append(slices.Clip(run.day.rejects), refusalRejects(res.Refusals)...)
	if err := fillRejectRaw(rejects); err != nil {
		return err
	}
	counts := res.Counts
	m.Counts = lake.Counts{
		Records:         run.day.n,
		Events:          counts.Events,
		Bills:           nBills,
		Duplicates:      counts.Duplicates,
		ZeroLength:      counts.ZeroLength,
		Rejects:         int64(len(rejects)), // the rules' refusals are among them
		Skipped:         sumCounts(run.day.skipped),
		Imported:        nImported,
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
	m.Counts.OtherDays = run.otherDays
	for kind, n := range run.day.skipped {
		m.Counts.Other["skipped_"+strings.ReplaceAll(kind, " ", "_")] = n
	}
	for _, f := range run.files {
		path := f.Path
		if abs, err := filepath.Abs(path); err == nil {
			path = abs // check and --cascade find it from any folder
		}
		m.Inputs = append(m.Inputs, lake.InputFile{Path: path, Format: string(f.Format), Size: f.Size, SHA256: f.SHA256})
	}
	if n := m.Counts.Unaccounted(); n != 0 {
		a.log.Warn("the counts do not balance: the readers counted records they did not hand on", "day", day.String(), "unaccounted", n)
	}
	if err := run.check.verdict(day, &m.Counts); err != nil {
		return a.keepRefused(lk, day, rejects, err)
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
