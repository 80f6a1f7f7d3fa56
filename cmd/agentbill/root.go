package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/config"
	"github.com/agentbill/agentbill/ingest/lake"
)

// app is what every subcommand shares: the writers, the loaded config and
// the logger.
type app struct {
	stdout, stderr io.Writer
	env            []string
	configPath     string // --config
	logFormat      string // --log-format: text, json, or "" for text on a terminal
	logLevel       string // --log-level
	showVersion    bool   // --version
	cpuProfile     string // --cpuprofile: write a CPU profile here
	memProfile     string // --memprofile: write an allocation profile here
	tracePath      string // --trace: write an execution trace here
	stopProfiles   func() error
	cfg            config.Config
	configFile     string // the config file read; "" when none
	log            *slog.Logger
	logOut         *logWriter       // where the log writes
	logJSON        bool             // the log is JSON lines
	now            func() time.Time // the clock, for "yesterday" and run times
	// waitForLake makes a writer wait for the lake's lock instead of
	// failing at once (the scheduler's jobs wait for each other).
	waitForLake bool
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, env: os.Environ(), now: time.Now}
	return a.execute(ctx, args)
}

// execute runs the command line args and returns the exit code. An error
// goes to standard error once, in the log's format, unless the command
// logged it already.
func (a *app) execute(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	err := root.ExecuteContext(ctx)
	if a.stopProfiles != nil {
		err = errors.Join(err, a.stopProfiles())
	}
	if err == nil {
		return 0
	}
	if a.log == nil {
		// The command line was refused before the log was set up.
		a.setUpLog(time.UTC)
	}
	code := exitCode(err)
	var logged interface{ Logged() bool }
	switch {
	case errors.As(err, &logged) && logged.Logged():
		// The command logged it where it happened (a job's run).
	case a.logJSON && code == exitStopped:
		a.log.Warn("stopped", "exit_status", code)
	case a.logJSON:
		a.log.Error("failed", "error", err.Error(), "exit_status", code)
	case code == exitStopped:
		fmt.Fprintln(a.stderr, "agentbill: stopped")
	default:
		fmt.Fprintln(a.stderr, "agentbill:", err)
	}
	return code
}

// The exit statuses, for scripts and monitoring.
const (
	exitFailed   = 1   // the command failed
	exitUsage    = 2   // the command line is wrong
	exitLakeBusy = 75  // another writer holds the lake (EX_TEMPFAIL: try again later)
	exitStopped  = 130 // stopped by a signal
)

func exitCode(err error) int {
	var usage usageError
	switch {
	case errors.Is(err, context.Canceled):
		return exitStopped
	case errors.Is(err, lake.ErrBusy):
		return exitLakeBusy
	case errors.As(err, &usage), strings.HasPrefix(err.Error(), "unknown command "):
		return exitUsage
	}
	return exitFailed
}

