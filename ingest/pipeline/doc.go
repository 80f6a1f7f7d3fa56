// Package pipeline runs an ingest: it reads the inputs once (package
// ingest), gives every record its site-zone day and groups the events by
// day and agent within a memory budget, spilling to disk past it (package
// ingest/spill), bills each day agent by agent from the state the day
// before left open (package billing), and commits each day into the lake
// (package ingest/lake), whole or not at all. The data flows one way:
// readers → grouping → billing → lake.
//
// Run is the one entry point the command line, the nightly jobs and the
// tests use alike; a Plan says what to read, which day and where. A day
// run that looks wrong (too many rejects, no event used from a non-empty
// input) is not committed (RefusedRunError) unless the plan forces it.
package pipeline
