package reports

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	reportsql "github.com/agentbill/agentbill/sql"
)

// All is the report name that stands for every report of a catalog.
const All = "all"

// ErrUnknownReport is returned by Select for a name no report has.
var ErrUnknownReport = errors.New("unknown report")

// Report is one SQL report: the file NAME.sql of a folder.
type Report struct {
	// Name is the file's name without .sql; the output file is
	// NAME_FROM_TO.csv.
	Name string
	// Description is the text of the comment line the file opens with.
	Description string
	// Site is true for a report of the site's own folder, false for a
	// built-in one.
	Site bool
	// SQL is the file's text.
	SQL string
}

// builtIn are the reports of package reportsql, read once.
var builtIn = sync.OnceValue(func() []Report {
	list, err := List(reportsql.FS)
	if err != nil {
		panic("reports: built-in reports: " + err.Error())
	}
	return list
})

// BuiltIn returns the built-in reports (interval, logout_causes,
// occupancy, rest_reasons), by name.
func BuiltIn() []Report { return slices.Clone(builtIn()) }

// List reads the reports of fsys: every *.sql file at its top, by name.
// The description is the first line when it is a comment ("-- text");
// blank lines before it are skipped.
func List(fsys fs.FS) ([]Report, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	var list []Report
	for _, file := range names {
		if fi, err := fs.Stat(fsys, file); err != nil {
			return nil, err
		} else if fi.IsDir() {
			continue
		}
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(path.Base(file), ".sql")
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("report %s: %w", file, err)
		}
		list = append(list, Report{Name: name, Description: description(string(data)), SQL: string(data)})
	}
	return list, nil
}

// checkName refuses names that cannot be a report's: empty, "all", or
// holding characters that do not belong in a file name.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case name == All:
		return fmt.Errorf("%q names every report; rename the file", All)
	case strings.ContainsAny(name, `/\:*?"<>|`) || strings.HasPrefix(name, "."):
		return fmt.Errorf("%q is not a name for an output file", name)
	}
	return nil
}

// description is the text of the first non-blank line of a report when it
// is a comment.
func description(sql string) string {
	sc := bufio.NewScanner(strings.NewReader(sql))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if text, ok := strings.CutPrefix(line, "--"); ok {
			return strings.TrimSpace(text)
		}
		return ""
	}
	return ""
}

// Catalog is the built-in reports followed by the site's own, read from
// site (nil for none) and marked Site. A site report may not take the name
// of a built-in one: the built-ins are the contract's (SPEC §5), and their
// files' names are what scripts look for.
func Catalog(site fs.FS) ([]Report, error) {
	list := BuiltIn()
	if site == nil {
		return list, nil
	}
	own, err := List(site)
	if err != nil {
		return nil, fmt.Errorf("site reports: %w", err)
	}
	for _, r := range own {
		if slices.ContainsFunc(builtIn(), func(b Report) bool { return b.Name == r.Name }) {
			return nil, fmt.Errorf("site reports: %s.sql has the name of a built-in report; rename it", r.Name)
		}
		r.Site = true
		list = append(list, r)
	}
	return list, nil
}

// Select returns the report called name from list, or the whole list for
// All.
func Select(list []Report, name string) ([]Report, error) {
	if name == All {
		return list, nil
	}
	for _, r := range list {
		if r.Name == name {
			return []Report{r}, nil
		}
	}
	names := make([]string, len(list))
	for i, r := range list {
		names[i] = r.Name
	}
	return nil, fmt.Errorf("%w %q (have %s, or %s)", ErrUnknownReport, name, strings.Join(names, ", "), All)
}
