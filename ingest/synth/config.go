package synth

import (
	"errors"
	"fmt"
	"time"

	"github.com/agentbill/agentbill/billing"
)

// MaxAgents is the largest number of agents a Config may ask for.
const MaxAgents = 1_000_000

// Config says what to generate.
type Config struct {
	// Agents is the number of agents, A0001 upwards.
	Agents int
	// Start is the first site-zone day; Days is how many days follow it.
	// Shifts begin on these days, and only events inside
	// [Start 00:00, Start+Days 00:00) are emitted: a night shift of the last
	// day is left open at the end.
	Start billing.Date
	Days  int
	// Location is the site zone whose wall clock the shifts follow; nil
	// means UTC.
	Location *time.Location
	// Seed chooses the run; the same Config always gives the same events.
	Seed int64
	// BadShare is the share of records whose rendered line the writer
	// should spoil with Damage (Record.Fault); 0 gives none.
	BadShare float64
	// DupShare is the share of events emitted twice in a row, as exact
	// duplicates; 0 gives none.
	DupShare float64
}

// ErrConfig is wrapped by every error Validate returns.
var ErrConfig = errors.New("synth config")

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	switch {
	case c.Agents < 1 || c.Agents > MaxAgents:
		return fmt.Errorf("%w: agents %d: want 1..%d", ErrConfig, c.Agents, MaxAgents)
	case c.Days < 1:
		return fmt.Errorf("%w: days %d: want at least 1", ErrConfig, c.Days)
	case c.Start.IsZero():
		return fmt.Errorf("%w: start date missing", ErrConfig)
	case !(c.BadShare >= 0 && c.BadShare <= 1):
		return fmt.Errorf("%w: bad share %v: want 0..1", ErrConfig, c.BadShare)
	case !(c.DupShare >= 0 && c.DupShare <= 1):
		return fmt.Errorf("%w: duplicate share %v: want 0..1", ErrConfig, c.DupShare)
	}
	if d := c.Start; billing.DateOf(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)) != d {
		return fmt.Errorf("%w: start %s is not a calendar date", ErrConfig, d)
	}
	return nil
}

func (c Config) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}
