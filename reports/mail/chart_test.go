package mail

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"testing"

	"github.com/agentbill/agentbill/reports/mail/mailtest"
)

// cjkFonts are font files with Chinese characters as Debian installs them
// (fonts-noto-cjk, fonts-wqy-microhei).
var cjkFonts = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
}

// cjkFont is the first of cjkFonts installed here; the test is skipped,
// saying why, when there is none.
func cjkFont(t *testing.T) string {
	t.Helper()
	for _, p := range cjkFonts {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skipf("no CJK font installed (looked for %v): apt-get install fonts-noto-cjk", cjkFonts)
	return ""
}

func TestChart(t *testing.T) {
	c := Chart{
		Title:    "Lowest occupancy, 2026-03-10",
		Subtitle: "(talk + work) / (talk + work + available)",
		Bars: []Bar{
			{Label: "A0001", Value: 0.724, Known: true},
			{Label: "a-very-long-agent-identifier-that-goes-on-and-on", Value: 0.25, Known: true},
			{Label: "Zoë", Value: 1.2, Known: true},
			{Label: "A0004"},
		},
		Total:  &Bar{Label: "All agents", Value: 0.5, Known: true},
		Target: 0.85,
		Note:   "And 2 more agents in the occupancy file",
	}
	img := c.Image()
	if img.Bounds().Dx() != ChartWidth*chartScale {
		t.Errorf("width %d; want %d", img.Bounds().Dx(), ChartWidth*chartScale)
	}
	inked := map[color.RGBA]int{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			inked[img.RGBAAt(x, y)]++
		}
	}
	for _, c := range []color.RGBA{barColor, totalBarColor, emptyBarColor, inkColor, gridColor, targetColor} {
		if inked[c] == 0 {
			t.Errorf("no pixel of colour %v", c)
		}
	}
	var buf bytes.Buffer
	if err := c.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	mailtest.SavePreview(t, "chart-latin.png", buf.Bytes())
	alt := c.Alt()
	want := "Lowest occupancy, 2026-03-10: All agents 50.0%, A0001 72.4%, a-very-long-agent-identifier-that-goes-on-and-on 25.0%, Zoë 120.0%, A0004 no time; target 85%. And 2 more agents in the occupancy file."
	if alt != want {
		t.Errorf("alt\n %q\nwant\n %q", alt, want)
	}
}

func TestChartFit(t *testing.T) {
	cv := &canvas{faces: map[[2]int]*chainFace{}}
	defer cv.close()
	long := "a-very-long-agent-identifier-that-goes-on-and-on"
	got := cv.fit(long, 120, textSize)
	if got == long || cv.width(got, textSize, false) > 120 || got[len(got)-len("…"):] != "…" {
		t.Errorf("fit %q to 120 px: %q (%d px)", long, got, cv.width(got, textSize, false))
	}
	if got := cv.fit("A0001", 120, textSize); got != "A0001" {
		t.Errorf("fit A0001: %q", got)
	}
}

func TestFontsFallback(t *testing.T) {
	var goOnly *Fonts
	for _, r := range "Zoë Ω Ж" {
		if !goOnly.Has(r) {
			t.Errorf("the Go fonts lack %q", r)
		}
	}
	if goOnly.Has('张') {
		t.Error("the Go fonts have 张; the test needs a character they lack")
	}
	path := cjkFont(t)
	fonts, err := LoadFonts(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "张三李四Zoë" {
		if !fonts.Has(r) {
			t.Errorf("%s: no glyph for %q", path, r)
		}
	}
	if _, err := LoadFonts("/nonexistent/font.ttf"); err == nil {
		t.Error("a missing font file loads")
	}
	if _, err := ParseFonts([]byte("not a font")); err == nil {
		t.Error("a file that is no font parses")
	}
}

// TestChartUnicode draws the names of a Chinese and a European centre with
// the site's CJK font: every character has a glyph, and the picture is
// kept for people to look at.
func TestChartUnicode(t *testing.T) {
	fonts, err := LoadFonts(cjkFont(t))
	if err != nil {
		t.Fatal(err)
	}
	c := Chart{
		Title:    "Lowest occupancy, 2026-03-10 (最低占用率)",
		Subtitle: "(talk + work) / (talk + work + available)",
		Bars: []Bar{
			{Label: "张三", Value: 0.31, Known: true},
			{Label: "Zoë Ångström", Value: 0.42, Known: true},
			{Label: "李四 (Lǐ Sì)", Value: 0.58, Known: true},
			{Label: "Łukasz Żółć", Value: 0.61, Known: true},
			{Label: "欧阳娜娜-客服二组", Value: 0.66, Known: true},
			{Label: "François"},
		},
		Total:  &Bar{Label: "All agents", Value: 0.74, Known: true},
		Target: 0.8,
		Fonts:  fonts,
	}
	for _, b := range c.Bars {
		for _, r := range b.Label {
			if !fonts.Has(r) {
				t.Errorf("no glyph for %q of %q", r, b.Label)
			}
		}
	}
	var buf bytes.Buffer
	if err := c.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	mailtest.SavePreview(t, "chart-unicode.png", buf.Bytes())
}
