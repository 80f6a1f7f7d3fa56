// Package synth makes realistic, deterministic canonical agent events for
// demos, tests and benchmarks.
//
// Each agent works a shift (early, day, late, or a night shift that crosses
// midnight) on the site zone's wall clock: login, calls and chats with
// ringing, conversation, hold, transfer and after-call work, busy spells,
// breaks, lunch, study, the odd re-login or forced logout, and logout. Every
// agent-day draws from its own random stream seeded by (seed, agent, day),
// and the agents are merged into one time-ordered stream, so memory grows
// with the number of agents, never with the number of events. The package
// knows no file format: a writer renders the events, and Damage spoils the
// lines a Config asks to be bad.
package synth
