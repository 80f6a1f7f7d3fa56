package config

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"

	"github.com/agentbill/agentbill/billing"
	"github.com/agentbill/agentbill/ingest"
	"github.com/agentbill/agentbill/reports"
	"github.com/agentbill/agentbill/reports/mail"
	"github.com/agentbill/agentbill/reports/nightly"
)

// EnvPrefix begins the name of every environment variable Load reads: a key
// such as site.timezone is set by AGENTBILL_SITE_TIMEZONE.
const EnvPrefix = "AGENTBILL_"

// Config is everything a site sets. Load fills it from defaults, a YAML file
// and the environment; Validate checks it.
type Config struct {
	Site    SiteConfig    `mapstructure:"site"`
	Billing BillingConfig `mapstructure:"billing"`
	// Lake is the folder of the Parquet lake, or a bucket URL
	// (s3://bucket/prefix?region=…, gs://, azblob://, file://).
	Lake string `mapstructure:"lake"`
	// Inputs are the files to ingest: paths or globs that may contain {date}.
	Inputs []string `mapstructure:"inputs"`
	// InputFormat forces one input format, by a name ingest.ParseFormat
	// accepts; empty means detect per file.
	InputFormat string `mapstructure:"input_format"`
	// IngestMemoryMB is the memory, in MiB, an ingest holds events and
	// bills in before it sorts them on disk; the rest of its memory grows
	// with the number of agents.
	IngestMemoryMB int `mapstructure:"ingest_memory_mb"`
	// SpillDir is where an ingest sorts on disk; empty means LAKE/.spill
	// (the system's temporary folder for a lake in a bucket).
	SpillDir string `mapstructure:"spill_dir"`
	// LakeCache is where readers keep the objects they fetched from a lake
	// in a bucket (DuckDB reads local files), bounded by LakeCacheMB;
	// empty means the user's cache folder.
	LakeCache   string `mapstructure:"lake_cache"`
	LakeCacheMB int    `mapstructure:"lake_cache_mb"`
	// MaxRejectShare is the share of a day's records (0..1) that may be
	// refused as bad before an ingest keeps the day as it was instead of
	// replacing it; records of other days are not bad.
	MaxRejectShare float64       `mapstructure:"max_reject_share"`
	Labels         LabelsConfig  `mapstructure:"labels"`
	Reports        ReportsConfig `mapstructure:"reports"`
	// CTI maps Cisco UCCX CTI messages to operation types and causes.
	CTI ingest.CTIMapping `mapstructure:"cti"`
	// Connect maps the agent statuses of Amazon Connect streams.
	Connect ingest.ConnectMapping `mapstructure:"connect"`
	// Jobs are what agentbill schedule runs on their schedules and
	// agentbill run runs once.
	Jobs []JobConfig `mapstructure:"jobs"`
	// Mail is the SMTP server the jobs send their reports through.
	Mail MailConfig `mapstructure:"mail"`
}

// SiteConfig describes the contact centre itself.
type SiteConfig struct {
	// Timezone is the IANA name of the site zone: all dates, days and
	// wall-clock marks are in it.
	Timezone string `mapstructure:"timezone"`
	// Name names the site in a lake that several sites share: every
	// table gains a site=NAME partition above the day. Empty: the lake
	// is the site's own, without that level.
	Name string `mapstructure:"name"`
}

// BillingConfig tunes which bills the day run writes.
type BillingConfig struct {
	// ConversationAllTypes is the license switch for type-60 bills.
	ConversationAllTypes bool `mapstructure:"conversation_all_types"`
	// ExtraTypes are operation types to bill beyond those the seed table bills.
	ExtraTypes []int `mapstructure:"extra_types"`
	// SessionTimeout closes a session whose agent has been silent this long
	// before the end of the run's day.
	SessionTimeout time.Duration `mapstructure:"session_timeout"`
}

