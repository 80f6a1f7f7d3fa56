package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/reports"
)

func (a *app) exportCmd() *cobra.Command {
	var date, lakeDir, format, out, order string
	var noUse int
	var allowIncomplete bool
	cmd := &cobra.Command{
		Use:   "export --date D [--format agentoprinfo|csv] [--lake DIR] [--out FILE] [--allow-incomplete]",
		Short: "Write a day's bills from the lake as Huawei agentOprInfo or CSV",
		Long: `Export writes the bills the run for day D wrote, as Huawei agentOprInfo
(21 columns, no header, times on the site clock to the second) or as the bill
CSV of the bills command. Bills imported from agentOprInfo keep their own id,
developer, account, service and skill-info columns, and by default come out
in the order of the records they were read from, so that a file read in and
exported again is the same file.

A day that the lake does not hold whole (missing: no run; broken; stale: see
agentbill status) is refused, with the ingest that repairs it.
--allow-incomplete exports what the lake holds of it, with a warning.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.export(cmd.Context(), date, lakeDir, format, out, order, noUse, allowIncomplete)
		},
	}
	f := cmd.Flags()
	f.StringVar(&date, "date", "", `the run's day: YYYY-MM-DD, "yesterday" or "today" (required)`)
	f.StringVar(&lakeDir, "lake", "", "lake folder (default: lake of the config)")
	f.StringVar(&format, "format", "agentoprinfo", "agentoprinfo or csv")
	f.StringVar(&out, "out", "-", "file to write; - for standard output")
	f.StringVar(&order, "order", "source", "source (the order of the input records that opened the bills) or lake (agent, begin time)")
	f.IntVar(&noUse, "no-use", billing.USNoUse, "how agentoprinfo writes US_NO_USE: 65535 or -1")
	f.BoolVar(&allowIncomplete, "allow-incomplete", false, "export a day that is missing, broken or stale, with a warning")
	cmd.MarkFlagRequired("date")
	return cmd
}

func (a *app) export(ctx context.Context, date, lakeDir, format, out, order string, noUse int, allowIncomplete bool) error {
	cfg, err := a.billingConfig("")
	if err != nil {
		return err
	}
	day, err := a.resolveDate(date, cfg.Location)
	if err != nil {
		return err
	}
	opts := ingest.AgentOprInfoOptions{Location: cfg.Location, NoUse: noUse}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("--no-use: %w", err)
	}
	dir, release, err := a.readLake(ctx, a.lakeDir(lakeDir), *day, day.Next())
	if err != nil {
		return err
	}
	defer release()
	db, err := reports.OpenLake(ctx, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	holes, err := a.checkPeriod(ctx, dir, *day, day.Next(), allowIncomplete)
	if err != nil {
		return err
	}
	bills, err := reports.ReadBills(ctx, db, dir, *day)
	if err != nil {
		return err
	}
	switch order {
	case "source":
		slices.SortStableFunc(bills, func(x, y billing.Bill) int {
			return cmp.Or(cmp.Compare(x.Source.File, y.Source.File), cmp.Compare(x.Source.Line, y.Source.Line))
		})
	case "lake":
	default:
		return fmt.Errorf("--order: want source or lake, got %q", order)
	}
	write := func(w io.Writer) error {
		switch format {
		case "agentoprinfo":
			aw := ingest.NewAgentOprInfoWriter(w, opts)
			for i := range bills {
				if err := aw.Write(&bills[i]); err != nil {
					return err
				}
			}
			return aw.Flush()
		case "csv":
			cw := ingest.NewBillCSVWriter(w, cfg.Location)
			for i := range bills {
				if err := cw.Write(&bills[i]); err != nil {
					return err
				}
			}
			return cw.Flush()
		}
		return fmt.Errorf("--format: want agentoprinfo or csv, got %q", format)
	}
	if out == "-" {
		return write(a.stdout)
	}
	if err := writeFile(out, write); err != nil {
		os.Remove(out)
		return err
	}
	if len(holes) > 0 {
		a.log.Warn("export written of a day the lake does not hold whole", "file", out, "incomplete", reports.HoleDays(holes))
	}
	return nil
}
