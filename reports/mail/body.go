package mail

import (
	htmltemplate "html/template"
	"sync"
	texttemplate "text/template"
)

// The HTML body is one column at most 640 pixels wide, every figure in it
// text: it reads on a 390-pixel phone, on a wide screen, and with the
// pictures blocked. Styles are inline, as mail readers want them; tables
// have at most three columns.
var htmlBody = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("html").Funcs(funcs).Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin: 0; padding: 0; background: #ffffff;">
<div style="max-width: 640px; margin: 0 auto; padding: 12px 14px; font-family: Arial, Helvetica, 'Noto Sans', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; color: #222222; font-size: 15px; line-height: 1.45; overflow-wrap: break-word; word-wrap: break-word;">
<h1 style="font-size: 20px; margin: 0 0 2px 0;">agentbill {{.Job}}</h1>
<p style="margin: 0 0 14px 0; color: #555555;">The reports of job {{.Job}} for {{.Day}}.</p>
{{- if .Holes}}
<div style="margin: 0 0 16px 0; padding: 8px 12px; background: #fff4e5; border-left: 4px solid #d9822b;">
<p style="margin: 0 0 6px 0;"><strong>Incomplete: these days are missing from the lake, or not whole in it.</strong> The figures below leave them out or count them as they are:</p>
<ul style="margin: 0; padding-left: 20px;">
{{- range .Holes}}
<li><strong>{{.Day}} {{.State}}</strong>: {{.Reason}}. Repair: <code style="word-break: break-all;">{{.Repair}}</code></li>
{{- end}}
</ul>
</div>
{{- end}}
{{- if .Ingest}}
<p style="margin: 0 0 14px 0;">Ingest of {{.Day}}: {{.Ingest}}.</p>
{{- end}}
{{- range .Sections}}
<h2 style="font-size: 18px; margin: 22px 0 8px 0; padding-bottom: 2px; border-bottom: 2px solid #3b73b9;">{{.Title}}</h2>
{{- if .Headlines}}
<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%;">
{{- range .Headlines}}
<tr style="border-bottom: 1px solid #eeeeee;"><td style="padding: 6px 10px 6px 0; color: #555555; vertical-align: top; width: 40%;">{{.Name}}</td><td style="padding: 6px 0; vertical-align: top;"><strong style="font-size: 17px;">{{.Value}}</strong>{{if .Change}}<br><span style="font-size: 13px; color: #555555;">{{.Change}}</span>{{end}}{{if .Target}}<br><span style="font-size: 13px; color: #a33d00;">{{.Target}}</span>{{end}}</td></tr>
{{- end}}
</table>
{{- if .CompareWith}}
<p style="margin: 4px 0 0 0; font-size: 13px; color: #555555;">Changes are against {{.CompareWith}}.</p>
{{- else if .NoCompare}}
<p style="margin: 4px 0 0 0; font-size: 13px; color: #555555;">No change shown: {{.NoCompare}}.</p>
{{- end}}
{{- end}}
{{- if .HasOccupancy}}
<h3 style="font-size: 16px; margin: 18px 0 6px 0;">Needs attention</h3>
{{- with .Attention}}
<p style="margin: 0 0 4px 0;"><strong>Lowest occupancy</strong></p>
<table cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%; font-size: 14px;">
<tr style="background: #f2f2f2;"><th align="left" style="padding: 4px 6px; white-space: nowrap;">Agent</th><th align="right" style="padding: 4px 6px; white-space: nowrap;">Occupancy</th><th align="right" style="padding: 4px 6px; white-space: nowrap;">Logged in</th></tr>
{{- range .Lowest}}
<tr style="border-top: 1px solid #e5e5e5;"><td style="padding: 4px 6px; word-break: break-word;">{{.Agent}}</td><td align="right" style="padding: 4px 6px; white-space: nowrap;"><strong>{{if .Known}}{{percent .}}{{else}}no time{{end}}</strong></td><td align="right" style="padding: 4px 6px; white-space: nowrap;">{{duration .LoggedIn}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .Target}}
<p style="margin: 4px 0 0 0; font-size: 13px; color: #a33d00;">{{count .Attention.BelowTarget}} of {{count .Attention.Agents}} agents below the {{.Target}} target.</p>
{{- end}}
{{- with .Attention}}
{{- if .Resting}}
<p style="margin: 14px 0 4px 0;"><strong>Longest rest</strong> (share of logged-in time)</p>
<table cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%; font-size: 14px;">
{{- range .Resting}}
<tr style="border-top: 1px solid #e5e5e5;"><td style="padding: 4px 6px; word-break: break-word;">{{.Agent}}</td><td align="right" style="padding: 4px 6px; white-space: nowrap;"><strong>{{share .RestShare}}</strong></td><td align="right" style="padding: 4px 6px; white-space: nowrap;">{{duration .Rest}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .Logouts}}
<p style="margin: 14px 0 4px 0;"><strong>Forced and system logouts</strong></p>
<table cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%; font-size: 14px;">
{{- range .Logouts}}
<tr style="border-top: 1px solid #e5e5e5;"><td style="padding: 4px 6px; word-break: break-word;">{{.Agent}}</td><td align="right" style="padding: 4px 6px; white-space: nowrap;">{{if .Forced}}{{count .Forced}} forced{{end}}{{if and .Forced .System}}, {{end}}{{if .System}}{{count .System}} system{{end}}</td></tr>
{{- end}}
</table>
{{- if .MoreLogouts}}
<p style="margin: 2px 0 0 0; font-size: 13px; color: #555555;">And {{count .MoreLogouts}} more agents in the logout_causes file.</p>
{{- end}}
{{- end}}
{{- if .HasRejects}}
{{- if .RejectsTotal}}
<p style="margin: 14px 0 4px 0;"><strong>Rejected input records</strong>: {{count .RejectsTotal}}{{if .Unnamed}}, {{count .Unnamed}} of them naming no agent{{end}}</p>
{{- if .Rejects}}
<table cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%; font-size: 14px;">
{{- range .Rejects}}
<tr style="border-top: 1px solid #e5e5e5;"><td style="padding: 4px 6px; word-break: break-word;">{{.Agent}}</td><td align="right" style="padding: 4px 6px; white-space: nowrap;">{{count .Count}} rejected</td></tr>
{{- end}}
</table>
{{- if .MoreRejects}}
<p style="margin: 2px 0 0 0; font-size: 13px; color: #555555;">And {{count .MoreRejects}} more agents; the lake's rejects table has every record.</p>
{{- end}}
{{- end}}
{{- else}}
<p style="margin: 14px 0 0 0;"><strong>Rejected input records</strong>: none.</p>
{{- end}}
{{- end}}
{{- end}}
<p style="margin: 16px 0 0 0;"><img src="cid:{{.ChartID}}" alt="{{.ChartAlt}}" width="{{.ChartWidth}}" style="display: block; width: 100%; max-width: {{.ChartWidth}}px; height: auto; border: 0;"></p>
<h3 style="font-size: 16px; margin: 18px 0 6px 0;">Occupancy over all {{count (len .Agents)}} agents</h3>
{{- with .Spread}}
{{- if .Measured}}
<p style="margin: 0 0 6px 0;">Lowest <strong>{{pct .Lowest}}</strong> · 10th percentile <strong>{{pct .P10}}</strong> · median <strong>{{pct .Median}}</strong> · 90th percentile <strong>{{pct .P90}}</strong> · highest <strong>{{pct .Highest}}</strong></p>
<table cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%; font-size: 13px;">
{{- range .Bins}}
<tr><td style="padding: 2px 8px 2px 0; white-space: nowrap; color: #555555;">{{.Label}}</td><td style="padding: 2px 0; width: 100%;">{{if .Count}}<div style="height: 14px; width: {{.Width}}%; background: {{if .BelowTarget}}#d9822b{{else}}#3b73b9{{end}};"></div>{{end}}</td><td align="right" style="padding: 2px 0 2px 8px; white-space: nowrap;">{{count .Count}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- if .NoTime}}
<p style="margin: 4px 0 0 0; font-size: 13px; color: #555555;">{{count .NoTime}} agents logged in with no talk, work or available time.</p>
{{- end}}
{{- end}}
{{- if .Target}}
<p style="margin: 4px 0 0 0; font-size: 13px; color: #555555;">Orange bars lie wholly below the {{.Target}} target.</p>
{{- end}}
{{- end}}
{{- if .HasRest}}
<h3 style="font-size: 16px; margin: 18px 0 6px 0;">Top rest and busy reasons</h3>
{{- if .TopRest}}
<table cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%; font-size: 14px;">
<tr style="background: #f2f2f2;"><th align="left" style="padding: 4px 6px; white-space: nowrap;">Reason</th><th align="right" style="padding: 4px 6px; white-space: nowrap;">Total</th><th align="right" style="padding: 4px 6px; white-space: nowrap;">Share</th></tr>
{{- range .TopRest}}
<tr style="border-top: 1px solid #e5e5e5;"><td style="padding: 4px 6px; word-break: break-word;">{{short .Kind .Code .Label}} <span style="color: #555555; font-size: 12px;">{{.Kind}}, {{count .Count}}×</span></td><td align="right" style="padding: 4px 6px; white-space: nowrap;">{{duration .Seconds}}</td><td align="right" style="padding: 4px 6px; white-space: nowrap;">{{share .Share}}</td></tr>
{{- end}}
</table>
<p style="margin: 2px 0 0 0; font-size: 13px; color: #555555;">Share: of logged-in time.{{if .MoreRest}} And {{count .MoreRest}} more reasons in the rest_reasons file.{{end}}</p>
{{- else}}
<p>No rest or busy time.</p>
{{- end}}
{{- end}}
{{- if .HasLogouts}}
<h3 style="font-size: 16px; margin: 18px 0 6px 0;">Logout causes</h3>
{{- if .TopLogouts}}
<table cellpadding="0" cellspacing="0" style="border-collapse: collapse; width: 100%; font-size: 14px;">
<tr style="background: #f2f2f2;"><th align="left" style="padding: 4px 6px; white-space: nowrap;">Cause</th><th align="right" style="padding: 4px 6px; white-space: nowrap;">Logouts</th><th align="right" style="padding: 4px 6px; white-space: nowrap;">Agents</th></tr>
{{- range .TopLogouts}}
<tr style="border-top: 1px solid #e5e5e5;"><td style="padding: 4px 6px; word-break: break-word;">{{short "logout" .Code .Label}} <span style="color: #555555; font-size: 12px;">{{.Category}}</span></td><td align="right" style="padding: 4px 6px;">{{count .Count}}</td><td align="right" style="padding: 4px 6px;">{{count .Agents}}</td></tr>
{{- end}}
</table>
{{- if .MoreLogoutCauses}}
<p style="margin: 2px 0 0 0; font-size: 13px; color: #555555;">And {{count .MoreLogoutCauses}} more causes in the logout_causes file.</p>
{{- end}}
{{- else}}
<p>No logouts.</p>
{{- end}}
{{- end}}
{{- if $.Omitted}}
<p style="margin: 16px 0 0 0; color: #555555; font-size: 13px;">Not attached (over {{$.Cap}} even zipped); on the server: {{range $i, $f := .FilePaths}}{{if $i}}, {{end}}<code style="word-break: break-all;">{{$f}}</code>{{end}}.</p>
{{- else if $.Zipped}}
<p style="margin: 16px 0 0 0; color: #555555; font-size: 13px;">In the attached {{$.ZipName}} (over {{$.Cap}} unzipped): {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}.</p>
{{- else}}
<p style="margin: 16px 0 0 0; color: #555555; font-size: 13px; word-break: break-word;">Attached: {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}.</p>
{{- end}}
{{- end}}
</div>
</body>
</html>
`))
})

var textBody = sync.OnceValue(func() *texttemplate.Template {
	return texttemplate.Must(texttemplate.New("text").Funcs(funcs).Parse(`agentbill {{.Job}}: reports for {{.Day}}
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
{{- if .Headlines}}
{{range .Headlines}}
{{.Name}}: {{.Value}}{{if .Change}} ({{.Change}}){{end}}{{if .Target}}; {{.Target}}{{end}}
{{- end}}
{{- if .CompareWith}}
Changes are against {{.CompareWith}}.
{{- else if .NoCompare}}
No change shown: {{.NoCompare}}.
{{- end}}
{{- end}}
{{- if .HasOccupancy}}
{{- with .Attention}}

