package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/reports"
)

func (a *app) queryCmd() *cobra.Command {
	var lakeDir, format string
	var allSites bool
	cmd := &cobra.Command{
		Use:   "query [--lake DIR|URL] [--all-sites] [--format csv|table|json] SQL",
		Short: "Run DuckDB SQL over the lake's views bills, open and rejects",
		Long: `Query runs one SQL statement with DuckDB over the lake. The views bills, open
and rejects hold every day's files, with the day as the DATE column date, so
a filter on date reads only that day's files.

In a lake shared by sites (site.name set), the views hold the config's site,
with its name in the column site; --all-sites holds every site of the lake.
A lake in a bucket is read through the lake cache (lake_cache).`,
		Example: `  agentbill query "SELECT date, op_type, count(*) AS n FROM bills GROUP BY ALL ORDER BY ALL"
  agentbill query --all-sites "SELECT site, date, count(*) FROM bills GROUP BY ALL ORDER BY ALL"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.query(cmd.Context(), lakeDir, format, args[0], allSites)
		},
	}
	cmd.Flags().StringVar(&lakeDir, "lake", "", "lake folder or bucket URL (default: lake of the config)")
	cmd.Flags().StringVar(&format, "format", "table", "output: csv, table or json (JSON Lines)")
	cmd.Flags().BoolVar(&allSites, "all-sites", false, "every site of a lake shared by sites, not only site.name")
	return cmd
}

func (a *app) query(ctx context.Context, lakeDir, format, sql string, allSites bool) error {
	dir, release, err := a.readLakeSites(ctx, a.lakeDir(lakeDir), billing.Date{}, billing.Date{}, allSites)
	if err != nil {
		return err
	}
	defer release()
	db, err := reports.OpenLake(ctx, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	return reports.Query(ctx, db, sql, format, a.stdout)
}
