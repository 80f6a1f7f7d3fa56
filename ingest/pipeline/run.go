package pipeline

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/ingest/spill"
)

// Plan is one ingest: which inputs, which day, which lake, and how.
type Plan struct {
	// Lake is where the days go. When it does not hold the lake's lock,
	// each day's commit takes it (see lake.Lake.CreateDay).
	Lake *lake.Lake
	// Billing is the site's billing configuration (zone, types, timeout).
	Billing billing.Config
	// Day is the one day to run; nil runs every day of the inputs.
	Day *billing.Date
	// Inputs are read in order; ReadOptions is what every reader needs.
	Inputs      []ingest.Input
	ReadOptions ingest.Options
	// MemoryBudget is the memory, in bytes, that events and bills are held
	// in before they are sorted on disk, under SpillDir (empty: LAKE/.spill).
	MemoryBudget int
	SpillDir     string
	// MaxRejectShare and Force decide whether a run that looks wrong is
	// committed (see RefusedRunError).
	MaxRejectShare float64
	Force          bool
	// Version goes into the manifests.
	Version string
	// Now is the clock (nil: time.Now); Log gets the runs' lines (nil:
	// discarded).
	Now func() time.Time
	Log *slog.Logger
	// Progress, when set, is told how far Run is, a few times a run: stage
	// "days", the days committed of the days to run, once when the inputs
	// are read and after each day.
	Progress func(stage string, done, total int64)
}

// Result is what a Run did: the manifest of each day it committed, in
// order.
type Result struct {
	Days []lake.Manifest
}

func (p *Plan) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// maxDaysWithoutDate is the most days one ingest without a Day runs: a
// record dated years away must not make the lake write a run for every day
// in between.
const maxDaysWithoutDate = 366

// Run reads the inputs once, groups what they hold by day and agent, bills
// each day from the state the day before left open in the lake, and
// commits each day into the lake, in order. It stops at the first day that
// fails, with the days before it committed.
func Run(ctx context.Context, p Plan) (Result, error) {
	var res Result
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	started := p.now()
	cfg := p.Billing
	lk := p.Lake
	parent := cmp.Or(p.SpillDir, lk.SpillDir())
	dir, err := spillDir(parent)
	if err != nil {
		return res, err
	}
	defer func() {
		os.RemoveAll(dir)
		os.Remove(parent) // when no other run is using it
	}()
	budget := p.MemoryBudget
	in := newDayInputs(cfg.Location, p.Day, dir, budget, p.Inputs)
	defer in.close()
	files := make([]string, len(p.Inputs))
	for i, f := range p.Inputs {
		files[i] = f.Path
	}
	before := statInputs(files)
	// The collector waits while the inputs are read (see pauseGC).
	resume := pauseGC(gcPauseBound(budget))
	defer resume()
	stats, err := in.readInputs(ctx, p.Inputs, p.ReadOptions)
	resume()
	if err != nil {
		return res, err
	}
	if err := unchangedInputs(before, stats); err != nil {
		return res, err
	}
	days, err := in.days()
	if err != nil {
		return res, err
	}
	events, spilled := in.sortedEvents()
	if spilled > 0 {
		p.Log.Info("events sorted on disk", "runs", spilled, "memory_mb", budget>>20)
	}
	defer events.Close()
	imported := in.sortedBills()
	defer imported.Close()
	run := dayRun{lk: lk, cfg: cfg, files: stats, started: started, events: events, imported: imported,
		agentBills: spill.NewSorter(dir, billsInMemory(budget), billing.CompareBills, &spill.BillCodec{}),
		check:      runCheck{maxRejectShare: p.MaxRejectShare, force: p.Force}}
	defer run.agentBills.Close()
	// Every record read belongs to one day (see dayInputs). The first
	// day's manifest also takes the records of files with no dated record,
	// and any the readers counted but did not hand on: its counts balance
	// only if the readers handed on every record.
	var read int64
	for _, f := range stats {
		read += f.Records
	}
	if p.Progress != nil {
		p.Progress("days", 0, int64(len(days)))
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
		m, err := p.runDay(ctx, &run, d)
		if err != nil {
			return res, fmt.Errorf("ingest %s: %w", d, err)
		}
		res.Days = append(res.Days, m)
		if p.Progress != nil {
			p.Progress("days", int64(i+1), int64(len(days)))
		}
	}
	return res, nil
}

