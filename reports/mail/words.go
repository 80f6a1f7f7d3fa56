package mail

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/agentbill/agentbill/billing"
)

// shortLabels are the short names people read in the mail for the seed's
// codes, by kind of code: busy reasons (1..7) and logout causes
// (256..264). The seed's whole sentence stays in the CSVs' label column.
var shortLabels = map[string]map[int]string{
	"busy": {
		1: "busy",
		2: "no answer",
		3: "inspected",
		4: "rest",
		5: "phone down",
		7: "rejected call",
	},
	"logout": {
		256: "disconnected",
		257: "forced by QC",
		258: "agent logout",
		259: "relogin",
		260: "media timeout",
		261: "UIS timeout",
		262: "media lost",
		263: "console timeout",
		264: "forced login",
	},
}

// seedLabels are the seed's sentences, by kind of code.
var seedLabels = map[string]func(int) string{
	"busy":   billing.BusyCauseLabel,
	"logout": billing.LogoutCauseLabel,
}

// ShortLabel is the short name of code of kind (busy, rest or logout) for
// people. A label of the site's own (from the config) is kept; the seed's
// sentence, or no label, gives the seed's short name where it has one;
// otherwise "cause N". It is never empty.
func ShortLabel(kind string, code int, label string) string {
	label = strings.TrimSpace(label)
	short := shortLabels[kind][code]
	seed := seedLabels[kind]
	if short != "" && (label == "" || (seed != nil && label == seed(code))) {
		return short
	}
	if label != "" {
		return label
	}
	return fmt.Sprintf("cause %d", code)
}

// Duration formats seconds for people: "8 h 46 m", "46 m", "35 s", with
// the hours' thousands grouped ("59,865 h 9 m").
func Duration(seconds float64) string {
	if seconds < 0 {
		return "-" + Duration(-seconds)
	}
	s := int64(math.Round(seconds))
	if s < 60 {
		return fmt.Sprintf("%d s", s)
	}
	m := (s + 30) / 60
	if m < 60 {
		return fmt.Sprintf("%d m", m)
	}
	return fmt.Sprintf("%s h %d m", Thousands(m/60), m%60)
}

// Thousands writes n with a comma between groups of three digits: 59,865.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
