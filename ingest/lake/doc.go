// Package lake writes and reads the Parquet lake (SPEC §4): per site-zone
// day, the bills of the run, the spans still open at the end of the day
// (the state the next day's run starts from), the rejected input records,
// and a JSON manifest of the run.
//
// Files are written under a temporary name beside their final one, synced
// and renamed into place, the manifest last, so a reader never sees part of
// a file. The same rows always give the same bytes. The Parquet encoder is
// the package's own, built on the format definitions of
// github.com/xitongsys/parquet-go, whose reader reads the open table back.
// It writes what every reader reads: version 1 data pages, integers and
// times PLAIN, repeating strings and small integers dictionary-encoded,
// ZSTD pages, and row groups that say how their rows are sorted. A row
// group depends on nothing but its rows: DayWriter.WriteBill encodes one
// in the background, column by column in parallel, while the next fills;
// a BillBlock encodes a block of bills on its caller's goroutine, so that
// blocks encode at once and DayWriter.WriteBlock appends them in order.
package lake
