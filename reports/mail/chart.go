package mail

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
)

// Bar is one bar of a chart: a label and a share between 0 and 1.
type Bar struct {
	Label string
	// Value is the share, 0..1; values outside are drawn at the nearest end.
	Value float64
	// Known is false when there is no value (occupancy with no working or
	// available time): the bar is left empty and marked "no time".
	Known bool
}

// Chart is a horizontal bar chart of shares, one bar per label, with a
// closing bar for the whole (Total) set apart below the others.
type Chart struct {
	Title    string // the first line, e.g. "Occupancy by agent, 2026-03-10"
	Subtitle string // a line under it saying what a bar measures
	Bars     []Bar
	Total    *Bar   // drawn last, in a darker colour; nil for none
	Note     string // a line under the bars, e.g. "and 12 more agents"
}

// The chart's geometry, in pixels, and its colours.
const (
	chartWidth   = 800
	chartMargin  = 20
	chartScale   = 2  // the bitmap font's scale: 10x14 pixel characters
	rowHeight    = 26 // one bar and the space under it
	barHeight    = 18
	maxLabelRune = 16 // longer labels are cut, ending in ".."
)

var (
	inkColor      = color.RGBA{0x22, 0x22, 0x22, 0xff}
	softInkColor  = color.RGBA{0x55, 0x55, 0x55, 0xff}
	gridColor     = color.RGBA{0xd9, 0xd9, 0xd9, 0xff}
	barColor      = color.RGBA{0x3b, 0x73, 0xb9, 0xff}
	totalBarColor = color.RGBA{0x1f, 0x3b, 0x5c, 0xff}
	emptyBarColor = color.RGBA{0xee, 0xee, 0xee, 0xff}
)

// cutLabel shortens a label to maxLabelRune characters.
func cutLabel(s string) string {
	r := []rune(s)
	if len(r) <= maxLabelRune {
		return s
	}
	return string(r[:maxLabelRune-2]) + ".."
}

// percent formats a bar's value for people: "72.4%", or "no time".
func (b Bar) percent() string {
	if !b.Known {
		return "no time"
	}
	return fmt.Sprintf("%.1f%%", 100*b.Value)
}

// WritePNG draws the chart as a PNG picture, 800 pixels wide, to w.
func (c Chart) WritePNG(w io.Writer) error {
	return png.Encode(w, c.Image())
}

// Image draws the chart.
func (c Chart) Image() *image.RGBA {
	f := face{scale: chartScale}
	rows := len(c.Bars)
	if c.Total != nil {
		rows++
	}
	labelChars := 0
	bars := append([]Bar(nil), c.Bars...)
	if c.Total != nil {
		bars = append(bars, *c.Total)
	}
	for _, b := range bars {
		labelChars = max(labelChars, len([]rune(cutLabel(b.Label))))
	}
	labelWidth := labelChars*f.advance() + 12
	valueWidth := len("100.0%")*f.advance() + 12
	barLeft := chartMargin + labelWidth
	barSpan := chartWidth - chartMargin - valueWidth - barLeft

	top := chartMargin
	titleY := top
	subtitleY := titleY + f.height() + 8
	rowsTop := subtitleY + f.height() + 18
	if c.Subtitle == "" {
		rowsTop = titleY + f.height() + 18
	}
	gap := 0
	if c.Total != nil {
		gap = 10
	}
	rowsBottom := rowsTop + rows*rowHeight + gap
	axisY := rowsBottom + 6
	noteY := axisY + f.height() + 14
	height := noteY + chartMargin
	if c.Note != "" {
		height += f.height() + 4
	}

	img := image.NewRGBA(image.Rect(0, 0, chartWidth, height))
	fill(img, img.Bounds(), color.RGBA{0xff, 0xff, 0xff, 0xff})
	f.draw(img, chartMargin, titleY, c.Title, inkColor)
	if c.Subtitle != "" {
		f.draw(img, chartMargin, subtitleY, c.Subtitle, softInkColor)
	}

	// Grid lines every 25 %, labelled under the bars.
	for i := 0; i <= 4; i++ {
		x := barLeft + barSpan*i/4
		fill(img, image.Rect(x, rowsTop-4, x+1, rowsBottom), gridColor)
		label := fmt.Sprintf("%d%%", 25*i)
		lx := x - f.width(label)/2
		f.draw(img, lx, axisY, label, softInkColor)
	}

	y := rowsTop
	for i, b := range bars {
		colour := barColor
		if c.Total != nil && i == len(bars)-1 {
			y += gap
			colour = totalBarColor
		}
		label := cutLabel(b.Label)
		textY := y + (barHeight-f.height())/2
		f.draw(img, barLeft-12-f.width(label), textY, label, inkColor)
		end := barLeft
		if b.Known {
			v := min(max(b.Value, 0), 1)
			end = barLeft + int(v*float64(barSpan)+0.5)
			fill(img, image.Rect(barLeft, y, end, y+barHeight), colour)
		} else {
			fill(img, image.Rect(barLeft, y, barLeft+barSpan, y+barHeight), emptyBarColor)
		}
		valueX := end + 8
		if !b.Known {
			valueX = barLeft + 8
		}
		f.draw(img, valueX, textY, b.percent(), inkColor)
		y += rowHeight
	}
	if c.Note != "" {
		f.draw(img, chartMargin, noteY, c.Note, softInkColor)
	}
	return img
}

// Alt is the chart in words, for the picture's alternative text: the
// title, then each bar with its value.
func (c Chart) Alt() string {
	var b strings.Builder
	b.WriteString(c.Title)
	b.WriteString(":")
	bars := c.Bars
	if c.Total != nil {
		bars = append([]Bar{*c.Total}, bars...)
	}
	for i, bar := range bars {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s %s", bar.Label, bar.percent())
	}
	if c.Note != "" {
		b.WriteString("; " + c.Note)
	}
	b.WriteString(".")
	return b.String()
}