NEEDS ATTENTION

Lowest occupancy:
{{- range .Lowest}}
  {{.Agent}}: {{if .Known}}{{percent .}}{{else}}no time{{end}}, logged in {{duration .LoggedIn}}
{{- end}}
{{- end}}
{{- if .Target}}
  {{count .Attention.BelowTarget}} of {{count .Attention.Agents}} agents below the {{.Target}} target.
{{- end}}
{{- with .Attention}}
{{- if .Resting}}

Longest rest (share of logged-in time):
{{- range .Resting}}
  {{.Agent}}: {{share .RestShare}}, {{duration .Rest}}
{{- end}}
{{- end}}
{{- if .Logouts}}

Forced and system logouts:
{{- range .Logouts}}
  {{.Agent}}: {{if .Forced}}{{count .Forced}} forced{{end}}{{if and .Forced .System}}, {{end}}{{if .System}}{{count .System}} system{{end}}
{{- end}}
{{- if .MoreLogouts}}
  and {{count .MoreLogouts}} more agents in the logout_causes file
{{- end}}
{{- end}}
{{- if .HasRejects}}

Rejected input records: {{if .RejectsTotal}}{{count .RejectsTotal}}{{if .Unnamed}}, {{count .Unnamed}} of them naming no agent{{end}}{{else}}none{{end}}
{{- range .Rejects}}
  {{.Agent}}: {{count .Count}} rejected
{{- end}}
{{- if .MoreRejects}}
  and {{count .MoreRejects}} more agents; the lake's rejects table has every record
{{- end}}
{{- end}}
{{- end}}

