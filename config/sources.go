package config

import (
	"cmp"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The kinds of Source.
const (
	FromDefault = "default" // Default(): neither the file nor the environment set it
	FromFile    = "file"    // the config file
	FromEnv     = "env"     // an AGENTBILL_ environment variable
)

// Source says where a setting's value came from.
type Source struct {
	Kind string // FromDefault, FromFile or FromEnv
	Name string // the file's path, or the variable's name; empty for a default
}

// String is "default", "file" or "env AGENTBILL_…".
func (s Source) String() string {
	if s.Kind == FromEnv {
		return FromEnv + " " + s.Name
	}
	return s.Kind
}

// Loaded is a Config with where it came from: the file read and the source
// of each setting.
type Loaded struct {
	Config
	// File is the absolute path of the file read; empty when none was.
	File    string
	sources map[string]Source
}

// Source is where the setting key (such as "site.timezone" or "jobs") got
// its value.
func (l Loaded) Source(key string) Source {
	if s, ok := l.sources[key]; ok {
		return s
	}
	return Source{Kind: FromDefault}
}

// pathKeys are the settings that hold paths; a relative one given in the
// config file is taken from the file's folder.
var pathKeys = []string{"lake", "spill_dir", "lake_cache", "inputs", "reports.dir", "reports.out", "jobs"}

// resolvePaths makes the relative paths of the settings that fromFile says
// the file gave relative to dir: lake, spill_dir, each input pattern,
// reports.dir, reports.out and each job's out. An empty value stays empty
// (it means "none" or "the default"), and so does an input of "-".
func (c *Config) resolvePaths(dir string, fromFile func(key string) bool) {
	abs := func(p string) string {
		if p == "" || p == "-" || filepath.IsAbs(p) || IsURL(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for _, key := range pathKeys {
		if !fromFile(key) {
			continue
		}
		switch key {
		case "lake":
			c.Lake = abs(c.Lake)
		case "spill_dir":
			c.SpillDir = abs(c.SpillDir)
		case "lake_cache":
			c.LakeCache = abs(c.LakeCache)
		case "reports.dir":
			c.Reports.Dir = abs(c.Reports.Dir)
		case "reports.out":
			c.Reports.Out = abs(c.Reports.Out)
		case "inputs":
			for i, in := range c.Inputs {
				c.Inputs[i] = abs(in)
			}
		case "jobs":
			for i := range c.Jobs {
				c.Jobs[i].Out = abs(c.Jobs[i].Out)
			}
		}
	}
}

// Setting is one setting of a loaded Config as people read it.
type Setting struct {
	Key    string // "site.timezone", "jobs[0].name"
	Value  string // as YAML would show it; secrets redacted
	Source Source
}

// Redacted stands for the value of a setting that looks secret.
const Redacted = "<redacted>"

// Settings lists every setting of l, by key, with its value and where it
// came from. Each job's fields are settings of their own (jobs[0].name),
// from where the jobs came from. A setting whose name looks secret (a
// password, a token) shows Redacted instead of its value, and so does the
// password of a URL written user:password@host; the names of the
// variables that hold the mail login (mail.password_env) are not secret.
func (l Loaded) Settings() []Setting {
	var out []Setting
	leaves := map[string]reflect.Value{}
	flattenValue("", reflect.ValueOf(l.Config), leaves)
	for key, v := range leaves {
		src := l.Source(key)
		if key == "jobs" {
			for i := range v.Len() {
				job := v.Index(i)
				for j := range job.NumField() {
					name, _, _ := strings.Cut(job.Type().Field(j).Tag.Get("mapstructure"), ",")
					k := fmt.Sprintf("jobs[%d].%s", i, name)
					out = append(out, Setting{Key: k, Value: show(k, job.Field(j)), Source: src})
				}
			}
			if v.Len() == 0 {
				out = append(out, Setting{Key: key, Value: "[]", Source: src})
			}
			continue
		}
		out = append(out, Setting{Key: key, Value: show(key, v), Source: src})
	}
	slices.SortFunc(out, func(a, b Setting) int { return compareKeys(a.Key, b.Key) })
	return out
}

// compareKeys orders keys by name, and jobs[10] after jobs[9].
func compareKeys(a, b string) int {
	ai, aRest, aJob := jobIndex(a)
	bi, bRest, bJob := jobIndex(b)
	if aJob && bJob {
		return cmp.Or(cmp.Compare(ai, bi), strings.Compare(aRest, bRest))
	}
	return strings.Compare(a, b)
}

func jobIndex(key string) (int, string, bool) {
	rest, ok := strings.CutPrefix(key, "jobs[")
	if !ok {
		return 0, "", false
	}
	n, field, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	if !ok || err != nil {
		return 0, "", false
	}
	return i, field, true
}

// flattenValue adds the leaves of a struct of settings to leaves, named by
// their mapstructure tags under prefix; maps and lists are leaves.
func flattenValue(prefix string, v reflect.Value, leaves map[string]reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("mapstructure"), ",")
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		if f := v.Field(i); f.Kind() == reflect.Struct {
			flattenValue(key, f, leaves)
		} else {
			leaves[key] = f
		}
	}
}

// secretWords mark a setting's name as secret.
var secretWords = []string{"password", "passwd", "secret", "token", "credential", "apikey", "api_key", "private_key"}

// secretKey reports whether the setting key looks like it holds a secret.
// A key ending in _env holds the name of a variable, which is no secret.
func secretKey(key string) bool {
	name := strings.ToLower(key[strings.LastIndex(key, ".")+1:])
	if strings.HasSuffix(name, "_env") {
		return false
	}
	for _, w := range secretWords {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// urlPassword finds the password of a URL written user:password@host.
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@`)

// show renders the value v of the setting key, redacting secrets.
func show(key string, v reflect.Value) string {
	if secretKey(key) && !v.IsZero() {
		return Redacted
	}
	return urlPassword.ReplaceAllString(render(v), "${1}"+Redacted+"@")
}

var durationKind = reflect.TypeFor[time.Duration]()

// render writes a value as YAML's flow style would: lists [a, b], maps and
// structs {key: value}, durations 36h0m0s, strings bare unless they need
// quotes.
func render(v reflect.Value) string {
	if v.Type() == durationKind {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.String:
		return renderString(v.String())
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Slice, reflect.Array:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = render(v.Index(i))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			if a.CanInt() && b.CanInt() {
				return cmp.Compare(a.Int(), b.Int())
			}
			return strings.Compare(render(a), render(b))
		})
		items := make([]string, len(keys))
		for i, k := range keys {
			items[i] = render(k) + ": " + render(v.MapIndex(k))
		}
		return "{" + strings.Join(items, ", ") + "}"
	case reflect.Struct:
		var items []string
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("mapstructure"), ",")
			if name == "" {
				name = strings.ToLower(v.Type().Field(i).Name)
			}
			items = append(items, name+": "+render(v.Field(i)))
		}
		return "{" + strings.Join(items, ", ") + "}"
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "null"
		}
		return render(v.Elem())
	}
	return fmt.Sprint(v.Interface())
}

// renderString quotes s when YAML would not read it back as the same
// string.
func renderString(s string) string {
	if s == "" || strings.TrimSpace(s) != s || strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`") ||
		strings.ContainsAny(s, ",[]{}\"\n\t") || strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return strconv.Quote(s)
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		return strconv.Quote(s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.Quote(s)
	}
	return s
}
