package reports

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest/lake"
)

// FileError is returned when a file of the lake that a query reads cannot
// be read: DuckDB does not always say which file it was (a damaged page
// gives "ZSTD Decompression failure" and no name).
type FileError struct {
	Path string
	Day  billing.Date // the file's day; zero when its folder names none
	Err  error
}

// Error names the file, what DuckDB said, and what repairs it.
func (e *FileError) Error() string {
	if e.Day.IsZero() {
		return fmt.Sprintf("lake file %s cannot be read: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("lake file %s cannot be read: %v; agentbill check --date %s says what is wrong, agentbill ingest --date %s writes the day again",
		e.Path, e.Err, e.Day, e.Day)
}

// Unwrap returns DuckDB's error.
func (e *FileError) Unwrap() error { return e.Err }

// probeSQL reads every column of every row of one Parquet file, so that
// any page that cannot be decoded fails it.
const probeSQL = "SELECT count(*), max(hash(t)) FROM read_parquet(%s) t"

// statementErrors are the DuckDB errors of a statement that is wrong in
// itself, found before any file is read.
var statementErrors = []duckdb.ErrorType{
	duckdb.ErrorTypeParser, duckdb.ErrorTypeSyntax, duckdb.ErrorTypeBinder, duckdb.ErrorTypeCatalog,
	duckdb.ErrorTypeParameterNotResolved, duckdb.ErrorTypeParameterNotAllowed, duckdb.ErrorTypeInterrupt,
}

// unreadable finds the file among files that made a query fail with err:
// the one err names, else the first one DuckDB cannot read whole. It
// returns err wrapped in a *FileError naming that file, or err as it is
// when every file reads (the query failed for another reason), the
// statement itself is wrong, or ctx has ended.
func unreadable(ctx context.Context, db Querier, files []string, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	msg := err.Error()
	for _, f := range files {
		if strings.Contains(msg, f) {
			return &FileError{Path: f, Day: fileDay(f), Err: err}
		}
	}
	if de := (*duckdb.Error)(nil); errors.As(err, &de) && slices.Contains(statementErrors, de.Type) {
		return err
	}
	for _, f := range files {
		rows, probeErr := db.QueryContext(ctx, fmt.Sprintf(probeSQL, quoteString(f)))
		if probeErr == nil {
			for rows.Next() {
			}
			probeErr = rows.Err()
			rows.Close()
		}
		if ctx.Err() != nil {
			return err
		}
		if probeErr != nil {
			return &FileError{Path: f, Day: fileDay(f), Err: err}
		}
	}
	return err
}

// fileDay is the day of a lake file's date=D folder; zero when it has none.
func fileDay(path string) billing.Date {
	d, ok := strings.CutPrefix(filepath.Base(filepath.Dir(path)), "date=")
	if !ok {
		return billing.Date{}
	}
	day, err := billing.ParseDate(d)
	if err != nil {
		return billing.Date{}
	}
	return day
}

// filesFrom lists the files of the lake in dir that a report from day on
// may read: the bills and rejects of day and later, and every open table
// (a report reads the newest).
func filesFrom(dir string, day billing.Date) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	l := &lake.Lake{Dir: abs}
	var out []string
	for _, t := range []lake.Table{lake.Bills, lake.Open, lake.Rejects} {
		files, _ := l.Files(t.Name)
		for _, f := range files {
			if t.Name == lake.Open.Name || !fileDay(f).Before(day) {
				out = append(out, f)
			}
		}
	}
	return out
}