Occupancy over all {{count (len .Agents)}} agents:
{{- with .Spread}}
{{- if .Measured}}
  lowest {{pct .Lowest}}, 10th percentile {{pct .P10}}, median {{pct .Median}}, 90th percentile {{pct .P90}}, highest {{pct .Highest}}
{{- range .Bins}}
  {{printf "%-8s %6s" .Label (count .Count)}}{{if .Count}} {{bar .Width}}{{if .BelowTarget}} (below target){{end}}{{end}}
{{- end}}
{{- end}}
{{- if .NoTime}}
  {{count .NoTime}} agents logged in with no talk, work or available time
{{- end}}
{{- end}}
{{- end}}
{{- if .HasRest}}

Top rest and busy reasons (share of logged-in time):
{{- range .TopRest}}
  {{short .Kind .Code .Label}} ({{.Kind}}): {{plural .Count "time"}}, {{duration .Seconds}}, {{share .Share}}
{{- else}}
  none
{{- end}}
{{- if .MoreRest}}
  and {{count .MoreRest}} more reasons in the rest_reasons file
{{- end}}
{{- end}}
{{- if .HasLogouts}}

Logout causes:
{{- range .TopLogouts}}
  {{short "logout" .Code .Label}} ({{.Category}}): {{plural .Count "logout"}}, {{plural .Agents "agent"}}
{{- else}}
  none
{{- end}}
{{- if .MoreLogoutCauses}}
  and {{count .MoreLogoutCauses}} more causes in the logout_causes file
{{- end}}
{{- end}}

{{if $.Omitted}}Not attached (over {{$.Cap}} even zipped); on the server: {{range $i, $f := .FilePaths}}{{if $i}}, {{end}}{{$f}}{{end}}
{{- else if $.Zipped}}In the attached {{$.ZipName}} (over {{$.Cap}} unzipped): {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}
{{- else}}Attached: {{range $i, $f := .FileNames}}{{if $i}}, {{end}}{{$f}}{{end}}
{{- end}}
{{end}}`))
})