// usageError is a mistake in the command line rather than a failure of
// the work.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// markUsageErrors makes flag and argument errors of cmd and its
// subcommands usage errors.
func markUsageErrors(cmd *cobra.Command) {
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see agentbill %s --help)", err, c.Name())}
	})
	if args := cmd.Args; args != nil {
		cmd.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return usageError{fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		markUsageErrors(sub)
	}
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "agentbill",
		Short: "Agent operation bills from contact-centre events, a Parquet lake and reports",
		Long: `agentbill bills the agent events of a contact centre into a Parquet lake and
reports on it.

The config file is --config FILE, else the file AGENTBILL_CONFIG names, else
` + config.DefaultPath + ` when it exists; AGENTBILL_* variables override
it ("agentbill config" shows what applies and where each value came from).
Exit status: 0 done, 1 failed, 2 usage error, 75 lake busy, 130 stopped.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.prepare(cmd)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if a.showVersion {
				return a.printVersion(cmd.Context())
			}
			return cmd.Help()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "YAML config file (default: $"+config.EnvConfig+", else "+config.DefaultPath+" when it exists); AGENTBILL_* variables override it")
	pf.StringVar(&a.logFormat, "log-format", "", "log format on standard error: text or json (default: text on a terminal, else json)")
	pf.StringVar(&a.logLevel, "log-level", "info", "least level logged: debug, info, warn or error")
	pf.StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the command to this file")
	pf.StringVar(&a.memProfile, "memprofile", "", "write an allocation profile (pprof) of the command to this file")
	pf.StringVar(&a.tracePath, "trace", "", "write an execution trace (go tool trace) of the command to this file")
	pf.MarkHidden("cpuprofile")
	pf.MarkHidden("trace")
	pf.MarkHidden("memprofile")
	root.Flags().BoolVar(&a.showVersion, "version", false, "print the versions of agentbill, Go and DuckDB")
	root.AddCommand(a.billsCmd(), a.demoCmd(), a.ingestCmd(), a.queryCmd(), a.exportCmd(), a.generateCmd(), a.reportCmd(), a.reportsCmd(), a.jobsCmd(), a.scheduleCmd(), a.runJobCmd(), a.checkCmd(), a.statusCmd(), a.ddlCmd(), a.versionCmd(), a.configCmd())
	a.registerCompletions(root)
	markUsageErrors(root)
	return root
}

// noConfig annotates a command that runs without the loaded config: it
// loads it itself, or needs none.
var noConfig = map[string]string{"config": "none"}

// needsConfig reports whether cmd runs on the loaded config: not agentbill
// itself (help, --version), version, config, help or completion.
func needsConfig(cmd *cobra.Command) bool {
	if !cmd.HasParent() {
		return false
	}
	for c := cmd; c.HasParent(); c = c.Parent() {
		if c.Annotations["config"] == "none" || !c.Parent().HasParent() && slices.Contains(noConfigCommands, c.Name()) {
			return false
		}
	}
	return true
}

// noConfigCommands are cobra's own commands, which need no config.
var noConfigCommands = []string{"help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd}

// prepare checks the global flags, sets up the log and loads the config
// for cmd.
func (a *app) prepare(cmd *cobra.Command) error {
	if err := a.checkLogFlags(); err != nil {
		return err
	}
	a.setUpLog(time.UTC)
	if needsConfig(cmd) {
		if err := a.loadConfig(); err != nil {
			return err
		}
		a.setUpLog(a.cfg.Location()) // times in the log on the site clock
		a.log.Debug("config loaded", "file", a.configFile, "lake", a.cfg.Lake)
	}
	var err error
	a.stopProfiles, err = startProfiles(a.cpuProfile, a.memProfile, a.tracePath)
	return err
}

// loadConfig loads the config: the file that --config, AGENTBILL_CONFIG or
// the default path names (see config.Find), then the environment.
func (a *app) loadConfig() error {
	path, found := config.Find(a.configPath, a.env)
	l, err := config.LoadSources(path, a.env)
	if err != nil {
		return configError(path, found, err)
	}
	a.cfg, a.configFile = l.Config, l.File
	return nil
}

// configError says which config file (and how it was found) an error
// loading it is about.
func configError(path, found string, err error) error {
	how := "named by " + config.EnvConfig
	if found == config.FoundDefault {
		how = "the default path"
	}
	switch {
	case found == "":
		return err
	case strings.Contains(err.Error(), path) && found == config.FoundFlag:
		return err // it names the file already
	case strings.Contains(err.Error(), path):
		return fmt.Errorf("%w (%s)", err, how)
	case found == config.FoundFlag:
		return fmt.Errorf("config %s: %w", path, err)
	}
	return fmt.Errorf("config %s (%s): %w", path, how, err)
}

// lakeDir is the lake folder a --lake flag names, else the config's.
func (a *app) lakeDir(flag string) string {
	if flag != "" {
		return flag
	}
	return a.cfg.Lake
}
