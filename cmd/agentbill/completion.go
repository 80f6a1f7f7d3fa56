package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/config"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/ingest/lake"
	"github.com/agentbill/agentbill/reports"
)

// flagValues are the values shell completion offers for the flags of each
// command that has them, by command name and flag.
var flagValues = map[string]map[string][]string{
	"bills":    {"format": inputFormats()},
	"ingest":   {"format": inputFormats()},
	"query":    {"format": {reports.FormatTable, reports.FormatCSV, reports.FormatJSON}},
	"report":   {"format": {reports.FormatCSV, reports.FormatTable, reports.FormatJSON}},
	"export":   {"format": {"agentoprinfo", "csv"}, "order": {"source", "lake"}, "no-use": {"65535", "-1"}},
	"generate": {"format": {"events", "cti", "agentoprinfo", "connect"}, "layout": {"lines", "firehose"}},
	"status":   {"format": dayFormats},
	"check":    {"format": dayFormats},
	"ddl":      {"engine": lake.Engines},
}

// dateFlags take a date, which may be today or yesterday.
var dateFlags = []string{"date", "from", "to"}

// inputFormats are the names --format takes for inputs (see
// ingest.ParseFormat).
func inputFormats() []string {
	return ingest.FormatNames()
}

// registerCompletions makes shell completion offer job names (run JOB),
// report names (report NAME), and the values of flags that have a few.
func (a *app) registerCompletions(root *cobra.Command) {
	root.RegisterFlagCompletionFunc("log-format", fixed(logFormats))
	root.RegisterFlagCompletionFunc("log-level", fixed(logLevels))
	root.RegisterFlagCompletionFunc("config", yamlFiles)
	for _, cmd := range root.Commands() {
		for flag, values := range flagValues[cmd.Name()] {
			cmd.RegisterFlagCompletionFunc(flag, fixed(values))
		}
		for _, flag := range dateFlags {
			if cmd.Flags().Lookup(flag) != nil {
				cmd.RegisterFlagCompletionFunc(flag, fixed([]string{"yesterday", "today"}))
			}
		}
		if cmd.Flags().Lookup("lake") != nil {
			cmd.RegisterFlagCompletionFunc("lake", folders)
		}
		switch cmd.Name() {
		case "run":
			cmd.ValidArgsFunction = a.completeJobs
		case "report":
			cmd.ValidArgsFunction = a.completeReports
		}
	}
}

// fixed completes one of values.
func fixed(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, prefix) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// yamlFiles completes YAML file names.
func yamlFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

// folders completes folder names.
func folders(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

// completionConfig is the config as the command being completed would load
// it; ok is false when it does not load.
func (a *app) completionConfig() (config.Config, bool) {
	path, _ := config.Find(a.configPath, a.env)
	c, err := config.Load(path, a.env)
	return c, err == nil
}

// completeJobs completes the first argument with the names of the jobs of
// the config.
func (a *app) completeJobs(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, ok := a.completionConfig()
	if len(args) > 0 || !ok {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, j := range cfg.Jobs {
		if strings.HasPrefix(j.Name, prefix) {
			out = append(out, cobra.CompletionWithDesc(j.Name, j.Schedule))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeReports completes the first argument with the names of the
// reports, built in and the site's, and all.
func (a *app) completeReports(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	cfg, _ := a.completionConfig()
	list, err := reportCatalog(cfg.Reports.Dir)
	if err != nil {
		list = reports.BuiltIn()
	}
	var out []cobra.Completion
	for _, r := range list {
		if strings.HasPrefix(r.Name, prefix) {
			out = append(out, cobra.CompletionWithDesc(r.Name, r.Description))
		}
	}
	if strings.HasPrefix(reports.All, prefix) {
		out = append(out, cobra.CompletionWithDesc(reports.All, "every report"))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
