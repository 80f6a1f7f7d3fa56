// Package reports runs DuckDB SQL over the lake. OpenLake gives an
// in-memory DuckDB with the views bills, open and rejects over the lake's
// Parquet files, and Query writes the result of a statement as CSV, JSON
// Lines or an aligned text table. The report SQL of SPEC §5 runs on these
// views.
package reports
