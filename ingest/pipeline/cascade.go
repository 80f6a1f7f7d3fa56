package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
)

// Cascade ingests again, in order, each day after day that is stale (built
// on an open state of the day before that the lake no longer holds), from
// the inputs its manifest names, with base's settings. Each run may make
// the next day stale in turn. It stops, naming the day and the input, when
// an input is gone or changed.
func Cascade(ctx context.Context, base Plan, day billing.Date) error {
	lk := base.Lake
	days, err := lk.Days()
	if err != nil {
		return err
	}
	for _, d := range days {
		if !day.Before(d) {
			continue
		}
		state, reason, err := lk.Link(ctx, d)
		if err != nil {
			return err
		}
		if state != lake.StateStale {
			continue
		}
		m, _, err := lk.ReadManifest(d)
		if err != nil {
			return err
		}
		inputs, err := rerunInputs(d, &m)
		if err != nil {
			return fmt.Errorf("cascade stopped: %w", err)
		}
		if base.Log != nil {
			base.Log.Info("ingesting a stale day again", "day", d.String(), "reason", reason)
		}
		p := base
		p.Day, p.Inputs = &d, inputs
		if _, err := Run(ctx, p); err != nil {
			return fmt.Errorf("cascade: %w", err)
		}
	}
	return nil
}

// rerunInputs are the inputs day's manifest names, each with the format it
// was read in. It fails, naming the input, when one is gone or no longer
// what the run read.
func rerunInputs(day billing.Date, m *lake.Manifest) ([]ingest.Input, error) {
	if len(m.Inputs) == 0 {
		return nil, fmt.Errorf("%s needs its inputs, but its manifest names none", day)
	}
	var inputs []ingest.Input
	for _, in := range m.Inputs {
		sum, _, err := ingest.InputSHA256(context.Background(), in.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s needs input %s, which is gone: ingest %s with its inputs by hand, then --cascade again", day, in.Path, day)
		case err != nil:
			return nil, fmt.Errorf("%s needs input %s: %w", day, in.Path, err)
		case sum != in.SHA256:
			return nil, fmt.Errorf("%s needs input %s as it was read (sha256 %s), but it changed: ingest %s by hand, then --cascade again", day, in.Path, in.SHA256, day)
		}
		inputs = append(inputs, ingest.Input{Path: in.Path, Format: ingest.Format(in.Format)})
	}
	return inputs, nil
}
