package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/pipeline"
)

// batch is what one invocation reads and bills.
type batch struct {
	cfg         billing.Config
	first, last billing.Date
	collected   *ingest.Collected
	result      billing.BatchResult
	rejects     []ingest.Reject // reader rejects, then the rules' refusals
}

// billingConfig is the site's billing configuration, with the time zone
// overridden when zone is not empty.
func (a *app) billingConfig(zone string) (billing.Config, error) {
	cfg := a.cfg.BillingConfig()
	if zone != "" {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			return cfg, fmt.Errorf("--timezone: %w", err)
		}
		cfg.Location = loc
	}
	return cfg, cfg.Validate()
}

// readInputs reads the files ("-" is standard input, spooled to a temporary
// file so that its lines can be quoted in rejects) and keeps what it reads.
func (a *app) readInputs(ctx context.Context, files []string, format ingest.Format, loc *time.Location) (*ingest.Collected, func(), error) {
	inputs, cleanup, err := spoolInputs(files, format)
	if err != nil {
		return nil, cleanup, err
	}
	c, err := ingest.Collect(ctx, inputs, a.readOptions(loc), readInput)
	return c, cleanup, err
}

func (a *app) readOptions(loc *time.Location) ingest.Options {
	return ingest.Options{Location: loc, CTI: &a.cfg.CTI, Connect: &a.cfg.Connect}
}

func readInput(ctx context.Context, r io.Reader, in ingest.Input, opts ingest.Options, h ingest.Handler) (ingest.Stats, error) {
	return ingest.Read(ctx, r, in.Path, in.Format, opts, h)
}

// spoolInputs lists the files as inputs, "-" spooled to a temporary file
// that cleanup removes.
func spoolInputs(files []string, format ingest.Format) ([]ingest.Input, func(), error) {
	cleanup := func() {}
	inputs := make([]ingest.Input, 0, len(files))
	for _, f := range files {
		if f == "-" {
			path, err := spoolStdin()
			if err != nil {
				return nil, cleanup, err
			}
			prev := cleanup
			cleanup = func() { prev(); os.Remove(path) }
			f = path
		}
		inputs = append(inputs, ingest.Input{Path: f, Format: format})
	}
	return inputs, cleanup, nil
}

