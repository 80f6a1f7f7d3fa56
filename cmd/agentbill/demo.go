package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
	"github.com/agentbill/agentbill/reports"
)

// The demo's fixed sample: three days of a 20-agent centre, one event file
// per day as a CTI platform would leave them, so that night shifts cross
// midnight and are carried from one nightly run to the next.
var (
	demoStart  = billing.Date{Year: 2026, Month: time.November, Day: 18}
	demoDays   = 3
	demoAgents = 20
	demoSeed   = int64(20261118)
)

// demoQuery is the query the demo shows: what the lake holds per day.
const demoQuery = `SELECT date, count(*) AS bills, count(DISTINCT agent_id) AS agents,
       round(sum(duration_ms) FILTER (WHERE op_type = 60) / 3600000, 1) AS talk_hours,
       count(*) FILTER (WHERE op_type IN (4, 60) AND op_cause = 1) AS five_minute_bills
FROM bills GROUP BY date ORDER BY date`

func (a *app) demoCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Generate a sample contact centre, bill it into a lake and query it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd.Context(), out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "demo-out", "folder for the sample events and the lake")
	return cmd
}

func (a *app) demo(ctx context.Context, out string) error {
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	// A demo run starts afresh: an old lake would hold days of another
	// sample.
	if err := prepareDemoDir(out); err != nil {
		return err
	}
	eventsDir := filepath.Join(out, "events")
	lakeDir := filepath.Join(out, "lake")
	for _, dir := range []string{eventsDir, lakeDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// The demo's lake is a site's own folder, whatever site.name says.
	a.cfg.Site.Name = ""
	files, n, err := writeSampleDays(ctx, eventsDir, cfg.Location)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "agentbill demo: %d agents, %d days from %s, site zone %s\n", demoAgents, demoDays, demoStart, cfg.Location)
	fmt.Fprintf(a.stdout, "  %d sample events in %s\n", n, eventsDir)
	for i, file := range files {
		day := demoStart.AddDays(i).String()
		if _, err := a.ingest(ctx, ingestPlan{date: day, lake: lakeDir, format: "csv", files: []string{file}}); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.stdout, "  lake %s, one nightly run per day:\n\n", lakeDir)
	db, err := reports.OpenLake(ctx, lakeDir)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := reports.Query(ctx, db, demoQuery, reports.FormatTable, a.stdout); err != nil {
		return err
	}
	opts := reports.Options{
		Lake: lakeDir, From: demoStart, To: demoStart.AddDays(demoDays),
		Location: cfg.Location, Labels: reports.Labels(a.cfg.Labels),
		IntervalMinutes: a.cfg.Reports.IntervalMinutes,
	}
	written, err := reports.WriteFiles(ctx, opts, reports.BuiltIn(), filepath.Join(out, "reports"))
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "\nReports:")
	for _, path := range written {
		fmt.Fprintf(a.stdout, "  %s\n", path)
	}
	fmt.Fprintf(a.stdout, "\nTry:\n  go run ./cmd/agentbill query --lake %s \"SELECT op_type, count(*) FROM bills GROUP BY ALL ORDER BY 1\"\n", lakeDir)
	fmt.Fprintf(a.stdout, "  go run ./cmd/agentbill report occupancy --lake %s --from %s --out -\n", lakeDir, demoStart.AddDays(1))
	return nil
}

// demoMarker is the file that marks a folder as a demo's output. It lists
// what the demo made there, one name a line: what the next demo into the
// folder removes.
const demoMarker = ".agentbill-demo"

// demoMade are the names a demo makes in its folder, besides the marker.
var demoMade = []string{"events", "lake", "reports"}

// prepareDemoDir makes out ready for a demo. A missing folder is created
// and an empty one taken; in an earlier demo's output, what that demo made
// is removed and nothing else. Any other folder is refused, untouched.
func prepareDemoDir(out string) error {
	if out == "" {
		return errors.New("--out: give the folder for the demo's output")
	}
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		if fi, statErr := os.Stat(out); statErr == nil && !fi.IsDir() {
			return fmt.Errorf("demo: %s is a file, not a folder: choose an empty or new folder with --out", out)
		}
		return fmt.Errorf("demo: %w", err)
	case len(entries) > 0:
		made, err := readDemoMarker(out)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("demo: %s is not empty and holds no earlier demo's output (it has no %s), "+
				"and the demo does not delete what it did not make: choose an empty or new folder with --out, or remove %s", out, demoMarker, out)
		}
		if err != nil {
			return err
		}
		for _, name := range made {
			if err := os.RemoveAll(filepath.Join(out, name)); err != nil {
				return fmt.Errorf("demo: remove the earlier demo's %s: %w", name, err)
			}
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	// The marker comes first, so that the output of a demo stopped half-way
	// is known for a demo's too.
	marker := strings.Join(demoMade, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(out, demoMarker), []byte(marker), 0o644); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	return nil
}

// readDemoMarker returns the names the marker in dir lists. A name the
// demo does not make (a path elsewhere, say) is an error: the marker is
// not trusted to name what to delete.
func readDemoMarker(dir string) ([]string, error) {
	path := filepath.Join(dir, demoMarker)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var made []string
	for line := range strings.Lines(string(data)) {
		name := strings.TrimSpace(line)
		if name == "" {
			continue
		}
		if !slices.Contains(demoMade, name) {
			return nil, fmt.Errorf("demo: %s names %q, which no demo makes; nothing removed: choose an empty or new folder with --out, or remove %s", path, name, dir)
		}
		made = append(made, name)
	}
	return made, nil
}

// writeSampleDays generates the sample and writes each site-zone day's
// events to DIR/events-YYYY-MM-DD.csv.
func writeSampleDays(ctx context.Context, dir string, loc *time.Location) ([]string, int, error) {
	files := make([]string, demoDays)
	writers := make([]*ingest.EventCSVWriter, demoDays)
	closers := make([]*os.File, demoDays)
	defer func() {
		for _, f := range closers {
			if f != nil {
				f.Close()
			}
		}
	}()
	for i := range files {
		files[i] = filepath.Join(dir, "events-"+demoStart.AddDays(i).String()+".csv")
		f, err := os.Create(files[i])
		if err != nil {
			return nil, 0, err
		}
		closers[i], writers[i] = f, ingest.NewEventCSVWriter(f)
	}
	n := 0
	gen := synth.Config{Agents: demoAgents, Start: demoStart, Days: demoDays, Location: loc, Seed: demoSeed, DupShare: 0.002}
	err := synth.Generate(ctx, gen, func(e billing.Event) error {
		i := billing.DateIn(e.Time, loc).DaysSince(demoStart)
		if i < 0 || i >= demoDays {
			return fmt.Errorf("sample event on %s, outside the sample days", billing.DateIn(e.Time, loc))
		}
		n++
		return writers[i].Write(e)
	})
	if err != nil {
		return nil, n, err
	}
	for i := range writers {
		if err := writers[i].Flush(); err != nil {
			return nil, n, err
		}
		if err := closers[i].Close(); err != nil {
			return nil, n, err
		}
		closers[i] = nil
	}
	return files, n, nil
}
