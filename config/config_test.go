package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/viper"
)

// with returns the defaults changed by edit.
func with(edit func(*Config)) Config {
	c := Default()
	edit(&c)
	return c
}

// siteFile is what testdata/site.yaml sets.
func siteFile(c *Config) {
	c.Site.Timezone = "Asia/Kathmandu"
	c.Billing.ConversationAllTypes = false
	c.Billing.ExtraTypes = []int{2, 5}
	c.Billing.SessionTimeout = 90 * time.Minute
	c.Lake = "/data/lake"
	c.Inputs = []string{"/data/in/{date}/*.csv", "/data/cti/{date}.log"}
	c.InputFormat = "cti"
	c.Reports.Dir = "/etc/agentbill/reports"
	c.Reports.Out = "/data/reports"
}

// overrides are environment variables that change four keys of site.yaml.
var overrides = []string{
	"AGENTBILL_SITE_TIMEZONE=Asia/Shanghai",
	"AGENTBILL_BILLING_SESSION_TIMEOUT=36h",
	"AGENTBILL_BILLING_EXTRA_TYPES=2,5",
	"AGENTBILL_BILLING_CONVERSATION_ALL_TYPES=false",
}

func overridden(c *Config) {
	c.Site.Timezone = "Asia/Shanghai"
	c.Billing.SessionTimeout = 36 * time.Hour
	c.Billing.ExtraTypes = []int{2, 5}
	c.Billing.ConversationAllTypes = false
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name string
		path string
		env  []string
		want Config
	}{
		{
			name: "defaults with no file",
			want: Default(),
		},
		{
			name: "other variables are ignored",
			env:  []string{"HOME=/home/agent", "PATH=/usr/bin", "TZ=Asia/Tokyo", "NOEQUALS", "agentbill_lake=/lower/case"},
			want: Default(),
		},
		{
			name: "empty file keeps defaults",
			path: "testdata/empty.yaml",
			want: Default(),
		},
		{
			name: "file values",
			path: "testdata/site.yaml",
			want: with(siteFile),
		},
		{
			name: "env overrides file",
			path: "testdata/site.yaml",
			env:  overrides,
			want: with(func(c *Config) { siteFile(c); overridden(c) }),
		},
		{
			name: "env only with no file",
			env:  overrides,
			want: with(overridden),
		},
		{
			name: "empty variable counts as unset",
			path: "testdata/site.yaml",
			env:  []string{"AGENTBILL_SITE_TIMEZONE=", "AGENTBILL_INPUTS="},
			want: with(siteFile),
		},
		{
			name: "last of repeated variables wins",
			env:  []string{"AGENTBILL_LAKE=/first", "AGENTBILL_LAKE=/second"},
			want: with(func(c *Config) { c.Lake = "/second" }),
		},
		{
			name: "env lists and strings",
			env: []string{
				"AGENTBILL_INPUTS=/in/{date}/a.csv, /in/{date}/b.jsonl",
				"AGENTBILL_INPUT_FORMAT=jsonl",
				"AGENTBILL_BILLING_EXTRA_TYPES= 2 , 5,",
				"AGENTBILL_REPORTS_DIR=/site/sql",
				"AGENTBILL_REPORTS_OUT=/out",
				"AGENTBILL_LAKE=/lake=with=equals",
			},
			want: with(func(c *Config) {
				c.Inputs = []string{"/in/{date}/a.csv", "/in/{date}/b.jsonl"}
				c.InputFormat = "jsonl"
				c.Billing.ExtraTypes = []int{2, 5}
				c.Reports.Dir = "/site/sql"
				c.Reports.Out = "/out"
				c.Lake = "/lake=with=equals"
			}),
		},
		{
			name: "input format by any name ingest accepts",
			env:  []string{"AGENTBILL_INPUT_FORMAT=events"},
			want: with(func(c *Config) { c.InputFormat = "events" }),
		},
		{
			name: "env bool in any spelling strconv accepts",
			path: "testdata/site.yaml",
			env:  []string{"AGENTBILL_BILLING_CONVERSATION_ALL_TYPES=TRUE"},
			want: with(func(c *Config) { siteFile(c); c.Billing.ConversationAllTypes = true }),
		},
		{
			name: "labels with integer keys from yaml",
			path: "testdata/labels.yaml",
			want: with(func(c *Config) {
				c.Labels.Rest = map[int]string{1: "Lunch", 2: "Training"}
				c.Labels.Busy = map[int]string{200: "Coaching", 250: "Back office"}
				c.Labels.Logout = map[int]string{1: "End of shift", 255: "Other"}
			}),
		},
		{
			name: "env labels replace the file's",
			path: "testdata/labels.yaml",
			env:  []string{"AGENTBILL_LABELS_REST=3=Prayer, 4 = Meeting"},
			want: with(func(c *Config) {
				c.Labels.Rest = map[int]string{3: "Prayer", 4: "Meeting"}
				c.Labels.Busy = map[int]string{200: "Coaching", 250: "Back office"}
				c.Labels.Logout = map[int]string{1: "End of shift", 255: "Other"}
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.path, tt.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestLoadDurations(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"36h", 36 * time.Hour},
		{"90m", 90 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{" 45m ", 45 * time.Minute},
		{"2880m", 48 * time.Hour},
	}
	for _, tt := range tests {
		t.Run("env "+strings.TrimSpace(tt.value), func(t *testing.T) {
			got, err := Load("", []string{"AGENTBILL_BILLING_SESSION_TIMEOUT=" + tt.value})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.Billing.SessionTimeout != tt.want {
				t.Errorf("session_timeout = %s, want %s", got.Billing.SessionTimeout, tt.want)
			}
		})
		t.Run("file "+strings.TrimSpace(tt.value), func(t *testing.T) {
			path := writeFile(t, "billing:\n  session_timeout: \""+tt.value+"\"\n")
			got, err := Load(path, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got.Billing.SessionTimeout != tt.want {
				t.Errorf("session_timeout = %s, want %s", got.Billing.SessionTimeout, tt.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		path string
		env  []string
		want []string // each must appear in the error
		is   error
	}{
		{
			name: "missing file given explicitly",
			path: "testdata/no-such-file.yaml",
			want: []string{"no-such-file.yaml"},
			is:   fs.ErrNotExist,
		},
		{
			name: "broken yaml",
			path: "testdata/broken.yaml",
			want: []string{"testdata/broken.yaml"},
		},
		{
			name: "misspelt key in a section",
			path: "testdata/misspelt.yaml",
			want: []string{"testdata/misspelt.yaml", "site.timezon: unknown key"},
		},
		{
			name: "misspelt top-level key",
			path: "testdata/misspelt_top.yaml",
			want: []string{"lakes: unknown key"},
		},
		{
			name: "unknown variable",
			env:  []string{"AGENTBILL_SITE_TIMZONE=UTC", "AGENTBILL_LABELS_REST_1=Lunch"},
			want: []string{"AGENTBILL_SITE_TIMZONE", "AGENTBILL_LABELS_REST_1"},
		},
		{
			name: "bad timezone in file",
			path: "testdata/bad_timezone.yaml",
			want: []string{`site.timezone: unknown time zone "Mars/Base"`},
		},
		{
			name: "bad timezone in env",
			env:  []string{"AGENTBILL_SITE_TIMEZONE=Mars/Base"},
			want: []string{`site.timezone: unknown time zone "Mars/Base"`},
		},
		{
			name: "local timezone",
			env:  []string{"AGENTBILL_SITE_TIMEZONE=Local"},
			want: []string{`site.timezone: "Local"`},
		},
		{
			name: "bad extra types",
			path: "testdata/bad_extra_types.yaml",
			want: []string{"billing.extra_types: 1 is a session type", "billing.extra_types: 48 is not an operation type"},
		},
		{
			name: "extra type that is not a number",
			env:  []string{"AGENTBILL_BILLING_EXTRA_TYPES=2,idle"},
			want: []string{"billing.extra_types", `"idle" is not an integer`},
		},
		{
			name: "duration without unit",
			path: "testdata/bare_duration.yaml",
			want: []string{"billing.session_timeout", "3600 has no unit"},
		},
		{
			name: "duration that does not parse",
			env:  []string{"AGENTBILL_BILLING_SESSION_TIMEOUT=a day"},
			want: []string{"billing.session_timeout", `"a day" is not a duration`},
		},
		{
			name: "duration not positive",
			env:  []string{"AGENTBILL_BILLING_SESSION_TIMEOUT=-1h"},
			want: []string{"billing.session_timeout: -1h0m0s is not positive"},
		},
		{
			name: "negative attachment cap",
			env:  []string{"AGENTBILL_MAIL_MAX_ATTACHMENT_MB=-1"},
			want: []string{"mail.max_attachment_mb: -1 is negative"},
		},
		{
			name: "occupancy target given in percent",
			env:  []string{"AGENTBILL_MAIL_OCCUPANCY_TARGET=85"},
			want: []string{"mail.occupancy_target: 85 is outside 0..1", "0.85"},
		},
		{
			name: "chart font that is not there",
			env:  []string{"AGENTBILL_MAIL_CHART_FONT=/nonexistent/NotoSansCJK-Regular.ttc"},
			want: []string{"mail.chart_font", "/nonexistent/NotoSansCJK-Regular.ttc", "fonts-noto-cjk"},
		},
		{
			name: "bool that does not parse",
			env:  []string{"AGENTBILL_BILLING_CONVERSATION_ALL_TYPES=maybe"},
			want: []string{`billing.conversation_all_types: cannot read "maybe" as bool`},
		},
		{
			name: "section given a plain value",
			path: "testdata/scalar_section.yaml",
			want: []string{"site: expected a map"},
		},
		{
			name: "label code that is not a number",
			path: "testdata/label_word_code.yaml",
			want: []string{`labels.rest[lunch]: cannot read "lunch" as int`},
		},
		{
			name: "labels out of range",
			path: "testdata/bad_labels.yaml",
			want: []string{
				"labels.busy: code 7 is outside 200..250",
				"labels.busy: code 200 has an empty label",
				"labels.logout: code 0 is outside 1..255",
				"labels.logout: code 256 is outside 1..255",
				"labels.rest: code 65535 is outside 0..65534",
			},
		},
		{
			name: "labels from env that do not parse",
			env:  []string{"AGENTBILL_LABELS_BUSY=200 Coaching"},
			want: []string{"labels.busy", `"200 Coaching" is not code=label`},
		},
		{
			name: "unknown input format",
			env:  []string{"AGENTBILL_INPUT_FORMAT=xml"},
			want: []string{`input_format: unknown format "xml"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, tt.env)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		config Config
		want   []string // the problems, in order; none for a valid Config
	}{
		{
			name:   "defaults",
			config: Default(),
		},
		{
			name: "extra types that bill idle and ringing",
			config: with(func(c *Config) {
				c.Billing.ExtraTypes = []int{2, 5}
			}),
		},
		{
			name: "every label range at its limits",
			config: with(func(c *Config) {
				c.Labels.Rest = map[int]string{0: "Default", 65534: "Last"}
				c.Labels.Busy = map[int]string{200: "First", 250: "Last"}
				c.Labels.Logout = map[int]string{1: "First", 255: "Last"}
			}),
		},
		{
			name: "all problems at once",
			config: with(func(c *Config) {
				c.Site.Timezone = "Mars/Base"
				c.Billing.ExtraTypes = []int{0, 48, -1}
				c.Billing.SessionTimeout = 0
				c.Lake = ""
				c.Inputs = []string{"a.csv", ""}
				c.Labels.Busy = map[int]string{3: "Seed code"}
				c.Reports.Out = ""
			}),
			want: []string{
				`site.timezone: unknown time zone "Mars/Base"`,
				"billing.extra_types: 0 is a session type; sessions are always billed",
				"billing.extra_types: 48 is not an operation type of the seed table",
				"billing.extra_types: -1 is not an operation type of the seed table",
				"billing.session_timeout: 0s is not positive",
				"lake: empty",
				"inputs: entry 2 is empty",
				"labels.busy: code 3 is outside 200..250",
				"reports.out: empty",
			},
		},
		{
			name:   "empty timezone",
			config: with(func(c *Config) { c.Site.Timezone = "" }),
			want:   []string{`site.timezone: empty; name an IANA time zone such as "Europe/Paris"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.config.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Validate:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLocation(t *testing.T) {
	tests := []struct {
		zone       string
		wantOffset time.Duration // on 2024-01-15
	}{
		{"UTC", 0},
		{"Asia/Kathmandu", 5*time.Hour + 45*time.Minute},
		{"America/New_York", -5 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.zone, func(t *testing.T) {
			c, err := Load("", []string{"AGENTBILL_SITE_TIMEZONE=" + tt.zone})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			loc := c.Location()
			if loc.String() != tt.zone {
				t.Errorf("Location() = %s, want %s", loc, tt.zone)
			}
			_, offset := time.Date(2024, 1, 15, 12, 0, 0, 0, loc).Zone()
			if got := time.Duration(offset) * time.Second; got != tt.wantOffset {
				t.Errorf("offset = %s, want %s", got, tt.wantOffset)
			}
		})
	}
	t.Run("unvalidated config panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("Location did not panic")
			}
		}()
		with(func(c *Config) { c.Site.Timezone = "Mars/Base" }).Location()
	})
}

const examplePath = "agentbill.example.yaml"

// TestExample keeps the example file in step with the code: it must load
// cleanly, set every key, and hold exactly the defaults.
func TestExample(t *testing.T) {
	t.Run("loads to the defaults", func(t *testing.T) {
		got, err := Load(examplePath, nil)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		// Its relative paths are taken from its folder.
		dir, err := filepath.Abs(".")
		if err != nil {
			t.Fatal(err)
		}
		want := with(func(c *Config) {
			c.Lake = filepath.Join(dir, c.Lake)
			c.Reports.Out = filepath.Join(dir, c.Reports.Out)
		})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("example:\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("shows every key", func(t *testing.T) {
		v := viper.New()
		v.SetConfigFile(examplePath)
		if err := v.ReadInConfig(); err != nil {
			t.Fatal(err)
		}
		for key := range defaults() {
			if !v.InConfig(key) {
				t.Errorf("key %s is missing from %s", key, examplePath)
			}
		}
	})
	t.Run("commented labels load", func(t *testing.T) {
		data, err := os.ReadFile(examplePath)
		if err != nil {
			t.Fatal(err)
		}
		// Uncomment the block after "Written out in full" and load it alone.
		var b strings.Builder
		b.WriteString("labels:\n")
		inBlock := false
		for line := range strings.Lines(string(data)) {
			if strings.Contains(line, "Written out in full") {
				inBlock = true
				continue
			}
			if !inBlock {
				continue
			}
			if !strings.HasPrefix(line, "  # ") {
				break
			}
			b.WriteString("  " + strings.TrimPrefix(line, "  # "))
		}
		got, err := Load(writeFile(t, b.String()), nil)
		if err != nil {
			t.Fatalf("Load of the commented labels:\n%s\n%v", b.String(), err)
		}
		if len(got.Labels.Rest) == 0 || len(got.Labels.Busy) == 0 || len(got.Labels.Logout) == 0 {
			t.Errorf("commented labels gave %+v; want every kind of label", got.Labels)
		}
	})
}

// TestDefaultsCoverEveryField checks that every leaf of Config has a default,
// which is what lets the environment set it without a file.
func TestDefaultsCoverEveryField(t *testing.T) {
	var leaves []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for f := range typ.Fields() {
			key := prefix + f.Tag.Get("mapstructure")
			if f.Type.Kind() == reflect.Struct {
				walk(key+".", f.Type)
				continue
			}
			leaves = append(leaves, key)
		}
	}
	walk("", reflect.TypeFor[Config]())

	var keys []string
	for key := range defaults() {
		keys = append(keys, key)
	}
	slices.Sort(leaves)
	slices.Sort(keys)
	if !slices.Equal(leaves, keys) {
		t.Errorf("defaults cover\n%q\nbut Config has\n%q", keys, leaves)
	}
}

// writeFile writes a YAML file in a fresh folder and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := t.TempDir() + "/agentbill.yaml"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