// LabelsConfig names the site's own reason codes for the reports.
type LabelsConfig struct {
	// Rest labels type-26 rest reasons (op_cause 0..65534).
	Rest map[int]string `mapstructure:"rest"`
	// Busy labels type-3 service-defined busy reasons (op_cause 200..250).
	Busy map[int]string `mapstructure:"busy"`
	// Logout labels client logout causes (type-0 op_cause 1..255).
	Logout map[int]string `mapstructure:"logout"`
}

// ReportsConfig says where reports come from and where they go.
type ReportsConfig struct {
	// Dir is a folder of the site's own *.sql reports; empty means none.
	Dir string `mapstructure:"dir"`
	// Out is the folder the report CSV files are written to.
	Out string `mapstructure:"out"`
	// IntervalMinutes is the length of the interval report's site-clock
	// intervals: 5, 10, 15, 20, 30 or 60.
	IntervalMinutes int `mapstructure:"interval_minutes"`
	// CSVBOM says which report CSV files start with a UTF-8 byte-order
	// mark, which spreadsheets need to read them as UTF-8: jobs (the
	// files the jobs write and mail, not those of agentbill report),
	// always or never.
	CSVBOM string `mapstructure:"csv_bom"`
}

// The values of reports.csv_bom.
const (
	CSVBOMJobs   = "jobs"
	CSVBOMAlways = "always"
	CSVBOMNever  = "never"
)

// ByteOrderMark reports whether the CSV files of a job (job true) or of
// agentbill report (job false) start with a byte-order mark.
func (r ReportsConfig) ByteOrderMark(job bool) bool {
	return r.CSVBOM == CSVBOMAlways || r.CSVBOM == CSVBOMJobs && job
}

// JobConfig is one job: what it does for its logical day (the site-zone
// day before the one it starts in), when, and who gets the reports.
type JobConfig struct {
	// Name names the job (agentbill run NAME) and its record in the lake.
	Name string `mapstructure:"name"`
	// Schedule is a cron spec (minute hour day-of-month month day-of-week,
	// or @daily), optionally after CRON_TZ=Zone; without a zone it is on
	// the site clock. Empty: only agentbill run starts the job.
	Schedule string `mapstructure:"schedule"`
	// Ingest bills the logical day into the lake from the inputs.
	Ingest bool `mapstructure:"ingest"`
	// Reports are the periods to report on, each ending with the logical
	// day: day, week (Monday to Sunday), month.
	Reports []string `mapstructure:"reports"`
	// ReportNames are the reports to write; empty means all of them.
	ReportNames []string `mapstructure:"report_names"`
	// Out is the folder of the report files; empty means reports.out.
	Out string `mapstructure:"out"`
	// MailTo are the addresses the reports are mailed to.
	MailTo []string `mapstructure:"mail_to"`
	// Timeout bounds one run; 0 means 2h.
	Timeout time.Duration `mapstructure:"timeout"`
	// AllowIncomplete writes and mails the reports of a period with days
	// the lake does not hold whole (missing, broken or stale), naming them;
	// false fails the run instead.
	AllowIncomplete bool `mapstructure:"allow_incomplete"`
}

