package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/ingest/lake"
)

func (a *app) ddlCmd() *cobra.Command {
	var lakeDir, engine, schema string
	cmd := &cobra.Command{
		Use:   "ddl --engine duckdb|trino|spark|athena [--lake DIR|URL] [--schema NAME]",
		Short: "Print the statements that register the lake's tables in a query engine",
		Long: `Ddl prints the SQL that registers the lake's tables (bills, open, rejects) in
a query engine, as external tables over the lake's Parquet folders: site (for a
lake shared by sites) and date are partition columns, times are TIMESTAMP
without a zone, strings are strings.

  duckdb  views over read_parquet with hive partitioning
  trino   Hive connector tables, then sync_partition_metadata
  spark   Spark SQL 3.4+ tables (TIMESTAMP_NTZ), then MSCK REPAIR TABLE
  athena  tables with partition projection (no crawler); S3 lakes only

The sites are those the lake holds and site.name of the config.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(lake.Engines, engine) {
				return usageError{fmt.Errorf("--engine %q: want one of %s", engine, strings.Join(lake.Engines, ", "))}
			}
			return a.ddl(cmd.Context(), lakeDir, engine, schema)
		},
	}
	cmd.Flags().StringVar(&lakeDir, "lake", "", "lake folder or bucket URL (default: lake of the config)")
	cmd.Flags().StringVar(&engine, "engine", "", "duckdb, trino, spark or athena")
	cmd.Flags().StringVar(&schema, "schema", "", "schema (or catalog.schema) of the tables; default: none")
	return cmd
}

func (a *app) ddl(ctx context.Context, lakeDir, engine, schema string) error {
	location := a.lakeDir(lakeDir)
	lk, err := a.lake(ctx, location, a.cfg.Location())
	if err != nil {
		return err
	}
	defer lk.Close()
	sites, err := lk.Sites(ctx)
	if err != nil {
		return err
	}
	if n := a.cfg.Site.Name; n != "" && !slices.Contains(sites, n) {
		sites = append(sites, n)
		slices.Sort(sites)
	}
	first := ""
	if days, err := lk.Days(); err == nil && len(days) > 0 && lk.Site == "" {
		first = days[0].String()
	}
	out, err := lake.DDL(lake.DDLOptions{Engine: engine, Location: location, Sites: sites, Schema: schema, FirstDay: first})
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(a.stdout, out)
	return err
}
