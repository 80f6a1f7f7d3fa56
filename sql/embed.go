// Package reportsql holds the SQL of the built-in reports (SPEC §5): one
// plain DuckDB file per report, NAME.sql, opening with a one-line comment
// that describes it. The files are embedded from this folder, so the
// binary carries them and an analyst can read and copy them as they are.
//
// The folder is sql/, where a reader of the tree looks for SQL; the package
// is named reportsql so that it does not shadow database/sql in the code
// that uses both. Package reports runs these files (and a site's own) on
// the lake, after setting up the parameters they read: the tables
// report_days, report_intervals and labels and the variables report_from,
// report_start, report_end and open_date (see reports/doc.go).
package reportsql

import "embed"

// FS holds the built-in reports, NAME.sql at its top.
//
//go:embed *.sql
var FS embed.FS
