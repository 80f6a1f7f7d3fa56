package reports

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltIn(t *testing.T) {
	list := BuiltIn()
	var names []string
	for _, r := range list {
		names = append(names, r.Name)
		if r.Description == "" || len(r.Description) > 100 {
			t.Errorf("%s: description %q, want one short line", r.Name, r.Description)
		}
		if r.Site {
			t.Errorf("%s: marked as a site report", r.Name)
		}
	}
	if got := strings.Join(names, " "); got != "interval logout_causes occupancy rest_reasons" {
		t.Errorf("built-in reports %s", got)
	}
}

func TestList(t *testing.T) {
	fsys := fstest.MapFS{
		"agents.sql":       {Data: []byte("\n\n--   Agents seen, by day.  \nSELECT 1\n")},
		"bare.sql":         {Data: []byte("SELECT 1 -- no description\n")},
		"notes.txt":        {Data: []byte("not a report")},
		"sub/deeper.sql":   {Data: []byte("-- not at the top\nSELECT 1")},
		"folder.sql/x.sql": {Data: []byte("-- a folder named like a report\n")},
	}
	list, err := List(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []Report{
		{Name: "agents", Description: "Agents seen, by day."},
		{Name: "bare", Description: ""},
	}
	if len(list) != len(tests) {
		t.Fatalf("got %d reports, want %d: %+v", len(list), len(tests), list)
	}
	for i, want := range tests {
		t.Run(want.Name, func(t *testing.T) {
			if list[i].Name != want.Name || list[i].Description != want.Description {
				t.Errorf("got %q %q, want %q %q", list[i].Name, list[i].Description, want.Name, want.Description)
			}
			if list[i].SQL != string(fsys[want.Name+".sql"].Data) {
				t.Errorf("SQL %q", list[i].SQL)
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	tests := []struct {
		name      string
		site      fs.FS // nil: no folder
		wantNames string
		wantErr   string
	}{
		{name: "no site folder", wantNames: "interval logout_causes occupancy rest_reasons"},
		{name: "site reports after the built-in ones",
			site:      fstest.MapFS{"abandon.sql": {Data: []byte("-- x\nSELECT 1")}},
			wantNames: "interval logout_causes occupancy rest_reasons abandon*"},
		{name: "a built-in name", site: fstest.MapFS{"occupancy.sql": {Data: []byte("SELECT 1")}},
			wantErr: "occupancy.sql has the name of a built-in report"},
		{name: "all", site: fstest.MapFS{"all.sql": {Data: []byte("SELECT 1")}},
			wantErr: `"all" names every report`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := Catalog(tt.site)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range list {
				n := r.Name
				if r.Site {
					n += "*"
				}
				names = append(names, n)
			}
			if got := strings.Join(names, " "); got != tt.wantNames {
				t.Errorf("got %s, want %s", got, tt.wantNames)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	list := BuiltIn()
	tests := []struct {
		name, want string
		err        error
	}{
		{"occupancy", "occupancy", nil},
		{"all", "interval logout_causes occupancy rest_reasons", nil},
		{"occupation", "", ErrUnknownReport},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Select(list, tt.name)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			var names []string
			for _, r := range got {
				names = append(names, r.Name)
			}
			if strings.Join(names, " ") != tt.want {
				t.Errorf("got %v, want %s", names, tt.want)
			}
		})
	}
}
