package mail

import (
	"bytes"
	htmltemplate "html/template"
	"sync"
	texttemplate "text/template"
	"time"
)

// Failure is what a job mails when a run fails before its reports go out,
// so that the people who wait for them hear why.
type Failure struct {
	Job string
	Day string // the logical day, YYYY-MM-DD
	To  []string
	// NotBilled says the day's ingest failed: the day is not in the lake.
	NotBilled bool
	// Error is why the run failed, as its error says it.
	Error string
	// Date is the message's date; zero means when it is sent.
	Date time.Time
}

// ComposeFailure writes the message of f: a subject and a first line that
// say the run failed (and, when the ingest failed, that the day was NOT
// billed), the error, how the day is run again, and no attachment: reports
// would cover a day that is not in the lake, or a period that is not whole.
func ComposeFailure(f Failure) (*Message, error) {
	m := &Message{To: f.To, Date: f.Date}
	if f.NotBilled {
		m.Subject = "agentbill " + f.Job + ", " + f.Day + ": FAILED, the day was NOT billed"
	} else {
		m.Subject = "agentbill " + f.Job + ", " + f.Day + ": FAILED, no reports"
	}
	page := struct {
		Failure
		Subject string
	}{f, m.Subject}
	var html, text bytes.Buffer
	if err := failureHTML().Execute(&html, page); err != nil {
		return nil, err
	}
	if err := failureText().Execute(&text, page); err != nil {
		return nil, err
	}
	m.HTML, m.Text = html.String(), text.String()
	return m, nil
}

var failureHTML = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("failure").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #222222; font-size: 14px; line-height: 1.4; max-width: 820px;">
<h1 style="font-size: 20px; margin: 0 0 4px 0;">agentbill {{.Job}}</h1>
<p style="margin: 0 0 16px 0; padding: 8px 12px; background: #fdecea; border-left: 4px solid #b00020; font-weight: bold;">
{{- if .NotBilled}}{{.Day}} was NOT billed: its ingest failed, so the lake does not have the day.
{{- else}}The job failed for {{.Day}}: no reports were sent.{{end}}</p>
<p style="margin: 0 0 6px 0;">Why:</p>
<pre style="margin: 0 0 16px 0; padding: 8px; background: #f2f2f2; white-space: pre-wrap; font-size: 13px;">{{.Error}}</pre>
<p style="margin: 0 0 12px 0;">No reports are attached:
{{- if .NotBilled}} they would cover a day that is not in the lake.{{else}} they would not cover what happened.{{end}}</p>
<p style="margin: 0 0 12px 0;">The job tries {{.Day}} again when it next starts. Once the cause is dealt with, <code>agentbill run {{.Job}} --date {{.Day}}</code> runs it at once.</p>
</body>
</html>
`))
})

var failureText = sync.OnceValue(func() *texttemplate.Template {
	return texttemplate.Must(texttemplate.New("failure").Parse(`agentbill {{.Job}}: FAILED for {{.Day}}

{{if .NotBilled}}{{.Day}} was NOT billed: its ingest failed, so the lake does not have the day.
{{- else}}The job failed for {{.Day}}: no reports were sent.{{end}}

Why:
{{.Error}}

No reports are attached:
{{- if .NotBilled}} they would cover a day that is not in the lake.{{else}} they would not cover what happened.{{end}}

The job tries {{.Day}} again when it next starts. Once the cause is dealt with,
"agentbill run {{.Job}} --date {{.Day}}" runs it at once.
`))
})
