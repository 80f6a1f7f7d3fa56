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
}

// Session is a DuckDB connection to the lake with a report's parameters
// set up: run any number of reports on it, one after the other, then Close
// it.
type Session struct {
	db   *sql.DB
	conn *sql.Conn
	opts Options
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
// FormatTable or FormatJSON).
func (s *Session) Run(ctx context.Context, r Report, format string, w io.Writer) error {
	if s.conn == nil {
		return errClosed
	}
	if err := Query(ctx, s.conn, r.SQL, format, w); err != nil {
		return fmt.Errorf("report %s: %w", r.Name, err)
	}
	return nil
}

// FileName is the name of report's output file: NAME_FROM_TO.csv, with the
// end day as given (not included).
func FileName(report string, from, to billing.Date) string {
	return fmt.Sprintf("%s_%s_%s.csv", report, from, to)
}

// WriteFile runs report r and writes it as CSV to dir/NAME_FROM_TO.csv,
// creating dir if need be. The file is written under a temporary name in
// dir and renamed into place, so a reader never sees half a report and a
// failed run leaves the previous file as it was. It returns the file's
// path.
func (s *Session) WriteFile(ctx context.Context, r Report, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	final := filepath.Join(dir, FileName(r.Name, s.opts.From, s.opts.To))
	f, err := os.CreateTemp(dir, "."+filepath.Base(final)+".*.tmp")
	if err != nil {
		return "", err
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := s.Run(ctx, r, FormatCSV, f); err != nil {
		return "", err
	}
	if err := f.Chmod(0o644); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return "", err
	}
	done = true
	return final, nil
}

// WriteFiles runs each report of list over the lake and writes it to
// dir/NAME_FROM_TO.csv (see Session.WriteFile). It returns the paths
// written, in the order of list. WriteFiles(ctx, opts, BuiltIn(), dir)
// writes the three reports of SPEC §5.
func WriteFiles(ctx context.Context, opts Options, list []Report, dir string) ([]string, error) {
	s, err := Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var paths []string
	for _, r := range list {
		p, err := s.WriteFile(ctx, r, dir)
		if err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, s.Close()
}
