package mail

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The built-in reports whose figures an e-mail opens with.
const (
	ReportOccupancy    = "occupancy"
	ReportRestReasons  = "rest_reasons"
	ReportLogoutCauses = "logout_causes"
)

// How much of each list the body shows; the attached files hold it all.
const (
	maxRestReasons = 5
	maxLogouts     = 8
)

// File is a report file to attach.
type File struct {
	Report string // the report's name, such as occupancy
	Path   string
}

// Section is the reports of one period.
type Section struct {
	// Title names the period: "2026-03-10", "week 2026-03-02 to
	// 2026-03-08".
	Title string
	Files []File
	// Previous is the period before, for the change of the headline
	// figures; nil for no comparison.
	Previous *Previous
	// Rejects are the input records of the period that the lake's runs
	// refused; nil when not known.
	Rejects *Rejects
}

// Digest is what a job mails for one logical day: a section for each
// period it reported on.
type Digest struct {
	Job      string
	Day      string // the logical day, YYYY-MM-DD
	To       []string
	Sections []Section
	// Ingest is the day's ingest in a line, such as "12,345 records read,
	// 37 rejected (0.3 %)"; empty when the job does not ingest.
	Ingest string
	// Holes are the days of the sections' periods that the lake does not
	// hold whole: the reports were written without them, and the message
	// says so near its top.
	Holes []Hole
	// Date is the message's date; zero means when it is sent.
	Date time.Time
	// MaxAttachment caps, in bytes, the files the message carries; 0
	// means no cap. Files that together exceed it go as one zip, named
	// for FirstDay and EndDay; when even the zip exceeds it, none is
	// attached and the message names their paths.
	MaxAttachment int64
	// FirstDay and EndDay are the days [FirstDay, EndDay) the sections
	// cover, YYYY-MM-DD.
	FirstDay, EndDay string
	// Target is the occupancy the centre aims at, 0..1; 0 for none.
	Target float64
	// Fonts draw the charts; nil means the Go fonts alone.
	Fonts *Fonts
}

// Hole is a day of a report's period that the lake does not hold whole.
type Hole struct {
	Day    string // YYYY-MM-DD
	State  string // missing, broken or stale
	Reason string // why, as the lake's check says it
	Repair string // the command that makes the day whole
}

// Figures are the headline figures of one section, read from its files.
type Figures struct {
	Title string
	// Occupancy: each agent, highest first, and all agents; HasOccupancy
	// is false when the section has no occupancy report.
	HasOccupancy bool
	Agents       []Occupancy
	Total        Occupancy
	// Rest: rest and busy reasons, longest first.
	HasRest bool
	Rest    []Reason
	// Logouts: logout causes, most frequent first; AgentLogouts: the
	// agents with forced or system logouts, most first.
	HasLogouts   bool
	Logouts      []LogoutCause
	AgentLogouts []AgentLogouts
}

// ReadFigures reads the figures of the built-in reports among files; other
// reports add nothing.
func ReadFigures(title string, files []File) (Figures, error) {
	f := Figures{Title: title}
	for _, file := range files {
		var read func(*os.File) error
		switch file.Report {
		case ReportOccupancy:
			read = func(r *os.File) (err error) {
				f.Agents, f.Total, err = ReadOccupancy(r)
				f.HasOccupancy = err == nil
				return err
			}
		case ReportRestReasons:
			read = func(r *os.File) (err error) {
				f.Rest, err = ReadRestReasons(r)
				f.HasRest = err == nil
				return err
			}
		case ReportLogoutCauses:
			read = func(r *os.File) (err error) {
				f.Logouts, f.AgentLogouts, err = readLogouts(r)
				f.HasLogouts = err == nil
				return err
			}
		default:
			continue
		}
		r, err := os.Open(file.Path)
		if err != nil {
			return f, err
		}
		err = read(r)
		r.Close()
		if err != nil {
			return f, fmt.Errorf("%s: %w", file.Path, err)
		}
	}
	return f, nil
}

