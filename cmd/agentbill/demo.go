package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/synth"
)

// The demo's fixed sample: two days of a 20-agent centre, so that the night
// shift's sessions cross midnight and are billed the next day.
var (
	demoStart  = billing.Date{Year: 2026, Month: time.November, Day: 19}
	demoDays   = 2
	demoAgents = 20
	demoSeed   = int64(20261119)
)

func (a *app) demoCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Generate a sample contact-centre day, bill it and show what came out",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.demo(cmd.Context(), out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "demo-out", "folder for the sample events and what is made of them")
	return cmd
}

func (a *app) demo(ctx context.Context, out string) error {
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	eventsPath := filepath.Join(out, "events.csv")
	n, err := writeSampleEvents(ctx, eventsPath, cfg.Location)
	if err != nil {
		return err
	}
	collected, _, err := a.readInputs(ctx, []string{eventsPath}, ingest.FormatCSV, cfg.Location)
	if err != nil {
		return err
	}
	b, err := runBatch(cfg, collected, nil)
	if err != nil {
		return err
	}
	billsPath := filepath.Join(out, "bills.csv")
	if err := writeBillsFile(billsPath, b); err != nil {
		return err
	}
	rejectsPath := filepath.Join(out, "rejects.csv")
	if err := writeRejectsFile(rejectsPath, b.rejects); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "agentbill demo: %d agents, %d days from %s, site zone %s\n", demoAgents, demoDays, demoStart, cfg.Location)
	fmt.Fprintf(a.stdout, "  events   %7d  %s\n", n, eventsPath)
	fmt.Fprintf(a.stdout, "  bills    %7d  %s\n", len(b.result.Bills), billsPath)
	fmt.Fprintf(a.stdout, "  open     %7d  (rows still open at the end, in the same file, flag open)\n", len(b.result.Open))
	fmt.Fprintf(a.stdout, "  rejects  %7d  %s\n", len(b.rejects), rejectsPath)
	fmt.Fprintln(a.stdout, "bills by type:")
	byType := map[int32]int{}
	for i := range b.result.Bills {
		byType[b.result.Bills[i].OpType]++
	}
	for _, t := range billing.OpTypes() {
		if n := byType[int32(t.Code)]; n > 0 {
			fmt.Fprintf(a.stdout, "  %2d %-45.45s %6d\n", t.Code, t.Label, n)
		}
	}
	return nil
}

func writeSampleEvents(ctx context.Context, path string, loc *time.Location) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := ingest.NewEventCSVWriter(f)
	n := 0
	gen := synth.Config{Agents: demoAgents, Start: demoStart, Days: demoDays, Location: loc, Seed: demoSeed}
	err = synth.Generate(ctx, gen, func(e billing.Event) error {
		n++
		return w.Write(e)
	})
	if err != nil {
		return n, err
	}
	if err := w.Flush(); err != nil {
		return n, err
	}
	return n, f.Close()
}

func writeBillsFile(path string, b *batch) error {
	return writeFile(path, func(w io.Writer) error { return writeBillsCSV(w, b) })
}