// dayRun is what one ingest hands each of its day runs.
type dayRun struct {
	lk       *lake.Lake
	cfg      billing.Config
	files    []ingest.FileStat
	started  time.Time
	events   *shardMerge // every day's events, in order
	imported *billMerge  // every day's imported bills
	// agentBills puts one agent's bills in the lake's order.
	agentBills *spill.Sorter[billing.Bill]
	check      runCheck
	// of the day being run:
	day       dayRecords       // its records, reader rejects and skips
	otherDays map[string]int64 // records of days not run, by date
}

// runDay runs one day from the lake's carried state and writes it, and
// returns its manifest.
func (p *Plan) runDay(ctx context.Context, run *dayRun, day billing.Date) (lake.Manifest, error) {
	lk := run.lk
	prev := day.AddDays(-1)
	carried, carriedIn, err := lk.ReadOpen(ctx, prev)
	if err != nil {
		return lake.Manifest{}, err
	}
	m := lake.Manifest{Version: p.Version, Started: run.started, CarriedIn: carriedIn}
	if carriedIn == nil {
		if earlier, err := lk.Days(); err == nil && len(earlier) > 0 && earlier[0].Before(day) {
			p.Log.Warn("no run for the day before: starting from nothing", "day", day.String(), "missing", prev.String())
		}
	}
	// Bills go into the day's file block by block (see billDay), merged
	// with the imported bills in the lake's order, so a day's bills are
	// never all in memory together.
	dw, err := lk.CreateDay(ctx, day)
	if err != nil {
		return m, err
	}
	defer dw.Abort()
	billed, err := p.billDay(ctx, run, day, carried, dw)
	if err != nil {
		return m, err
	}
	res := billed.res
	open := res.Open
	rejects := append(slices.Clip(run.day.rejects), RefusalRejects(res.Refusals)...)
	if err := QuoteRejects(rejects); err != nil {
		return m, err
	}
	counts := res.Counts
	m.Counts = lake.Counts{
		Records:         run.day.n,
		Events:          counts.Events,
		Bills:           billed.bills,
		Duplicates:      counts.Duplicates,
		ZeroLength:      counts.ZeroLength,
		Rejects:         int64(len(rejects)), // the rules' refusals are among them
		Skipped:         sumCounts(run.day.skipped),
		Imported:        billed.imported,
		OpenRows:        int64(len(open)),
		BillsByType:     billed.billsByType(),
		RejectsByReason: RejectsByReason(rejects),
		Other: map[string]int64{
			"continued":            counts.Continued,
			"overlay_already_open": counts.OverlayAlreadyOpen,
			"stop_without_overlay": counts.StopWithoutOverlay,
			"sessions_timed_out":   counts.TimedOut,
		},
	}
	m.Counts.OtherDays = run.otherDays
	m.Counts.CustomStatuses = run.day.notes[ingest.NoteCustomStatus]
	for kind, n := range run.day.skipped {
		m.Counts.Other["skipped_"+strings.ReplaceAll(kind, " ", "_")] = n
	}
	for _, f := range run.files {
		path := f.Path
		if ingest.IsObject(path) {
			// an object's URL names it from anywhere
		} else if abs, err := filepath.Abs(path); err == nil {
			path = abs // check and --cascade find it from any folder
		}
		m.Inputs = append(m.Inputs, lake.InputFile{Path: path, Format: string(f.Format), Size: f.Size, SHA256: f.SHA256})
	}
	if n := m.Counts.Unaccounted(); n != 0 {
		p.Log.Warn("the counts do not balance: the readers counted records they did not hand on", "day", day.String(), "unaccounted", n)
	}
	if err := run.check.verdict(day, &m.Counts); err != nil {
		return m, keepRefused(p.Log, lk, day, rejects, err)
	}
	m.Finished = p.now()
	if err := dw.Commit(open, rejects, m); err != nil {
		return m, err
	}
	p.Log.Info("ingested", "day", day.String(), "bills", billed.bills, "open_rows", len(open),
		"rejects", len(rejects), "duplicates", counts.Duplicates, "lake", lk.String())
	return m, p.warnStale(ctx, lk, day)
}

// warnStale warns when the day after day was built on an open table other
// than the one day now has: it and every day after it need ingesting again.
// A run that wrote the same open table as before leaves them as they were.
func (p *Plan) warnStale(ctx context.Context, lk *lake.Lake, day billing.Date) error {
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
	p.Log.Warn("later days were built on the state this run replaced; re-ingest them (ingest --cascade)",
		"day", day.String(), "stale", strings.Join(names, ","), "reason", reason)
	return nil
}
