package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentbill/agentbill/config"
	"github.com/agentbill/agentbill/ingest/lake"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// app is what every subcommand shares: the writers, the loaded config and
// the logger.
type app struct {
	stdout, stderr io.Writer
	env            []string
	configPath     string
	cpuProfile     string // --cpuprofile: write a CPU profile here
	memProfile     string // --memprofile: write an allocation profile here
	stopProfiles   func() error
	cfg            config.Config
	log            *slog.Logger
	now            func() time.Time // the clock, for "yesterday" and run times
	// waitForLake makes a writer wait for the lake's lock instead of
	// failing at once (the scheduler's jobs wait for each other).
	waitForLake bool
}

// run executes the command line args and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, env: os.Environ(), now: time.Now}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if a.stopProfiles != nil {
		err = errors.Join(err, a.stopProfiles())
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "agentbill: stopped")
			return 130
		}
		fmt.Fprintln(stderr, "agentbill:", err)
		return exitCode(err)
	}
	return 0
}

// The exit statuses, for scripts and monitoring.
const (
	exitFailed   = 1  // the command failed
	exitUsage    = 2  // the command line is wrong
	exitLakeBusy = 75 // another writer holds the lake (EX_TEMPFAIL: try again later)
)

func exitCode(err error) int {
	var usage usageError
	switch {
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
		Use:           "agentbill",
		Short:         "Agent operation bills from contact-centre events, a Parquet lake and reports",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(a.configPath, a.env)
			if err != nil {
				return err
			}
			a.cfg = cfg
			a.log = newLogger(a.stderr)
			a.stopProfiles, err = startProfiles(a.cpuProfile, a.memProfile)
			return err
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "YAML config file (AGENTBILL_* environment variables override it)")
	pf.StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the command to this file")
	pf.StringVar(&a.memProfile, "memprofile", "", "write an allocation profile (pprof) of the command to this file")
	pf.MarkHidden("cpuprofile")
	pf.MarkHidden("memprofile")
	root.AddCommand(a.billsCmd(), a.demoCmd(), a.ingestCmd(), a.queryCmd(), a.exportCmd(), a.generateCmd(), a.reportCmd(), a.reportsCmd(), a.jobsCmd(), a.scheduleCmd(), a.runJobCmd(), a.checkCmd(), a.statusCmd())
	markUsageErrors(root)
	return root
}

// newLogger logs text to a terminal and JSON otherwise.
func newLogger(w io.Writer) *slog.Logger {
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// lakeDir is the lake folder a --lake flag names, else the config's.
func (a *app) lakeDir(flag string) string {
	if flag != "" {
		return flag
	}
	return a.cfg.Lake
}
