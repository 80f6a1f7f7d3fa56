package mail

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
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
// closing bar for the whole (Total) set apart below the others, and a
// line at the target when there is one.
type Chart struct {
	Title    string // the first line, e.g. "Lowest occupancy, 2026-03-10"
	Subtitle string // a line under it saying what a bar measures
	Bars     []Bar
	Total    *Bar    // drawn last, in a darker colour; nil for none
	Target   float64 // a share, 0..1, drawn as a line; 0 for none
	Note     string  // a line under the bars, e.g. "and 12 more agents"
	// Fonts draw the text; nil means the Go fonts alone.
	Fonts *Fonts
}

// ChartWidth is the width at which a chart is shown, in CSS pixels; the
// picture has chartScale times as many, to stay sharp on dense screens.
const ChartWidth = 440

// The chart's geometry, in CSS pixels, and its colours.
const (
	chartScale     = 2
	chartMargin    = 16
	titleSize      = 18
	textSize       = 16
	smallSize      = 14
	rowHeight      = 31 // one bar and the space under it
	barHeight      = 20
	maxLabelWidth  = 150 // at most, for the bars' labels
	valueReserve   = 62  // room right of the longest bar for its value
	totalGap       = 10
	labelGap       = 8
	targetDashStep = 4
)

var (
	inkColor      = color.RGBA{0x22, 0x22, 0x22, 0xff}
	softInkColor  = color.RGBA{0x55, 0x55, 0x55, 0xff}
	gridColor     = color.RGBA{0xd9, 0xd9, 0xd9, 0xff}
	barColor      = color.RGBA{0x3b, 0x73, 0xb9, 0xff}
	totalBarColor = color.RGBA{0x1f, 0x3b, 0x5c, 0xff}
	emptyBarColor = color.RGBA{0xee, 0xee, 0xee, 0xff}
	targetColor   = color.RGBA{0xc0, 0x4b, 0x00, 0xff}
	paperColor    = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// percent formats a bar's value for people: "72.4%", or "no time".
func (b Bar) percent() string {
	if !b.Known {
		return "no time"
	}
	return fmt.Sprintf("%.1f%%", 100*b.Value)
}

// WritePNG draws the chart as a PNG picture to w.
func (c Chart) WritePNG(w io.Writer) error {
	return png.Encode(w, c.Image())
}

// canvas draws on a picture in CSS pixels, scaled by chartScale.
type canvas struct {
	img   *image.RGBA
	fonts *Fonts
	faces map[[2]int]*chainFace
}

func (cv *canvas) face(size int, bold bool) *chainFace {
	key := [2]int{size, 0}
	if bold {
		key[1] = 1
	}
	f := cv.faces[key]
	if f == nil {
		f = cv.fonts.face(float64(size*chartScale), bold)
		cv.faces[key] = f
	}
	return f
}

func (cv *canvas) close() {
	for _, f := range cv.faces {
		f.Close()
	}
}

// width is the width of s in CSS pixels.
func (cv *canvas) width(s string, size int, bold bool) int {
	w := font.MeasureString(cv.face(size, bold), s).Ceil()
	return (w + chartScale - 1) / chartScale
}

// text draws s with its baseline at y, from x.
func (cv *canvas) text(x, y int, s string, size int, bold bool, c color.Color) {
	d := font.Drawer{Dst: cv.img, Src: image.NewUniform(c), Face: cv.face(size, bold),
		Dot: fixed.P(x*chartScale, y*chartScale)}
	d.DrawString(s)
}

// rect fills the rectangle of CSS pixels r.
func (cv *canvas) rect(r image.Rectangle, c color.Color) {
	r = image.Rect(r.Min.X*chartScale, r.Min.Y*chartScale, r.Max.X*chartScale, r.Max.Y*chartScale)
	draw.Draw(cv.img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// fit cuts s to at most w CSS pixels, ending it in "…" when cut.
func (cv *canvas) fit(s string, w, size int) string {
	if cv.width(s, size, false) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 {
		r = r[:len(r)-1]
		if t := strings.TrimRight(string(r), " ") + "…"; cv.width(t, size, false) <= w {
			return t
		}
	}
	return "…"
}

// wrap breaks s into lines of at most w CSS pixels at its spaces; a word
// longer than a line is cut to fit.
func (cv *canvas) wrap(s string, w, size int, bold bool) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if cv.width(try, size, bold) <= w {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		line = word
		if cv.width(word, size, bold) > w {
			line = cv.fit(word, w, size)
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// Image draws the chart, ChartWidth CSS pixels wide at chartScale.
func (c Chart) Image() *image.RGBA {
	bars := append([]Bar(nil), c.Bars...)
	if c.Total != nil {
		bars = append(bars, *c.Total)
	}
	measure := &canvas{fonts: c.Fonts, faces: map[[2]int]*chainFace{}}
	defer measure.close()
	maxLabel := maxLabelWidth
	labels := make([]string, len(bars))
	labelWidth := 0
	for i, b := range bars {
		labels[i] = measure.fit(b.Label, maxLabel, textSize)
		labelWidth = max(labelWidth, measure.width(labels[i], textSize, false))
	}
	barLeft := chartMargin + labelWidth + labelGap
	barSpan := ChartWidth - chartMargin - valueReserve - barLeft

	lineGap := 6
	textWidth := ChartWidth - 2*chartMargin
	titleLines := measure.wrap(c.Title, textWidth, titleSize, true)
	subtitleLines := measure.wrap(c.Subtitle, textWidth, smallSize, false)
	noteLines := measure.wrap(c.Note, textWidth, smallSize, false)
	y := chartMargin
	var titleBases, subtitleBases, noteBases []int
	for range titleLines {
		titleBases = append(titleBases, y+titleSize)
		y += titleSize + lineGap
	}
	for range subtitleLines {
		subtitleBases = append(subtitleBases, y+smallSize)
		y += smallSize + lineGap
	}
	targetBase := 0
	if c.Target > 0 {
		targetBase = y + smallSize + 4
		y = targetBase + 4
	}
	rowsTop := y + 8
	rowsBottom := rowsTop + len(bars)*rowHeight
	if c.Total != nil {
		rowsBottom += totalGap
	}
	axisBase := rowsBottom + smallSize + 2
	y = axisBase + 4
	for range noteLines {
		noteBases = append(noteBases, y+smallSize+lineGap)
		y += smallSize + lineGap
	}
	height := y + chartMargin

	cv := &canvas{img: image.NewRGBA(image.Rect(0, 0, ChartWidth*chartScale, height*chartScale)), fonts: c.Fonts, faces: measure.faces}
	cv.rect(image.Rect(0, 0, ChartWidth, height), paperColor)
	for i, line := range titleLines {
		cv.text(chartMargin, titleBases[i], line, titleSize, true, inkColor)
	}
	for i, line := range subtitleLines {
		cv.text(chartMargin, subtitleBases[i], line, smallSize, false, softInkColor)
	}
	for i, line := range noteLines {
		cv.text(chartMargin, noteBases[i], line, smallSize, false, softInkColor)
	}
	xOf := func(v float64) int { return barLeft + int(min(max(v, 0), 1)*float64(barSpan)+0.5) }

	// Grid lines every 25 %, labelled under the bars.
	for i := 0; i <= 4; i++ {
		x := barLeft + barSpan*i/4
		cv.rect(image.Rect(x, rowsTop-4, x+1, rowsBottom-rowHeight+barHeight+4), gridColor)
		label := fmt.Sprintf("%d%%", 25*i)
		cv.text(x-cv.width(label, smallSize, false)/2, axisBase, label, smallSize, false, softInkColor)
	}

	// The bars, then the target's line over them, then the words over
	// both, each value on a patch of paper so that the line never
	// crosses it.
	tops := make([]int, len(bars))
	y = rowsTop
	for i, b := range bars {
		colour := barColor
		if c.Total != nil && i == len(bars)-1 {
			y += totalGap
			colour = totalBarColor
		}
		tops[i] = y
		if b.Known {
			cv.rect(image.Rect(barLeft, y, xOf(b.Value), y+barHeight), colour)
		} else {
			cv.rect(image.Rect(barLeft, y, barLeft+barSpan, y+barHeight), emptyBarColor)
		}
		y += rowHeight
	}
	if c.Target > 0 {
		x := xOf(c.Target)
		for ty := rowsTop - 4; ty < rowsBottom-rowHeight+barHeight+4; ty += 2 * targetDashStep {
			cv.rect(image.Rect(x-1, ty, x+1, ty+targetDashStep), targetColor)
		}
		label := fmt.Sprintf("target %.0f%%", 100*c.Target)
		lw := cv.width(label, smallSize, true)
		lx := min(max(x-lw/2, chartMargin), ChartWidth-chartMargin-lw)
		cv.text(lx, targetBase, label, smallSize, true, targetColor)
	}
	for i, b := range bars {
		y := tops[i]
		base := y + barHeight/2 + textSize*7/20
		cv.text(barLeft-labelGap-cv.width(labels[i], textSize, false), base, labels[i], textSize, false, inkColor)
		valueX := barLeft + 6
		if b.Known {
			valueX = xOf(b.Value) + 6
		}
		value := b.percent()
		if b.Known {
			cv.rect(image.Rect(valueX-3, y, valueX+cv.width(value, textSize, false)+3, y+barHeight), paperColor)
		}
		cv.text(valueX, base, value, textSize, false, inkColor)
	}
	return cv.img
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
	if c.Target > 0 {
		fmt.Fprintf(&b, "; target %.0f%%", 100*c.Target)
	}
	b.WriteString(".")
	if c.Note != "" {
		b.WriteString(" " + strings.TrimSuffix(c.Note, ".") + ".")
	}
	return b.String()
}
