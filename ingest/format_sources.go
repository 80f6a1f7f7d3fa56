package ingest

import (
	"context"
	"io"
)

// sources are the registered input formats beyond the canonical events, in
// the order DetectFormat asks them. A new vendor's format is a file of its
// own and a line here.
var sources = []Source{
	connectSource,
	{Format: FormatCTI, Read: readCTI, Detect: detectCTI},
	{Format: FormatAgentOprInfo, Read: readAgentOprInfo, Detect: detectAgentOprInfo},
}

// readCTI reads CTI text with the site's mapping (the default one when
// Options has none).
func readCTI(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error) {
	m := DefaultCTIMapping()
	if opts.CTI != nil {
		m = *opts.CTI
	}
	return ReadCTI(ctx, r, name, opts, m, h)
}

func readAgentOprInfo(ctx context.Context, r io.Reader, name string, opts Options, h Handler) (Stats, error) {
	return ReadAgentOprInfo(ctx, r, name, opts, h)
}
