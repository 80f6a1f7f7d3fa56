package mail

import (
	"bytes"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestFontCoversPrintableASCII(t *testing.T) {
	for r := rune(' '); r <= '~'; r++ {
		g, ok := glyphs[r]
		if !ok {
			t.Errorf("no glyph for %q", r)
			continue
		}
		for i, row := range g {
			if len(row) != glyphW || strings.Trim(row, ".#") != "" {
				t.Errorf("glyph %q row %d is %q; want %d of '.' and '#'", r, i, row, glyphW)
			}
		}
	}
	if len(glyphs) != '~'-' '+1 {
		t.Errorf("%d glyphs; want the printable ASCII only", len(glyphs))
	}
}

func TestChart(t *testing.T) {
	c := Chart{
		Title:    "Occupancy by agent, 2026-03-10",
		Subtitle: "(talk + work) / (talk + work + available)",
		Bars: []Bar{
			{Label: "A0001", Value: 0.724, Known: true},
			{Label: "a-very-long-agent-identifier", Value: 0.25, Known: true},
			{Label: "Zoë", Value: 1.2, Known: true},
			{Label: "A0004"},
		},
		Total: &Bar{Label: "All agents", Value: 0.5, Known: true},
		Note:  "and 2 more agents in the occupancy file",
	}
	img := c.Image()
	if img.Bounds().Dx() != chartWidth {
		t.Errorf("width %d", img.Bounds().Dx())
	}
	// The longest bar, clamped at 100 %, ends where the 100 % grid line is.
	inked := map[color.RGBA]int{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			inked[img.RGBAAt(x, y)]++
		}
	}
	for _, c := range []color.RGBA{barColor, totalBarColor, emptyBarColor, inkColor, gridColor} {
		if inked[c] == 0 {
			t.Errorf("no pixel of colour %v", c)
		}
	}
	var buf bytes.Buffer
	if err := c.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Fatal(err)
	}
	alt := c.Alt()
	want := "Occupancy by agent, 2026-03-10: All agents 50.0%, A0001 72.4%, a-very-long-agent-identifier 25.0%, Zoë 120.0%, A0004 no time; and 2 more agents in the occupancy file."
	if alt != want {
		t.Errorf("alt\n %q\nwant\n %q", alt, want)
	}
	if got := cutLabel("a-very-long-agent-identifier"); got != "a-very-long-ag.." {
		t.Errorf("cut label %q", got)
	}
}
