// Package billing turns agent events into agent operation bills.
//
// It holds the operation-type table of the Huawei CCS bill, the per-agent
// state machine of sessions, main states and overlays, and the day run that
// cuts conversations at five-minute marks and carries what is still open to
// the next day. It is pure domain logic: it knows no file, format, clock or
// database; the site zone arrives as a *time.Location in Config.
package billing
