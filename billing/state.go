package billing

import "time"

// OpenSpan is one span still open at the end of a run: the session (type 0,
// begin = login), the main state, or an overlay, as a Bill flagged open that
// ends at the next day's start. LastEvent is the time of the agent's last
// event, which the stale-session rule needs. A run's open spans are all the
// next run needs to go on.
type OpenSpan struct {
	Bill
	LastEvent time.Time
}