// MailConfig is the SMTP server jobs send mail through.
type MailConfig struct {
	// Host is the SMTP server; empty means no mail can be sent.
	Host string `mapstructure:"host"`
	// Port is the server's port: 587 is the submission port.
	Port int `mapstructure:"port"`
	// From is the sender's address.
	From string `mapstructure:"from"`
	// StartTLS is required (the default: no TLS, no mail), opportunistic
	// or none.
	StartTLS string `mapstructure:"starttls"`
	// Auth is the login mechanism: auto, plain, login, cram-md5,
	// scram-sha-1 or scram-sha-256.
	Auth string `mapstructure:"auth"`
	// UsernameEnv and PasswordEnv name the environment variables that
	// hold the login; empty means no login. The values never go into the
	// config or the logs.
	UsernameEnv string `mapstructure:"username_env"`
	PasswordEnv string `mapstructure:"password_env"`
	// Timeout bounds each connection to the server.
	Timeout time.Duration `mapstructure:"timeout"`
	// Retries is how many times a failed delivery is tried again.
	Retries int `mapstructure:"retries"`
	// RetryWait is the wait before the first retry; it doubles each time.
	RetryWait time.Duration `mapstructure:"retry_wait"`
	// MaxAttachmentMB caps the report files a mail carries, in MB: over
	// it they go as one zip, and when even that is over it they stay on
	// the server and the mail names them. 0 means no cap.
	MaxAttachmentMB float64 `mapstructure:"max_attachment_mb"`
	// OccupancyTarget is the occupancy the mail holds the figures
	// against, 0..1 (0.85 is 85 %); 0 means none.
	OccupancyTarget float64 `mapstructure:"occupancy_target"`
	// ChartFont is a font file, TrueType or OpenType (.ttf, .otf) or a
	// collection (.ttc), that draws the characters of the mail's charts
	// that the bundled Go fonts lack, such as Chinese names; empty means
	// none (such characters are drawn as boxes; the mail's text has them).
	ChartFont string `mapstructure:"chart_font"`
}

// Default returns the settings that apply where neither the file nor the
// environment says otherwise.
func Default() Config {
	return Config{
		Site: SiteConfig{Timezone: "UTC"},
		Billing: BillingConfig{
			ConversationAllTypes: true,
			ExtraTypes:           []int{},
			SessionTimeout:       24 * time.Hour,
		},
		Lake:           "./lake",
		Inputs:         []string{},
		IngestMemoryMB: 64,
		LakeCacheMB:    4096,
		MaxRejectShare: 0.05,
		Labels: LabelsConfig{
			Rest:   map[int]string{},
			Busy:   map[int]string{},
			Logout: map[int]string{},
		},
		Reports: ReportsConfig{Out: "./reports-out", IntervalMinutes: reports.DefaultIntervalMinutes, CSVBOM: CSVBOMJobs},
		CTI:     lowerMapKeys(ingest.DefaultCTIMapping()),
		Connect: ingest.ConnectMapping{Statuses: lowerStatuses(ingest.DefaultConnectMapping().Statuses)},
		Jobs:    []JobConfig{},
		Mail: MailConfig{
			Port:      587,
			StartTLS:  "required",
			Auth:      "auto",
			Timeout:   30 * time.Second,
			Retries:   3,
			RetryWait: 30 * time.Second,
			// Under the 10 MB many mail servers refuse, once encoded.
			MaxAttachmentMB: 5,
		},
	}
}

// lowerMapKeys returns m with the names of its maps in lower case, as viper
// hands them back from a file; the CTI reader matches names in any case.
func lowerMapKeys(m ingest.CTIMapping) ingest.CTIMapping {
	states := make(map[string]int, len(m.AgentStates))
	for k, v := range m.AgentStates {
		states[strings.ToLower(k)] = v
	}
	events := make(map[string]ingest.CTICallEvent, len(m.CallEvents))
	for k, v := range m.CallEvents {
		events[strings.ToLower(k)] = v
	}
	m.AgentStates, m.CallEvents = states, events
	if m.TextCallTypes == nil {
		m.TextCallTypes = []string{} // a loaded list is never nil
	}
	return m
}

