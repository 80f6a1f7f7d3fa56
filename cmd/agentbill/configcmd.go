package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/config"
	"github.com/agentbill/agentbill/reports"
)

func (a *app) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show the effective config: every setting, its value and where it came from",
		Long: `Config prints the settings agentbill runs with, one per line: the key, where
its value came from (file: the config file; env and the variable's name: an
AGENTBILL_ environment variable; default), and the value. Secrets are shown as
<redacted>. Relative paths in the file are shown as taken from the file's
folder.

The config file is --config FILE, else the file AGENTBILL_CONFIG names, else
` + config.DefaultPath + ` when it exists, else none (the defaults and the
environment). "agentbill config validate" checks a file without running
anything.`,
		Args:        cobra.NoArgs,
		Annotations: noConfig,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.showConfig()
		},
	}
	cmd.AddCommand(a.configValidateCmd())
	return cmd
}

func (a *app) showConfig() error {
	path, found := config.Find(a.configPath, a.env)
	l, err := config.LoadSources(path, a.env)
	if err != nil {
		return configError(path, found, err)
	}
	switch found {
	case "":
		fmt.Fprintf(a.stdout, "# no config file (--config, %s or %s): defaults and the environment\n", config.EnvConfig, config.DefaultPath)
	case config.FoundDefault:
		fmt.Fprintf(a.stdout, "# config file %s (the default path); relative paths in it are from %s\n", l.File, filepath.Dir(l.File))
	default:
		fmt.Fprintf(a.stdout, "# config file %s (named by %s); relative paths in it are from %s\n", l.File, found, filepath.Dir(l.File))
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tSOURCE\tVALUE")
	for _, s := range l.Settings() {
		fmt.Fprintf(w, "%s\t%s\t%s\n", s.Key, s.Source, s.Value)
	}
	return w.Flush()
}

func (a *app) configValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a config file without running anything",
		Long: `Validate reads a config file as every command would and checks each value:
known keys, types, time zone, schedules, mail settings; that reports.dir is a
folder whose reports load; and that every report a job names exists. It runs
nothing and changes nothing. FILE defaults to the config file agentbill would
read (--config, AGENTBILL_CONFIG, ` + config.DefaultPath + `). The
AGENTBILL_* variables are not applied: it checks what the file says.

Exit status: 0 valid, 1 invalid (each problem names its key), 2 usage.`,
		Example: `  agentbill config validate /etc/agentbill/agentbill.yaml
  AGENTBILL_CONFIG=./site.yaml agentbill config validate`,
		Args:              cobra.MaximumNArgs(1),
		Annotations:       noConfig,
		ValidArgsFunction: yamlFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, _ := config.Find(a.configPath, a.env)
			if len(args) == 1 {
				path = args[0]
			}
			if path == "" {
				return usageErrorf("no config file to validate: give FILE, --config or %s (%s does not exist)", config.EnvConfig, config.DefaultPath)
			}
			return a.validateConfig(path)
		},
	}
}

// validateConfig checks the config file at path alone, without the
// environment.
func (a *app) validateConfig(path string) error {
	l, err := config.LoadSources(path, nil)
	if err == nil {
		err = checkReports(l.Config)
	}
	if err != nil {
		return fmt.Errorf("%s is not valid:\n%w", path, err)
	}
	fmt.Fprintf(a.stdout, "%s: valid (%d job(s), lake %s)\n", path, len(l.Jobs), l.Lake)
	return nil
}

// checkReports checks what the config says of reports: reports.dir is a
// folder whose reports load, and each report a job names exists.
func checkReports(c config.Config) error {
	catalog, err := reportCatalog(c.Reports.Dir)
	if err != nil {
		return err
	}
	var names []string
	for _, r := range catalog {
		names = append(names, r.Name)
	}
	var errs []error
	for i, j := range c.Jobs {
		for _, name := range j.ReportNames {
			if name != reports.All && !slices.Contains(names, name) {
				errs = append(errs, fmt.Errorf("jobs[%d] (%s).report_names: no report %q (have %s)", i, j.Name, name, strings.Join(names, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}
