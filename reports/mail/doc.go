// Package mail writes and delivers the e-mail of a job's reports.
//
// Compose reads a period's report files and writes a Message that says
// what needs doing, for 5 agents or 5,000: a subject with the period and
// its occupancy; the headline figures with their change against the period
// before and the target; who needs attention (lowest occupancy, longest
// rest, forced and system logouts, rejected records); the spread of
// occupancy over all agents (quantiles and a histogram); the top rest
// reasons and logout causes with short names. Every figure is text, in an
// HTML body of one column that reads on a phone and a desktop and with
// pictures blocked, and in a plain-text body; a bar chart of the lowest
// occupancy, an inline PNG with alternative text, adds to it. The report
// files go attached (one zip when they exceed the cap; their paths when
// even that does). Durations read "8 h 46 m" and large numbers group their
// thousands. The chart's text is drawn with the Go fonts through
// golang.org/x/image/font/opentype, and with a font file of the site's
// (Fonts) for the characters they lack. ComposeFailure writes the message
// of a run that failed: what failed, why, and no attachment.
//
// SMTP delivers a Message with github.com/wneessen/go-mail: STARTTLS is
// required unless the site says otherwise, credentials come from the
// caller (the command line reads them from the environment) and are never
// logged, and a delivery that fails for a reason that may pass is tried
// again after a wait that doubles each time.
package mail