// lowerStatuses returns the statuses with their names in lower case, as
// viper hands them back from a file; the Connect reader matches names in
// any case.
func lowerStatuses(m map[string][]int) map[string][]int {
	out := make(map[string][]int, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// withDefaultStatuses adds to the site's Connect statuses the default ones
// it does not name (in any letter case): a site that lists Lunch keeps
// Available and Offline.
func withDefaultStatuses(m map[string][]int) map[string][]int {
	out := lowerStatuses(m)
	for k, v := range lowerStatuses(ingest.DefaultConnectMapping().Statuses) {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}

// defaults maps every key Load knows to its default value: the leaves of
// Default() (maps and lists are leaves). Keeping every key here is what
// lets an environment variable set a key no file mentions.
func defaults() map[string]any {
	leaves := map[string]reflect.Value{}
	flattenValue("", reflect.ValueOf(Default()), leaves)
	keys := make(map[string]any, len(leaves))
	for key, v := range leaves {
		keys[key] = v.Interface()
	}
	return keys
}

// envVar is the environment variable that sets key.
func envVar(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Load reads the configuration: defaults, then the YAML file at path (none
// when path is empty; a path that does not exist is an error), then the
// AGENTBILL_ variables of env (in os.Environ form, "KEY=value"), which
// override the file. An empty variable counts as unset. List values come
// from the environment comma-separated (AGENTBILL_BILLING_EXTRA_TYPES=2,5),
// labels as code=label pairs (AGENTBILL_LABELS_REST=1=Lunch,2=Training).
// A relative path that the file gives (lake, spill_dir, inputs,
// reports.dir, reports.out, a job's out) is taken from the file's folder;
// one from the environment or a default, from the working folder. A key
// Load does not know, in the file or the environment, is an error, and so
// is a Config that fails Validate. AGENTBILL_CONFIG names the file (see
// Find), not a setting.
func Load(path string, env []string) (Config, error) {
	l, err := LoadSources(path, env)
	return l.Config, err
}

// LoadSources loads the configuration as Load does and says where each
// setting came from.
func LoadSources(path string, env []string) (Loaded, error) {
	v := viper.New()
	for key, value := range defaults() {
		v.SetDefault(key, value)
	}
	l := Loaded{sources: map[string]Source{}}
	if path != "" {
		abs, err := filepath.Abs(path)
		if err != nil {
			return Loaded{}, fmt.Errorf("config file: %w", err)
		}
		if err := readFile(v, path); err != nil {
			return Loaded{}, err
		}
		l.File = abs
	}
	set, err := applyEnv(v, env)
	if err != nil {
		return Loaded{}, err
	}
	for key := range defaults() {
		switch {
		case set[key] != "":
			l.sources[key] = Source{Kind: FromEnv, Name: set[key]}
		case l.File != "" && v.InConfig(key):
			l.sources[key] = Source{Kind: FromFile, Name: l.File}
		default:
			l.sources[key] = Source{Kind: FromDefault}
		}
	}

	var c Config
	hooks := mapstructure.ComposeDecodeHookFunc(durationHook, intListHook, stringListHook, labelsHook, statusesHook)
	if err := v.UnmarshalExact(&c, viper.DecodeHook(hooks)); err != nil {
		return Loaded{}, decodeErrors(err)
	}
	c.fillEmpty()
	c.Connect.Statuses = withDefaultStatuses(c.Connect.Statuses)
	if l.File != "" {
		c.resolvePaths(filepath.Dir(l.File), func(key string) bool { return l.sources[key].Kind == FromFile })
	}
	if err := c.Validate(); err != nil {
		return Loaded{}, err
	}
	l.Config = c
	return l, nil
}

func readFile(v *viper.Viper, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(f); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := unknownKeys(v); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// unknownKeys names each key of v that is not a setting. UnmarshalExact
// would refuse them too, but names a misspelt site.timezon as "'site' has
// invalid keys: timezon"; this says "site.timezon: unknown key".
func unknownKeys(v *viper.Viper) error {
	known := defaults()
	var errs []error
	keys := v.AllKeys()
	slices.Sort(keys)
	for _, key := range keys {
		if _, ok := known[key]; ok || isLabel(key) || isSection(key, known) {
			continue
		}
		errs = append(errs, fmt.Errorf("%s: unknown key", key))
	}
	return errors.Join(errs...)
}

// mapSettings are the settings whose values are maps: their entries are
// not keys of their own.
var mapSettings = []string{
	"labels.rest.", "labels.busy.", "labels.logout.",
	"cti.agent_states.", "cti.logout_causes.", "cti.busy_causes.", "cti.call_events.",
	"connect.statuses.",
}

// isLabel reports whether key is an entry of a map setting, such as
// labels.rest.1 or cti.agent_states.talking.
func isLabel(key string) bool {
	for _, m := range mapSettings {
		if strings.HasPrefix(key, m) {
			return true
		}
	}
	return false
}

// isSection reports whether key is a section of known keys given a plain
// value (site: UTC); decoding reports that with the section's name.
func isSection(key string, known map[string]any) bool {
	for k := range known {
		if strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}

// decodeErrors rephrases mapstructure's errors as "key: problem", one per
// line like Validate's.
func decodeErrors(err error) error {
	var errs []error
	var walk func(error)
	walk = func(err error) {
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			for _, inner := range multi.Unwrap() {
				walk(inner)
			}
			return
		}
		if de, ok := err.(*mapstructure.DecodeError); ok {
			var pe *mapstructure.ParseError
			if errors.As(de, &pe) {
				errs = append(errs, fmt.Errorf("%s: cannot read %q as %s", de.Name(), fmt.Sprint(pe.Value), pe.Expected.Type()))
			} else {
				errs = append(errs, fmt.Errorf("%s: %w", de.Name(), de.Unwrap()))
			}
			return
		}
		var de *mapstructure.DecodeError
		if inner := errors.Unwrap(err); inner != nil && errors.As(err, &de) {
			walk(inner) // "decoding failed due to the following error(s)"
			return
		}
		errs = append(errs, err)
	}
	walk(err)
	return errors.Join(errs...)
}

// applyEnv sets each known key that env names, and returns the keys set
// with the variable that set each. Viper's own AutomaticEnv reads the
// process environment, so the variables are applied as overrides instead,
// which keeps Load's result a function of its arguments.
func applyEnv(v *viper.Viper, env []string) (map[string]string, error) {
	keyOf := make(map[string]string)
	for key := range defaults() {
		keyOf[envVar(key)] = key
	}
	set := map[string]string{}
	var errs []error
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || name == EnvConfig {
			continue
		}
		key, known := keyOf[name]
		if !known {
			errs = append(errs, fmt.Errorf("environment variable %s: no such setting", name))
			continue
		}
		if value == "" {
			continue
		}
		v.Set(key, value)
		set[key] = name
	}
	return set, errors.Join(errs...)
}

// fillEmpty replaces nil lists and maps with empty ones, so that a loaded
// Config compares equal whether a list was left out or given empty.
func (c *Config) fillEmpty() {
	if c.Billing.ExtraTypes == nil {
		c.Billing.ExtraTypes = []int{}
	}
	if c.Inputs == nil {
		c.Inputs = []string{}
	}
	for _, m := range []*map[int]string{&c.Labels.Rest, &c.Labels.Busy, &c.Labels.Logout} {
		if *m == nil {
			*m = map[int]string{}
		}
	}
	if c.Jobs == nil {
		c.Jobs = []JobConfig{}
	}
	for i := range c.Jobs {
		for _, l := range []*[]string{&c.Jobs[i].Reports, &c.Jobs[i].ReportNames, &c.Jobs[i].MailTo} {
			if *l == nil {
				*l = []string{}
			}
		}
	}
}

// Validate checks every value and returns all problems found, joined, each
// naming its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}

	switch tz := c.Site.Timezone; tz {
	case "":
		bad("site.timezone: empty; name an IANA time zone such as \"Europe/Paris\"")
	case "Local":
		bad("site.timezone: \"Local\" depends on the host; name an IANA time zone")
	default:
		if _, err := time.LoadLocation(tz); err != nil {
			bad("site.timezone: unknown time zone %q", tz)
		}
	}

	for _, t := range c.Billing.ExtraTypes {
		switch {
		case t == billing.OpLogout || t == billing.OpLogin:
			bad("billing.extra_types: %d is a session type; sessions are always billed", t)
		case !billing.Known(t):
			bad("billing.extra_types: %d is not an operation type of the seed table", t)
		}
	}
	if c.Billing.SessionTimeout <= 0 {
		bad("billing.session_timeout: %s is not positive", c.Billing.SessionTimeout)
	}
	if err := c.CTI.Validate(); err != nil {
		bad("cti: %w", err)
	}
	if err := c.Connect.Validate(); err != nil {
		bad("connect: %w", err)
	}

	if c.Site.Name != "" && !siteName.MatchString(c.Site.Name) {
		bad("site.name: %q: letters, digits, '.', '_' and '-' only", c.Site.Name)
	}
	if c.LakeCacheMB < 0 {
		bad("lake_cache_mb: %d: 0 (no bound) or more", c.LakeCacheMB)
	}
	if c.Lake == "" {
		bad("lake: empty")
	}
	for i, in := range c.Inputs {
		if in == "" {
			bad("inputs: entry %d is empty", i+1)
		}
	}
	if !(c.MaxRejectShare >= 0 && c.MaxRejectShare <= 1) {
		bad("max_reject_share: %g; give a share from 0 to 1 (0.05 is 5 %%)", c.MaxRejectShare)
	}
	if c.IngestMemoryMB < 1 || c.IngestMemoryMB > 2048 {
		bad("ingest_memory_mb: %d; give 1 to 2048 (MiB)", c.IngestMemoryMB)
	}
	if _, err := ingest.ParseFormat(c.InputFormat); err != nil {
		bad("input_format: %v", err)
	}

	errs = append(errs, checkLabels("labels.rest", c.Labels.Rest, 0, billing.USNoUse-1)...)
	errs = append(errs, checkLabels("labels.busy", c.Labels.Busy, 200, 250)...)
	errs = append(errs, checkLabels("labels.logout", c.Labels.Logout, 1, 255)...)

	if c.Reports.Out == "" {
		bad("reports.out: empty")
	}
	if !slices.Contains(reports.IntervalMinutes, c.Reports.IntervalMinutes) {
		bad("reports.interval_minutes: %d is not one of %v", c.Reports.IntervalMinutes, reports.IntervalMinutes)
	}
	if bom := []string{CSVBOMJobs, CSVBOMAlways, CSVBOMNever}; !slices.Contains(bom, c.Reports.CSVBOM) {
		bad("reports.csv_bom: %q is not one of %s", c.Reports.CSVBOM, strings.Join(bom, ", "))
	}
	errs = append(errs, c.checkMail()...)
	errs = append(errs, c.checkJobs()...)
	return errors.Join(errs...)
}

// envNameRE is what an environment variable's name may be.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (c Config) checkMail() []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	m := c.Mail
	if m.Port < 1 || m.Port > 65535 {
		bad("mail.port: %d is not a port", m.Port)
	}
	if m.Host != "" && m.From == "" {
		bad("mail.from: empty; name the sender, such as agentbill@example.com")
	}
	if m.From != "" {
		if _, err := netmail.ParseAddress(m.From); err != nil {
			bad("mail.from: %q is not an address: %v", m.From, err)
		}
	}
	if _, err := mail.ParseTLS(m.StartTLS); err != nil {
		bad("mail.%v", err)
	}
	if err := mail.CheckAuth(m.Auth); err != nil {
		bad("mail.%v", err)
	}
	for _, v := range []struct{ key, name, example string }{
		{"mail.username_env", m.UsernameEnv, "SMTP_USER"},
		{"mail.password_env", m.PasswordEnv, "SMTP_PASSWORD"},
	} {
		switch {
		case v.name == "":
		case !envNameRE.MatchString(v.name):
			bad("%s: %q is not the name of an environment variable", v.key, v.name)
		case strings.HasPrefix(v.name, EnvPrefix):
			bad("%s: %s begins with %s, which is kept for settings; name another variable, such as %s", v.key, v.name, EnvPrefix, v.example)
		}
	}
	if (m.UsernameEnv == "") != (m.PasswordEnv == "") {
		bad("mail.username_env, mail.password_env: give both or neither")
	}
	if m.Timeout <= 0 {
		bad("mail.timeout: %s is not positive", m.Timeout)
	}
	if m.Retries < 0 || m.Retries > 20 {
		bad("mail.retries: %d is outside 0..20", m.Retries)
	}
	if m.RetryWait <= 0 {
		bad("mail.retry_wait: %s is not positive", m.RetryWait)
	}
	if m.MaxAttachmentMB < 0 {
		bad("mail.max_attachment_mb: %v is negative; 0 means no cap", m.MaxAttachmentMB)
	}
	if m.OccupancyTarget < 0 || m.OccupancyTarget > 1 {
		bad("mail.occupancy_target: %v is outside 0..1; write 85 %% as 0.85, or 0 for no target", m.OccupancyTarget)
	}
	if m.ChartFont != "" {
		if _, err := mail.LoadFonts(m.ChartFont); err != nil {
			bad("mail.chart_font: %v; name a TTF, OTF or TTC file, such as /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc (Debian: apt-get install fonts-noto-cjk), or leave it empty", err)
		}
	}
	return errs
}

func (c Config) checkJobs() []error {
	var errs []error
	loc, err := time.LoadLocation(c.Site.Timezone)
	if err != nil {
		loc = time.UTC // reported under site.timezone
	}
	names := map[string]bool{}
	for i, j := range c.Jobs {
		key := fmt.Sprintf("jobs[%d]", i)
		if j.Name != "" {
			key = fmt.Sprintf("jobs[%d] (%s)", i, j.Name)
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf(key+"."+format, args...))
		}
		if err := nightly.CheckName(j.Name); err != nil {
			bad("name: %v", err)
		} else if names[j.Name] {
			bad("name: another job has this name")
		}
		names[j.Name] = true
		if j.Schedule != "" {
			if _, err := nightly.ParseSchedule(j.Schedule, loc); err != nil {
				bad("schedule: %v", err)
			}
		}
		if !j.Ingest && len(j.Reports) == 0 {
			bad("reports: empty, and the job does not ingest: it would do nothing")
		}
		seen := map[string]bool{}
		for _, p := range j.Reports {
			if _, err := nightly.ParsePeriod(p); err != nil {
				bad("reports: %v", err)
			} else if seen[p] {
				bad("reports: %s is listed twice", p)
			}
			seen[p] = true
		}
		for _, r := range j.ReportNames {
			if strings.TrimSpace(r) == "" {
				bad("report_names: an empty name")
			}
		}
		if len(j.MailTo) > 0 {
			if len(j.Reports) == 0 {
				bad("mail_to: the job writes no reports to mail")
			}
			if c.Mail.Host == "" {
				bad("mail_to: mail.host is empty: set the SMTP server")
			}
		}
		for _, to := range j.MailTo {
			if _, err := netmail.ParseAddress(to); err != nil {
				bad("mail_to: %q is not an address: %v", to, err)
			}
		}
		if j.Timeout < 0 {
			bad("timeout: %s is negative", j.Timeout)
		}
	}
	return errs
}

func checkLabels(key string, labels map[int]string, lo, hi int) []error {
	var errs []error
	codes := make([]int, 0, len(labels))
	for code := range labels {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		switch {
		case code < lo || code > hi:
			errs = append(errs, fmt.Errorf("%s: code %d is outside %d..%d", key, code, lo, hi))
		case strings.TrimSpace(labels[code]) == "":
			errs = append(errs, fmt.Errorf("%s: code %d has an empty label", key, code))
		}
	}
	return errs
}

// Location returns the site zone. Call it on a Config that passed Validate
// (as every Config from Load has): it panics when the zone does not load.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Site.Timezone)
	if err != nil || c.Site.Timezone == "" || c.Site.Timezone == "Local" {
		panic(fmt.Sprintf("config: Location of an unvalidated Config: site.timezone %q", c.Site.Timezone))
	}
	return loc
}

var (
	durationType   = reflect.TypeFor[time.Duration]()
	intListType    = reflect.TypeFor[[]int]()
	stringListType = reflect.TypeFor[[]string]()
	labelsType     = reflect.TypeFor[map[int]string]()
	statusesType   = reflect.TypeFor[map[string][]int]()
)

// durationHook reads durations written with a unit ("36h", "90m") and
// refuses bare numbers, which would otherwise be taken as nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType || from == durationType {
		return data, nil
	}
	switch from.Kind() {
	case reflect.String:
		s := strings.TrimSpace(reflect.ValueOf(data).String())
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a duration such as 36h or 90m", s)
		}
		return d, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return nil, fmt.Errorf("%v has no unit; write a duration such as 36h or 90m", data)
	}
	return data, nil
}

