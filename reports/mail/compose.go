package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"os"
	"path/filepath"
	"strconv"
	texttemplate "text/template"
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
	maxChartBars   = 30
	maxAgentRows   = 50
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
	// Logouts: logout causes, most frequent first.
	HasLogouts bool
	Logouts    []LogoutCause
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
				f.Logouts, err = ReadLogoutCauses(r)
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

// Chart is the section's occupancy chart: one bar per agent (the busiest
// first, at most 30) and one for all agents.
func (f Figures) Chart() Chart {
	c := Chart{
		Title:    "Occupancy by agent, " + f.Title,
		Subtitle: "(talk + work) / (talk + work + available)",
		Total:    &Bar{Label: "All agents", Value: f.Total.Value, Known: f.Total.Known},
	}
	for i, a := range f.Agents {
		if i == maxChartBars {
			c.Note = fmt.Sprintf("and %d more agents in the occupancy file", len(f.Agents)-maxChartBars)
			break
		}
		c.Bars = append(c.Bars, Bar{Label: a.Agent, Value: a.Value, Known: a.Known})
	}
	return c
}

// Compose reads the report files of d and writes its message: a subject
// with the first section's occupancy, an HTML body with each section's
// headline figures (occupancy by agent, top rest reasons, logout causes)
// and a chart of occupancy by agent (an inline PNG with alternative text),
// a plain-text body saying the same, and the files attached: as they are,
// zipped, or (over the cap even zipped) named by their paths.
func Compose(d Digest) (*Message, error) {
	m := &Message{To: d.To, Date: d.Date}
	var views []sectionView
	for i, s := range d.Sections {
		fig, err := ReadFigures(s.Title, s.Files)
		if err != nil {
			return nil, err
		}
		v := sectionView{Figures: fig}
		if fig.HasOccupancy {
			chart := fig.Chart()
			var png bytes.Buffer
			if err := chart.WritePNG(&png); err != nil {
				return nil, err
			}
			b := chart.Image().Bounds()
			v.ChartID = fmt.Sprintf("occupancy-%d.png", i+1)
			v.ChartAlt = chart.Alt()
			v.ChartWidth, v.ChartHeight = b.Dx(), b.Dy()
			m.Inline = append(m.Inline, Part{Name: v.ChartID, ContentType: "image/png", ContentID: v.ChartID, Data: png.Bytes()})
			v.AgentRows = fig.Agents[:min(len(fig.Agents), maxAgentRows)]
			v.MoreAgents = len(fig.Agents) - len(v.AgentRows)
		}
		v.TopRest = fig.Rest[:min(len(fig.Rest), maxRestReasons)]
		v.TopLogouts = fig.Logouts[:min(len(fig.Logouts), maxLogouts)]
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
	if err := htmlBody.Execute(&html, page); err != nil {
		return nil, err
	}
	if err := textBody.Execute(&text, page); err != nil {
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
	ChartID                 string
	ChartAlt                string
	ChartWidth, ChartHeight int
	AgentRows               []Occupancy
	MoreAgents              int
	TopRest                 []Reason
	TopLogouts              []LogoutCause
	FileNames               []string
	FilePaths               []string
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

var funcs = map[string]any{"duration": Duration, "percent": percent, "share": share, "short": ShortLabel, "count": count}

var htmlBody = htmltemplate.Must(htmltemplate.New("html").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #222222; font-size: 14px; line-height: 1.4; max-width: 820px;">
<h1 style="font-size: 20px; margin: 0 0 4px 0;">agentbill {{.Job}}</h1>
<p style="margin: 0 0 16px 0; color: #555555;">The reports of job {{.Job}} for {{.Day}}.</p>
{{- if .Holes}}
<div style="margin: 0 0 16px 0; padding: 8px 12px; background: #fff4e5; border-left: 4px solid #d9822b;">
<p style="margin: 0 0 6px 0;"><strong>Incomplete: these days are missing from the lake, or not whole in it.</strong> The figures below leave them out or count them as they are:</p>
<ul style="margin: 0; padding-left: 20px;">
{{- range .Holes}}
<li><strong>{{.Day}} {{.State}}</strong>: {{.Reason}}. Repair: <code>{{.Repair}}</code></li>
{{- end}}
</ul>
</div>
{{- end}}
{{- if .Ingest}}
<p style="margin: 0 0 16px 0;">Ingest of {{.Day}}: {{.Ingest}}.</p>
{{- end}}
{{- range .Sections}}
<h2 style="font-size: 17px; margin: 24px 0 8px 0; border-bottom: 1px solid #d9d9d9;">{{.Title}}</h2>
{{- if .HasOccupancy}}
<p style="margin: 0 0 12px 0;"><strong>Occupancy {{percent .Total}}</strong> over {{count (len .Agents)}} agents:
logged in {{duration .Total.LoggedIn}}, talk {{duration .Total.Talk}}, work {{duration .Total.Work}}, available {{duration .Total.Available}}.</p>
<p style="margin: 0 0 12px 0;"><img src="cid:{{.ChartID}}" alt="{{.ChartAlt}}" width="{{.ChartWidth}}" height="{{.ChartHeight}}" style="max-width: 100%; height: auto; border: 0;"></p>
<h3 style="font-size: 15px; margin: 16px 0 6px 0;">Occupancy by agent</h3>
<table cellpadding="4" cellspacing="0" style="border-collapse: collapse; font-size: 13px;">
<tr style="background: #f2f2f2;"><th align="left">Agent</th><th align="right">Logged in</th><th align="right">Talk</th><th align="right">Work</th><th align="right">Available</th><th align="right">Occupancy</th></tr>
{{- range .AgentRows}}
<tr style="border-top: 1px solid #e5e5e5;"><td>{{.Agent}}</td><td align="right">{{duration .LoggedIn}}</td><td align="right">{{duration .Talk}}</td><td align="right">{{duration .Work}}</td><td align="right">{{duration .Available}}</td><td align="right"><strong>{{percent .}}</strong></td></tr>
{{- end}}
</table>
{{- if .MoreAgents}}
<p style="color: #555555;">And {{count .MoreAgents}} more agents in the occupancy file.</p>
{{- end}}
{{- end}}
{{- if .HasRest}}
<h3 style="font-size: 15px; margin: 16px 0 6px 0;">Top rest reasons</h3>
{{- if .TopRest}}
<table cellpadding="4" cellspacing="0" style="border-collapse: collapse; font-size: 13px;">
<tr style="background: #f2f2f2;"><th align="left">Reason</th><th align="left">Kind</th><th align="right">Times</th><th align="right">Total</th><th align="right">Share of logged-in time</th></tr>
{{- range .TopRest}}
<tr style="border-top: 1px solid #e5e5e5;"><td>{{short .Kind .Code .Label}}</td><td>{{.Kind}}</td><td align="right">{{count .Count}}</td><td align="right">{{duration .Seconds}}</td><td align="right">{{share .Share}}</td></tr>
{{- end}}
</table>
{{- else}}
<p>No rest or busy time.</p>
{{- end}}
{{- end}}
{{- if .HasLogouts}}
<h3 style="font-size: 15px; margin: 16px 0 6px 0;">Logout causes</h3>
{{- if .TopLogouts}}
<table cellpadding="4" cellspacing="0" style="border-collapse: collapse; font-size: 13px;">
<tr style="background: #f2f2f2;"><th align="left">Cause</th><th align="left">Category</th><th align="right">Logouts</th><th align="right">Agents</th></tr>
{{- range .TopLogouts}}
<tr style="border-top: 1px solid #e5e5e5;"><td>{{short "logout" .Code .Label}}</td><td>{{.Category}}</td><td align="right">{{count .Count}}</td><td align="right">{{count .Agents}}</td></tr>
{{- end}}
</table>
{{- else}}
<p>No logouts.</p>
{{- end}}
{{- end}}
{{- if $.Omitted}}
<p style="color: #555555; font-size: 12px;">Not attached (over {{$.Cap}} even zipped); on the server: {{range $i, $f := .FilePaths}}{{if $i}}, {{end}}<code>{{$f}}</code>{{end}}.</p>
{{- else if $.Zipped}}
<p style="color: #555555; font-size: 12px;">In the attached {{$.ZipName}} (over {{$.Cap}} unzipped): {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}.</p>
{{- else}}
<p style="color: #555555; font-size: 12px;">Attached: {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}.</p>
{{- end}}
{{- end}}
</body>
</html>
`))

var textBody = texttemplate.Must(texttemplate.New("text").Funcs(funcs).Parse(`agentbill {{.Job}}: reports for {{.Day}}
{{- if .Holes}}

INCOMPLETE: these days are missing from the lake, or not whole in it; the figures below leave them out or count them as they are:
{{- range .Holes}}
  {{.Day}} {{.State}}: {{.Reason}}. Repair: {{.Repair}}
{{- end}}
{{- end}}
{{- if .Ingest}}

Ingest of {{.Day}}: {{.Ingest}}.
{{- end}}
{{range .Sections}}
== {{.Title}} ==
{{- if .HasOccupancy}}

Occupancy {{percent .Total}} over {{count (len .Agents)}} agents: logged in {{duration .Total.LoggedIn}}, talk {{duration .Total.Talk}}, work {{duration .Total.Work}}, available {{duration .Total.Available}}.

Occupancy by agent:
{{- range .AgentRows}}
  {{printf "%-16s %7s  logged in %s" .Agent (percent .) (duration .LoggedIn)}}
{{- end}}
{{- if .MoreAgents}}
  and {{count .MoreAgents}} more agents in the occupancy file
{{- end}}
{{- end}}
{{- if .HasRest}}

Top rest reasons:
{{- range .TopRest}}
  {{.Kind}} {{short .Kind .Code .Label}}: {{count .Count}} times, {{duration .Seconds}}, {{share .Share}} of logged-in time
{{- else}}
  none
{{- end}}
{{- end}}
{{- if .HasLogouts}}

Logout causes:
{{- range .TopLogouts}}
  {{short "logout" .Code .Label}} ({{.Category}}): {{count .Count}} logouts, {{count .Agents}} agents
{{- else}}
  none
{{- end}}
{{- end}}

{{if $.Omitted}}Not attached (over {{$.Cap}} even zipped); on the server: {{range $i, $f := .FilePaths}}{{if $i}}, {{end}}{{$f}}{{end}}
{{- else if $.Zipped}}In the attached {{$.ZipName}} (over {{$.Cap}} unzipped): {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}
{{- else}}Attached: {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}
{{- end}}
{{end}}`))