// Chart is the section's occupancy chart: the agents with the lowest
// occupancy (at most 10; all of them in a small centre), all agents, and
// the target.
func (f Figures) Chart(target float64, fonts *Fonts) Chart {
	a := AttentionOf(f, target, nil)
	c := Chart{
		Title:    "Lowest occupancy, " + f.Title,
		Subtitle: "(talk + work) / (talk + work + available), lowest first",
		Total:    &Bar{Label: "All agents", Value: f.Total.Value, Known: f.Total.Known},
		Target:   target,
		Fonts:    fonts,
	}
	if len(a.Lowest) == len(f.Agents) {
		c.Title = "Occupancy by agent, " + f.Title
	} else {
		c.Note = fmt.Sprintf("The lowest %d of %s agents; the spread below the chart shows them all.", len(a.Lowest), Thousands(int64(len(f.Agents))))
	}
	for _, o := range a.Lowest {
		c.Bars = append(c.Bars, Bar{Label: o.Agent, Value: o.Value, Known: o.Known})
	}
	return c
}

// Compose reads the report files of d and writes its message: a subject
// with the first section's period and occupancy, and for each section
// the headline figures with their change against the period before and
// the target, who needs attention (lowest occupancy, longest rest,
// forced and system logouts, rejected records), the spread of occupancy
// over all agents, the top rest reasons and logout causes; all of it as
// text, in HTML and in plain text, with a chart of the lowest occupancy
// as an inline PNG that adds to it. The files go attached: as they are,
// zipped, or (over the cap even zipped) named by their paths.
func Compose(d Digest) (*Message, error) {
	m := &Message{To: d.To, Date: d.Date}
	var views []sectionView
	for i, s := range d.Sections {
		fig, err := ReadFigures(s.Title, s.Files)
		if err != nil {
			return nil, err
		}
		v := sectionView{Figures: fig, Attention: AttentionOf(fig, d.Target, s.Rejects)}
		var prev *Figures
		if p := s.Previous; p != nil {
			if p.Missing != "" {
				v.NoCompare = p.Missing
			} else {
				pf, err := ReadFigures(p.Title, p.Files)
				if err != nil {
					return nil, fmt.Errorf("the period before, %s: %w", p.Title, err)
				}
				prev, v.CompareWith = &pf, p.Title
			}
		}
		v.Headlines = Headlines(fig, prev, d.Target, s.Rejects)
		if d.Target > 0 {
			v.Target = targetPercent(d.Target)
		}
		if fig.HasOccupancy {
			v.Spread = SpreadOf(fig.Agents, d.Target)
			chart := fig.Chart(d.Target, d.Fonts)
			var png bytes.Buffer
			if err := chart.WritePNG(&png); err != nil {
				return nil, err
			}
			v.ChartID = fmt.Sprintf("occupancy-%d.png", i+1)
			v.ChartAlt = chart.Alt()
			v.ChartWidth = ChartWidth
			m.Inline = append(m.Inline, Part{Name: v.ChartID, ContentType: "image/png", ContentID: v.ChartID, Data: png.Bytes()})
		}
		v.TopRest = fig.Rest[:min(len(fig.Rest), maxRestReasons)]
		v.MoreRest = len(fig.Rest) - len(v.TopRest)
		v.TopLogouts = fig.Logouts[:min(len(fig.Logouts), maxLogouts)]
		v.MoreLogoutCauses = len(fig.Logouts) - len(v.TopLogouts)
		for _, f := range s.Files {
			data, err := os.ReadFile(f.Path)
			if err != nil {
				return nil, err
			}
			name := filepath.Base(f.Path)
			v.FileNames = append(v.FileNames, name)
			v.FilePaths = append(v.FilePaths, f.Path)
			m.Attachments = append(m.Attachments, Part{Name: name, ContentType: "text/csv", Data: data})
		}
		views = append(views, v)
	}
	zipName := ZipName(d.FirstDay, d.EndDay)
	attached, packing, err := pack(m.Attachments, d.MaxAttachment, zipName)
	if err != nil {
		return nil, err
	}
	m.Attachments = attached
	m.Subject = subject(d, views)
	page := pageView{Subject: m.Subject, Job: d.Job, Day: d.Day, Sections: views, Ingest: d.Ingest, Holes: d.Holes,
		Zipped: packing == Zipped, Omitted: packing == Omitted, ZipName: zipName, Cap: megabytes(d.MaxAttachment)}
	var html, text bytes.Buffer
	if err := htmlBody().Execute(&html, page); err != nil {
		return nil, err
	}
	if err := textBody().Execute(&text, page); err != nil {
		return nil, err
	}
	m.HTML, m.Text = html.String(), text.String()
	return m, nil
}

