package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/agentbill/agentbill/ingest/lake"
)

// duckDBOptions keep DuckDB from fetching or loading extensions: the lake
// needs none, and a report must not reach the network.
const duckDBOptions = "?autoinstall_known_extensions=false&autoload_known_extensions=false"

// ErrNoLake is returned by OpenLake when the lake folder does not exist.
var ErrNoLake = errors.New("no lake folder")

// OpenLake opens an in-memory DuckDB with one view per lake table (bills,
// open, rejects) over the files of dir/<table>/date=*/<table>.parquet
// (dir/<table>/site=*/date=*/<table>.parquet for a lake of sites, with a
// site column). The
// folder's day is the view's last column, date, of type DATE, so a filter
// on date reads only the files of the days it keeps. A table with no files
// yet is an empty view with the same columns. The views cover the files
// that exist when OpenLake runs.
func OpenLake(ctx context.Context, dir string) (*sql.DB, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s", ErrNoLake, dir)
	} else if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", duckDBOptions)
	if err != nil {
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	l := &lake.Lake{Dir: abs}
	// A day that a stopped run left half put in place is finished first.
	// A reader who may not write to the lake reads it as it is; check
	// reports such a day.
	l.RollForward()
	sites, err := l.Sites(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, t := range lake.Tables() {
		var files []string
		var err error
		if len(sites) == 0 {
			files, err = l.Files(t.Name)
		}
		for _, site := range sites {
			var more []string
			if more, err = (&lake.Lake{Dir: abs, Site: site}).Files(t.Name); err != nil {
				break
			}
			files = append(files, more...)
		}
		if err == nil {
			_, err = db.ExecContext(ctx, viewSQL(t, files, len(sites) > 0))
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("create view %s: %w", t.Name, err)
		}
	}
	return db, nil
}

// viewSQL creates the view of table t over files. The files are listed one
// by one rather than globbed, so that a lake folder whose name holds glob
// characters or quotes reads as it is. A lake of sites has their name in a
// site column, before date.
func viewSQL(t lake.Table, files []string, sites bool) string {
	var b strings.Builder
	b.WriteString("CREATE OR REPLACE VIEW " + quoteIdent(t.Name) + " AS ")
	if len(files) == 0 {
		b.WriteString("SELECT ")
		for _, c := range t.Columns {
			fmt.Fprintf(&b, "CAST(NULL AS %s) AS %s, ", c.Kind.SQLType(), quoteIdent(c.Name))
		}
		if sites {
			b.WriteString("CAST(NULL AS VARCHAR) AS site, ")
		}
		b.WriteString("CAST(NULL AS DATE) AS date WHERE false")
		return b.String()
	}
	b.WriteString("SELECT * FROM read_parquet([")
	for i, f := range files {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteString(f))
	}
	if sites {
		b.WriteString("], hive_partitioning = true, hive_types = {'site': VARCHAR, 'date': DATE})")
	} else {
		b.WriteString("], hive_partitioning = true, hive_types = {'date': DATE})")
	}
	return b.String()
}

// quoteString makes s a SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// quoteIdent makes s a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