func spoolStdin() (string, error) {
	f, err := os.CreateTemp("", "agentbill-stdin-*")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(f, os.Stdin); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// runBatch bills what was read over [first, last]; with no date given, over
// every day from the first to the last of the events and imported bills.
func runBatch(cfg billing.Config, c *ingest.Collected, date *billing.Date) (*batch, error) {
	b := &batch{cfg: cfg, collected: c, rejects: append([]ingest.Reject(nil), c.Rejects...)}
	billing.SortEvents(c.Events)
	if date != nil {
		b.first, b.last = *date, *date
	} else {
		var ok bool
		if b.first, b.last, ok = inputDays(cfg, c); !ok {
			return b, nil
		}
	}
	res, err := billing.RunBatch(cfg, c.Events, b.first, b.last, nil)
	if err != nil {
		return nil, err
	}
	// Existing bills land as they are, on the day they ended.
	start, end := b.first.Start(cfg.Location), b.last.Next().Start(cfg.Location)
	for _, bill := range c.Bills {
		if bill.End.Before(start) || !bill.End.Before(end) {
			b.rejects = append(b.rejects, ingest.Reject{File: bill.Source.File, Line: bill.Source.Line, Reason: billing.ErrOutsideDay.Error()})
			continue
		}
		res.Bills = append(res.Bills, bill)
	}
	billing.SortBills(res.Bills)
	b.result = res
	b.rejects = append(b.rejects, pipeline.RefusalRejects(res.Refusals)...)
	if err := pipeline.QuoteRejects(b.rejects); err != nil {
		return nil, err
	}
	return b, nil
}

// inputDays is the first and last site-zone day of what was read: the
// events' days, and the days imported bills ended on (where they land).
// ok is false when there is neither.
func inputDays(cfg billing.Config, c *ingest.Collected) (first, last billing.Date, ok bool) {
	return billing.DayRange(func(yield func(time.Time) bool) {
		for i := range c.Events {
			if !yield(c.Events[i].Time) {
				return
			}
		}
		for i := range c.Bills {
			if !yield(c.Bills[i].End) {
				return
			}
		}
	}, cfg.Location)
}

// writeCounts prints a run's figures for people, one per line.
func writeCounts(w io.Writer, b *batch) {
	c := b.result.Counts
	if b.first.IsZero() {
		fmt.Fprintf(w, "days none (%s)\n", b.cfg.Location)
	} else {
		fmt.Fprintf(w, "days %s..%s (%s)\n", b.first, b.last, b.cfg.Location)
	}
	fmt.Fprintf(w, "records read %d\n", b.collected.Records())
	fmt.Fprintf(w, "events used %d\n", c.Events)
	fmt.Fprintf(w, "bills %d (%d imported)\n", len(b.result.Bills), len(b.collected.Bills))
	fmt.Fprintf(w, "open rows %d\n", len(b.result.Open))
	fmt.Fprintf(w, "duplicates %d\n", c.Duplicates)
	fmt.Fprintf(w, "zero-length spans %d\n", c.ZeroLength)
	fmt.Fprintf(w, "sessions timed out %d\n", c.TimedOut)
	for kind, n := range sortedCounts(b.collected.Skipped) {
		fmt.Fprintf(w, "skipped %s %d\n", kind, n)
	}
	for _, kind := range sortedKeys(b.collected.Notes) {
		for name, n := range sortedCounts(b.collected.Notes[kind]) {
			fmt.Fprintf(w, "%s %s %d\n", kind, name, n)
		}
	}
	fmt.Fprintf(w, "rejects %d\n", len(b.rejects))
	for reason, n := range sortedCounts(pipeline.RejectsByReason(b.rejects)) {
		fmt.Fprintf(w, "  %s %d\n", reason, n)
	}
}

// countsAttrs are the counts writeCounts writes, as log attributes.
func countsAttrs(b *batch) []any {
	c := b.result.Counts
	attrs := []any{"zone", b.cfg.Location.String()}
	if !b.first.IsZero() {
		attrs = append(attrs, "first_day", b.first.String(), "last_day", b.last.String())
	}
	attrs = append(attrs,
		"records", b.collected.Records(), "events", c.Events,
		"bills", len(b.result.Bills), "imported", len(b.collected.Bills), "open_rows", len(b.result.Open),
		"duplicates", c.Duplicates, "zero_length", c.ZeroLength, "timed_out", c.TimedOut,
		"rejects", len(b.rejects))
	var skipped, reasons []any
	for kind, n := range sortedCounts(b.collected.Skipped) {
		skipped = append(skipped, slog.Int64(kind, n))
	}
	for reason, n := range sortedCounts(pipeline.RejectsByReason(b.rejects)) {
		reasons = append(reasons, slog.Int64(reason, n))
	}
	if len(skipped) > 0 {
		attrs = append(attrs, slog.Group("skipped", skipped...))
	}
	for _, kind := range sortedKeys(b.collected.Notes) {
		var named []any
		for name, n := range sortedCounts(b.collected.Notes[kind]) {
			named = append(named, slog.Int64(name, n))
		}
		attrs = append(attrs, slog.Group(strings.ReplaceAll(kind, " ", "_")+"es", named...))
	}
	if len(reasons) > 0 {
		attrs = append(attrs, slog.Group("rejects_by_reason", reasons...))
	}
	return attrs
}

// sortedKeys are the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// sortedCounts iterates a count map in key order.
func sortedCounts(m map[string]int64) func(yield func(string, int64) bool) {
	return func(yield func(string, int64) bool) {
		for _, k := range sortedKeys(m) {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}