// subject names the job and the period reported (the first section's)
// and, when it can, its occupancy.
func subject(d Digest, views []sectionView) string {
	period := d.Day
	if len(views) > 0 && views[0].Title != "" {
		period = views[0].Title
	}
	s := fmt.Sprintf("agentbill %s, %s", d.Job, period)
	for _, v := range views {
		if v.HasOccupancy {
			s += fmt.Sprintf(": occupancy %s over %s agents", percent(v.Total), Thousands(int64(len(v.Agents))))
			if v.Title != period {
				s += " (" + v.Title + ")"
			}
			break
		}
	}
	if n := len(d.Holes); n == 1 {
		s += " [INCOMPLETE: 1 day missing or not whole]"
	} else if n > 1 {
		s += fmt.Sprintf(" [INCOMPLETE: %d days missing or not whole]", n)
	}
	return s
}

type pageView struct {
	Subject  string
	Job, Day string
	Sections []sectionView
	Ingest   string
	Holes    []Hole
	// Zipped: the files go in one zip, ZipName; Omitted: they are not
	// attached, being over Cap even zipped.
	Zipped, Omitted bool
	ZipName, Cap    string
}

type sectionView struct {
	Figures
	Headlines []Headline
	// CompareWith names the period the changes are against; NoCompare
	// says why there are none.
	CompareWith, NoCompare string
	Target                 string // "85%", or empty
	Attention              Attention
	Spread                 Spread
	// The chart, shown ChartWidth CSS pixels wide (no height, so that a
	// reader that blocks pictures shows the alternative text in the room
	// it takes).
	ChartID          string
	ChartAlt         string
	ChartWidth       int
	TopRest          []Reason
	MoreRest         int
	TopLogouts       []LogoutCause
	MoreLogoutCauses int
	FileNames        []string
	FilePaths        []string
}

// megabytes formats a size in bytes as megabytes: "5 MB", "0.5 MB".
func megabytes(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', -1, 64) + " MB"
}

// percent formats an occupancy: 72.4%, or "-" when there is none.
func percent(o Occupancy) string {
	if !o.Known {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*o.Value)
}

// share formats a fraction as a percentage.
func share(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

// count formats a whole number (int or int64) with grouped thousands.
func count(n any) string {
	switch n := n.(type) {
	case int:
		return Thousands(int64(n))
	case int64:
		return Thousands(n)
	}
	return fmt.Sprint(n)
}

// pct formats a share, 0..1, as a whole percentage for the spread: "72%".
func pct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

// bar draws a histogram's bar in plain text: width 0..100 as up to 25
// characters.
func bar(width int) string {
	n := (width + 3) / 4
	return strings.Repeat("#", n)
}

// plural writes a count with its noun: "1 logout", "1,200 logouts".
func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Thousands(n) + " " + noun + "s"
}

var funcs = map[string]any{"plural": plural, "duration": Duration, "percent": percent, "share": share, "short": ShortLabel, "count": count, "pct": pct, "bar": bar}
