// Package mail writes and delivers the e-mail of a job's reports.
//
// Compose reads a period's report files and writes a Message that people
// can take in at a glance: a subject with the period and its occupancy, an HTML
// body with the headline figures (occupancy by agent, the top rest
// reasons, the logout causes) and a bar chart of occupancy by agent as an
// inline PNG with alternative text, a plain-text body saying the same, and
// the report files attached (one zip when they exceed the cap; their paths
// when even that does). Codes carry short names, durations read
// "8 h 46 m" and large numbers group their thousands. The chart is drawn with the standard library
// and a small bitmap font of its own. ComposeFailure writes the message of
// a run that failed: what failed, why, and no attachment.
//
// SMTP delivers a Message with github.com/wneessen/go-mail: STARTTLS is
// required unless the site says otherwise, credentials come from the
// caller (the command line reads them from the environment) and are never
// logged, and a delivery that fails for a reason that may pass is tried
// again after a wait that doubles each time.
package mail
