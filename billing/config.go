package billing

import (
	"errors"
	"fmt"
	"time"
)

// Config is what the rules need to know about the site.
type Config struct {
	// Location is the site zone: days and five-minute marks are on its clock.
	Location *time.Location
	// ConversationAllTypes is the license switch for type-60 bills.
	ConversationAllTypes bool
	// ExtraTypes lists types the seed table bills nothing for that the site
	// wants billed anyway (for example 2 and 5 for idle and ringing time).
	ExtraTypes []int
	// SessionTimeout closes a session whose agent has been silent longer.
	SessionTimeout time.Duration
}

// DefaultConfig is the configuration of a site in UTC with the defaults of
// the contract.
func DefaultConfig() Config {
	return Config{Location: time.UTC, ConversationAllTypes: true, SessionTimeout: 24 * time.Hour}
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	if c.Location == nil {
		errs = append(errs, errors.New("billing: no site location"))
	}
	for _, t := range c.ExtraTypes {
		if !Known(t) {
			errs = append(errs, fmt.Errorf("billing.extra_types: %d is not an operation type", t))
		}
	}
	if c.SessionTimeout <= 0 {
		errs = append(errs, fmt.Errorf("billing.session_timeout: must be positive, got %s", c.SessionTimeout))
	}
	return errors.Join(errs...)
}

// billedTypes returns, per op type, whether it writes a bill under c.
// Conversations (4, 60) are decided per conversation, not here.
func (c Config) billedTypes() [maxOpType + 1]bool {
	var b [maxOpType + 1]bool
	for _, t := range opTypes {
		b[t.Code] = t.Billed
	}
	for _, t := range c.ExtraTypes {
		if Known(t) && !IsConversation(t) {
			b[t] = true
		}
	}
	return b
}