// splitList splits a comma-separated value, trimming blanks and dropping
// empty items.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// intListHook reads a comma-separated list of integers ("2,5").
func intListHook(from, to reflect.Type, data any) (any, error) {
	if to != intListType || from.Kind() != reflect.String {
		return data, nil
	}
	out := []int{}
	for _, item := range splitList(reflect.ValueOf(data).String()) {
		n, err := strconv.Atoi(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", item)
		}
		out = append(out, n)
	}
	return out, nil
}

// stringListHook reads a comma-separated list of strings ("a.csv,b.csv").
func stringListHook(from, to reflect.Type, data any) (any, error) {
	if to != stringListType || from.Kind() != reflect.String {
		return data, nil
	}
	out := splitList(reflect.ValueOf(data).String())
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// labelsHook reads labels written as comma-separated code=label pairs
// ("1=Lunch,2=Training").
func labelsHook(from, to reflect.Type, data any) (any, error) {
	if to != labelsType || from.Kind() != reflect.String {
		return data, nil
	}
	out := map[int]string{}
	for _, pair := range splitList(reflect.ValueOf(data).String()) {
		code, label, ok := strings.Cut(pair, "=")
		n, err := strconv.Atoi(strings.TrimSpace(code))
		if !ok || err != nil {
			return nil, fmt.Errorf("%q is not code=label", pair)
		}
		out[n] = strings.TrimSpace(label)
	}
	return out, nil
}

// statusesHook reads Connect statuses written as comma-separated
// name=op_type or name=op_type:op_cause pairs ("Available=2,Offline=3:1").
func statusesHook(from, to reflect.Type, data any) (any, error) {
	if to != statusesType || from.Kind() != reflect.String {
		return data, nil
	}
	out := map[string][]int{}
	for _, pair := range splitList(reflect.ValueOf(data).String()) {
		name, ops, ok := strings.Cut(pair, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not name=op_type or name=op_type:op_cause", pair)
		}
		var v []int
		for part := range strings.SplitSeq(ops, ":") {
			n, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil {
				return nil, fmt.Errorf("%q is not name=op_type or name=op_type:op_cause", pair)
			}
			v = append(v, n)
		}
		out[strings.ToLower(name)] = v
	}
	return out, nil
}

var siteName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// IsURL reports whether a lake or input location is a URL (s3://…,
// gs://…, azblob://…, file://…), not a path.
func IsURL(p string) bool {
	scheme, _, ok := strings.Cut(p, "://")
	return ok && len(scheme) > 1 && !strings.ContainsAny(scheme, `/\.`)
}
