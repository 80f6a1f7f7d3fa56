// Package config loads the site's settings for agentbill.
//
// A Config is read once, at the edge of the program, from an optional YAML
// file and from AGENTBILL_ environment variables that override it; every key
// has a default, misspelt keys are refused, and Validate checks the values
// before any event is read. Find says which file to read (--config, else
// AGENTBILL_CONFIG, else DefaultPath when it exists); relative paths in the
// file are taken from its folder. LoadSources also says where each setting
// came from, and Settings lists them for people, secrets redacted. Only this
// package and cmd know about viper and the environment: the rest of the
// pipeline receives plain values.
package config
