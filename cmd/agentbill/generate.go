package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
)

func (a *app) generateCmd() *cobra.Command {
	var g generateOptions
	var start string
	cmd := &cobra.Command{
		Use:   "generate --agents N --days D --format events|cti|agentoprinfo|connect --out DIR",
		Short: "Write realistic synthetic inputs, one file per site-zone day",
		Long: `Generate writes a synthetic contact centre's inputs: shift patterns (early,
day, late and night shifts that cross midnight), realistic state durations,
busy and rest reason mixes, voice and text conversations, holds, transfers,
conferences, forced logouts and re-logins. The same --seed gives the same
files. --format events writes canonical CSV (with --bad-share damaged and
--dup-share duplicated records), cti writes Cisco UCCX CTI text,
agentoprinfo writes the bills of the events as Huawei agentOprInfo, and
connect writes an Amazon Connect agent event stream (with heartbeats, two
chats at once, and --dup-share records delivered twice). Files are
DIR/FORMAT-YYYY-MM-DD.csv (.log for cti, .jsonl for connect); with --layout
firehose, connect writes records one after another with no separator into
UTC hour folders, DIR/YYYY/MM/DD/HH/connect-YYYY-MM-DD-HH.json, as Firehose
stores them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := billing.ParseDate(start)
			if err != nil {
				return fmt.Errorf("--start: %w", err)
			}
			g.start = d
			return a.generate(cmd.Context(), g)
		},
	}
	f := cmd.Flags()
	f.IntVar(&g.agents, "agents", 100, "number of agents")
	f.IntVar(&g.days, "days", 1, "number of days")
	f.StringVar(&start, "start", "2026-11-02", "first day (YYYY-MM-DD)")
	f.StringVar(&g.format, "format", "events", "events, cti, agentoprinfo or connect")
	f.StringVar(&g.layout, "layout", "lines", "connect: lines (a record a line, a file per site-zone day) or firehose (concatenated, UTC hour folders)")
	f.StringVar(&g.out, "out", "generated", "output folder")
	f.Int64Var(&g.seed, "seed", 1, "seed: the same seed gives the same files")
	f.Float64Var(&g.badShare, "bad-share", 0, "share of damaged records (events format)")
	f.Float64Var(&g.dupShare, "dup-share", 0, "share of records written twice")
	return cmd
}

type generateOptions struct {
	agents, days       int
	start              billing.Date
	format, out        string
	layout             string
	seed               int64
	badShare, dupShare float64
}

func (a *app) generate(ctx context.Context, g generateOptions) error {
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	if g.badShare > 0 && g.format != "events" {
		return errors.New("--bad-share is for --format events")
	}
	if g.layout != "lines" && (g.format != "connect" || g.layout != "firehose") {
		return usageErrorf("--layout %q: want lines, or firehose with --format connect", g.layout)
	}
	gen := synth.Config{Agents: g.agents, Start: g.start, Days: g.days, Location: cfg.Location, Seed: g.seed, BadShare: g.badShare, DupShare: g.dupShare}
	if err := gen.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(g.out, 0o755); err != nil {
		return err
	}
	files := &dayFiles{dir: g.out, prefix: g.format, ext: ".csv", loc: cfg.Location}
	defer files.close()
	pr := a.startProgress()
	defer pr.finish(false)
	if pr != nil {
		// How far into the days the generated stream is.
		start, _ := g.start.Bounds(cfg.Location)
		end, _ := g.start.AddDays(g.days).Bounds(cfg.Location)
		m := pr.add(fmt.Sprintf("%d days of %d agents", g.days, g.agents), int64(end.Sub(start)/time.Second), unitNone)
		files.progress = func(t time.Time) { m.Set(int64(t.Sub(start)/time.Second), 0) }
	}
	var records int64
	switch g.format {
	case "events":
		var w *ingest.EventCSVWriter
		files.open = func(f *os.File) { w = ingest.NewEventCSVWriter(f) }
		files.flush = func() error { return w.Flush() }
		err = synth.GenerateRecords(ctx, gen, func(r synth.Record) error {
			if err := files.dayOf(r.Time); err != nil {
				return err
			}
			records++
			if r.Fault == synth.FaultNone {
				return w.Write(r.Event)
			}
			return w.WriteEdited(r.Event, func(row string) string { return synth.Damage(row, r.Event, r.Fault) })
		})
	case "cti":
		files.ext = ".log"
		w := ingest.NewCTIWriter(nil, cfg.Location)
		files.open = func(f *os.File) { w.SetOutput(f) }
		files.flush = w.Flush
		err = synth.Generate(ctx, gen, func(e billing.Event) error {
			if err := files.dayOf(e.Time); err != nil {
				return err
			}
			wrote, err := w.Write(&e)
			if wrote {
				records++
			}
			return err
		})
	case "agentoprinfo":
		records, err = generateBills(ctx, gen, cfg, files)
	case "connect":
		records, err = generateConnect(ctx, gen, g.layout, files)
	default:
		return fmt.Errorf("--format: want events, cti, agentoprinfo or connect, got %q", g.format)
	}
	if err == nil {
		err = files.close()
	}
	pr.finish(err == nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d %s records for %d agents over %d days in %s (%s)\n", records, g.format, g.agents, g.days, g.out, cfg.Location)
	for _, p := range files.written {
		fmt.Fprintf(a.stdout, "  %s\n", p)
	}
	return nil
}

// generateBills bills the generated events day by day, carrying the open
// spans, and writes each day's bills as agentOprInfo.
func generateBills(ctx context.Context, gen synth.Config, cfg billing.Config, files *dayFiles) (int64, error) {
	var w *ingest.AgentOprInfoWriter
	files.open = func(f *os.File) {
		w = ingest.NewAgentOprInfoWriter(f, ingest.AgentOprInfoOptions{Location: cfg.Location, NoUse: billing.USNoUse})
	}
	files.flush = func() error { return w.Flush() }
	var (
		bills   []billing.Bill
		open    []billing.OpenSpan
		run     *billing.Run
		records int64
	)
	finish := func() error {
		if run == nil {
			return nil
		}
		open = run.Finish()
		billing.SortBills(bills)
		start, _ := run.Bounds()
		if err := files.dayOf(start); err != nil {
			return err
		}
		for i := range bills {
			if err := w.Write(&bills[i]); err != nil {
				return err
			}
		}
		records += int64(len(bills))
		bills = bills[:0]
		return nil
	}
	err := synth.Generate(ctx, gen, func(e billing.Event) error {
		for run == nil || !e.Time.Before(runEnd(run)) {
			if err := finish(); err != nil {
				return err
			}
			day := gen.Start
			if run != nil {
				day = run.Day().Next()
			}
			var err error
			if run, err = billing.NewRun(cfg, day, open, func(b *billing.Bill) { bills = append(bills, *b) }); err != nil {
				return err
			}
		}
		if err := run.Apply(&e); err != nil && !errors.Is(err, billing.ErrLogoutWithoutSession) {
			return err
		}
		return nil
	})
	if err != nil {
		return records, err
	}
	return records, finish()
}

// generateConnect writes the generated events as an Amazon Connect agent
// event stream: a record a line in a file per site-zone day, or (layout
// firehose) records with no separator in UTC hour folders.
func generateConnect(ctx context.Context, gen synth.Config, layout string, files *dayFiles) (int64, error) {
	var w *bufio.Writer
	files.ext = ".jsonl"
	files.open = func(f *os.File) { w = bufio.NewWriterSize(f, 256<<10) }
	files.flush = func() error { return w.Flush() }
	sep := []byte{'\n'}
	if layout == "firehose" {
		sep = nil
		files.pathOf = func(t time.Time) string {
			u := t.UTC()
			return filepath.Join(files.dir, u.Format("2006/01/02/15"), "connect-"+u.Format("2006-01-02-15")+".json")
		}
	}
	cw := synth.NewConnectWriter()
	out := func(at time.Time, rec []byte) error {
		if err := files.dayOf(at); err != nil {
			return err
		}
		w.Write(rec)
		_, err := w.Write(sep)
		return err
	}
	err := synth.Generate(ctx, gen, func(e billing.Event) error { return cw.Write(&e, out) })
	if err == nil {
		// The heartbeats up to the end of the last day.
		end, _ := gen.Start.AddDays(gen.Days).Bounds(files.loc)
		err = cw.Until(end, out)
	}
	return cw.Records(), err
}

// dayFiles writes a time-ordered stream into one file per site-zone day,
// DIR/PREFIX-YYYY-MM-DD.EXT (or the path pathOf gives), with only the
// current file open.
type dayFiles struct {
	dir, prefix, ext string
	loc              *time.Location
	open             func(*os.File)
	flush            func() error
	cur              *os.File
	day              billing.Date
	written          []string
	progress         func(time.Time) // told the time of each record; nil for none
	// pathOf, when set, names the file of each time instead of its day.
	pathOf  func(time.Time) string
	curPath string
}

// dayOf makes the file of t's day the current one.
func (d *dayFiles) dayOf(t time.Time) error {
	if d.progress != nil {
		d.progress(t)
	}
	day := billing.DateIn(t, d.loc)
	var path string
	if d.pathOf != nil {
		if path = d.pathOf(t); d.cur != nil && path == d.curPath {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
	} else if d.cur != nil && day == d.day {
		return nil
	}
	if err := d.close(); err != nil {
		return err
	}
	if path == "" {
		path = filepath.Join(d.dir, d.prefix+"-"+day.String()+d.ext)
	}
	d.curPath = path
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	d.cur, d.day = f, day
	d.written = append(d.written, path)
	d.open(f)
	return nil
}

func (d *dayFiles) close() error {
	if d.cur == nil {
		return nil
	}
	f := d.cur
	d.cur = nil
	if err := d.flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func runEnd(r *billing.Run) time.Time {
	_, end := r.Bounds()
	return end
}
