package config

import (
	"slices"

	"github.com/agentbill/agentbill/billing"
)

// BillingConfig is the part of the configuration the billing rules use.
// Call it on a validated Config.
func (c Config) BillingConfig() billing.Config {
	return billing.Config{
		Location:             c.Location(),
		ConversationAllTypes: c.Billing.ConversationAllTypes,
		ExtraTypes:           slices.Clone(c.Billing.ExtraTypes),
		SessionTimeout:       c.Billing.SessionTimeout,
	}
}
