package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// Options say what reports cover.
type Options struct {
	// Lake is the folder of the Parquet lake.
	Lake string
	// From and To are site-zone dates: the reports cover the days of
	// [From, To).
	From, To billing.Date
	// Location is the site zone; nil means UTC.
	Location *time.Location
	// Labels are the site's labels, laid over the seed's.
	Labels Labels
	// IntervalMinutes is the length of the interval report's intervals,
	// one of IntervalMinutes; 0 means DefaultIntervalMinutes.
	IntervalMinutes int
	// ByteOrderMark starts each report's CSV with a UTF-8 byte-order mark,
	// so that spreadsheets read it as UTF-8.
	ByteOrderMark bool
}

// Session is a DuckDB connection to the lake with a report's parameters
// set up: run any number of reports on it, one after the other, then Close
// it.
type Session struct {
	db   *sql.DB
	conn *sql.Conn
	opts Options
	// Progress, when set, is told how many reports of the list WriteFiles
	// has written, before the first and after each.
	Progress func(done, total int)
}

// Open opens the lake and sets up the parameters of opts on one
// connection: the table report_days (each day of [From, To) with its
// bounds as UTC instants), the table labels, and the variables
// report_from, report_start, report_end and open_date (see the package
// documentation).
func Open(ctx context.Context, opts Options) (*Session, error) {
	if !opts.From.Before(opts.To) {
		return nil, fmt.Errorf("report from %s to %s: the first day must come before the end (which is not included)", opts.From, opts.To)
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.IntervalMinutes == 0 {
		opts.IntervalMinutes = DefaultIntervalMinutes
	}
	if err := checkIntervalMinutes(opts.IntervalMinutes); err != nil {
		return nil, err
	}
	db, err := OpenLake(ctx, opts.Lake)
	if err != nil {
		return nil, err
	}
	s := &Session{db: db, opts: opts}
	if err := s.setUp(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Session) setUp(ctx context.Context) error {
	// Listed after the views were made: a day that lands in between has no
	// open file in them and adds nothing, rather than being counted twice.
	last, ok, err := LastDay(s.opts.Lake)
	if err != nil {
		return err
	}
	var openDate *billing.Date
	if ok {
		openDate = &last
	}
	s.conn, err = s.db.Conn(ctx)
	if err != nil {
		return err
	}
	days := Days(s.opts.From, s.opts.To, s.opts.Location)
	if err := setUp(ctx, s.conn, days, s.opts.Labels.Table(), openDate); err != nil {
		return fmt.Errorf("set up report parameters: %w", err)
	}
	if err := setUpIntervals(ctx, s.conn, Intervals(days, s.opts.IntervalMinutes, s.opts.Location)); err != nil {
		return fmt.Errorf("set up report intervals: %w", err)
	}
	return nil
}

// errClosed is returned by a Session used after Close.
var errClosed = errors.New("report session closed")

// Close closes the connection and the lake's database. Closing again does
// nothing.
func (s *Session) Close() error {
	var errs []error
	if s.conn != nil {
		errs = append(errs, s.conn.Close())
		s.conn = nil
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
		s.db = nil
	}
	return errors.Join(errs...)
}

// Run runs report r and writes its result to w in format (FormatCSV,
// FormatTable or FormatJSON). CSV is written for spreadsheets: a text
// cell that a spreadsheet would take for a formula is neutralised (see
// Neutralise), and Options.ByteOrderMark puts a byte-order mark first.
// When a file of the lake cannot be read, the error is a *FileError naming
// it.
func (s *Session) Run(ctx context.Context, r Report, format string, w io.Writer) error {
	if s.conn == nil {
		return errClosed
	}
	sheet := csvStyle{neutralise: true, byteOrderMark: s.opts.ByteOrderMark}
	if err := runQuery(ctx, s.conn, r.SQL, format, w, sheet); err != nil {
		err = unreadable(ctx, s.conn, filesFrom(s.opts.Lake, s.opts.From), err)
		return fmt.Errorf("report %s: %w", r.Name, err)
	}
	return nil
}

// FileName is the name of report's output file: NAME_FROM_TO.csv, with the
// end day as given (not included).
func FileName(report string, from, to billing.Date) string {
	return fmt.Sprintf("%s_%s_%s.csv", report, from, to)
}

// WriteFile runs r over the lake and writes it to dir/NAME_FROM_TO.csv: the
// file is written under a temporary name in dir, synced, and renamed into
// place, so a reader sees the old file or the new one, never a part.
func (s *Session) WriteFile(ctx context.Context, r Report, dir string) (string, error) {
	t, err := s.writeTemp(ctx, r, dir)
	if err != nil {
		return "", err
	}
	return t.final, commitFiles(dir, []tempFile{t})
}

// WriteFiles runs each report of list over the lake and writes it to
// dir/NAME_FROM_TO.csv. Every report is written to its temporary file first
// and the files are renamed into place together at the end, so a run that
// fails or is stopped part way changes no report. It returns the paths
// written, in the order of list. WriteFiles(ctx, opts, BuiltIn(), dir)
// writes the built-in reports of SPEC §5.
func WriteFiles(ctx context.Context, opts Options, list []Report, dir string) ([]string, error) {
	s, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	paths, err := s.WriteFiles(ctx, list, dir)
	if err != nil {
		return nil, err
	}
	return paths, s.Close()
}

// WriteFiles runs each report of list on the session and writes them to
// dir as the function WriteFiles does: all of them, or, when one fails,
// none.
func (s *Session) WriteFiles(ctx context.Context, list []Report, dir string) ([]string, error) {
	var temps []tempFile
	for i, r := range list {
		if s.Progress != nil {
			s.Progress(i, len(list))
		}
		t, err := s.writeTemp(ctx, r, dir)
		if err != nil {
			for _, t := range temps {
				os.Remove(t.tmp)
			}
			return nil, err
		}
		temps = append(temps, t)
	}
	if err := commitFiles(dir, temps); err != nil {
		return nil, err
	}
	if s.Progress != nil {
		s.Progress(len(list), len(list))
	}
	paths := make([]string, len(temps))
	for i, t := range temps {
		paths[i] = t.final
	}
	return paths, nil
}

// tempFile is a report written under a temporary name, waiting to be
// renamed to final.
type tempFile struct{ tmp, final string }

// writeTemp writes r into a synced temporary file beside its final name,
// first removing what a killed run left under such names.
func (s *Session) writeTemp(ctx context.Context, r Report, dir string) (tempFile, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tempFile{}, err
	}
	final := filepath.Join(dir, FileName(r.Name, s.opts.From, s.opts.To))
	pattern := "." + filepath.Base(final) + ".*.tmp"
	if old, err := filepath.Glob(filepath.Join(dir, pattern)); err == nil {
		for _, p := range old {
			os.Remove(p)
		}
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return tempFile{}, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := s.Run(ctx, r, FormatCSV, f); err != nil {
		return tempFile{}, err
	}
	if err := f.Chmod(0o644); err != nil {
		return tempFile{}, err
	}
	if err := f.Sync(); err != nil {
		return tempFile{}, err
	}
	if err := f.Close(); err != nil {
		return tempFile{}, err
	}
	ok = true
	return tempFile{tmp: f.Name(), final: final}, nil
}

// commitFiles renames the temporary files into place and syncs the folder,
// so the new names survive a crash.
func commitFiles(dir string, temps []tempFile) error {
	for _, t := range temps {
		if err := os.Rename(t.tmp, t.final); err != nil {
			return err
		}
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
