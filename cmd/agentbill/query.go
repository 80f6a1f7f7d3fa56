package main

import (
	"github.com/agentbill/agentbill/billing"

	"context"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/reports"
)

func (a *app) queryCmd() *cobra.Command {
	var lakeDir, format string
	cmd := &cobra.Command{
		Use:   "query [--lake DIR] [--format csv|table|json] SQL",
		Short: "Run DuckDB SQL over the lake's views bills, open and rejects",
		Long: `Query runs one SQL statement with DuckDB over the lake. The views bills, open
and rejects hold every day's files, with the day as the DATE column date, so
a filter on date reads only that day's files.`,
		Example: `  agentbill query "SELECT date, op_type, count(*) AS n FROM bills GROUP BY ALL ORDER BY ALL"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.query(cmd.Context(), lakeDir, format, args[0])
		},
	}
	cmd.Flags().StringVar(&lakeDir, "lake", "", "lake folder (default: lake of the config)")
	cmd.Flags().StringVar(&format, "format", "table", "output: csv, table or json (JSON Lines)")
	return cmd
}

func (a *app) query(ctx context.Context, lakeDir, format, sql string) error {
	dir, release, err := a.readLake(ctx, a.lakeDir(lakeDir), billing.Date{}, billing.Date{})
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
