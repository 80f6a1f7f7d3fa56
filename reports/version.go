package reports

import (
	"context"
	"database/sql"
	"errors"
)

// DuckDBVersion is the version of the DuckDB library that runs the
// queries and reports, as SELECT version() gives it ("v1.5.6").
func DuckDBVersion(ctx context.Context) (string, error) {
	db, err := sql.Open("duckdb", duckDBOptions)
	if err != nil {
		return "", err
	}
	var v string
	err = db.QueryRowContext(ctx, "SELECT version()").Scan(&v)
	return v, errors.Join(err, db.Close())
}
