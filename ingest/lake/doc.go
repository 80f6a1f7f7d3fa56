// Package lake writes and reads the Parquet lake (SPEC §4): per site-zone
// day, the bills of the run, the spans still open at the end of the day
// (the state the next day's run starts from), the rejected input records,
// and a JSON manifest of the run.
//
// Files are written under a temporary name beside their final one, synced
// and renamed into place, the manifest last, so a reader never sees part of
// a file. The same rows always give the same bytes. The Parquet encoder is
// the package's own (dictionary, delta and RLE encodings, ZSTD pages, row
// groups encoded column by column in parallel), built on the format
// definitions of github.com/xitongsys/parquet-go, whose reader reads the
// open table back.
package lake
