package mail

import (
	"errors"
	"fmt"
	"image"
	"os"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Fonts are the type the charts are drawn in: the Go fonts (a sans-serif
// made for screens, with Latin, Greek and Cyrillic letters) and, for the
// characters they lack, the fonts of a file of the site's (mail.chart_font),
// such as Noto Sans CJK for Chinese names. A character that no font has is
// drawn as the Go font's empty box. The zero value, and nil, are the Go
// fonts alone.
type Fonts struct {
	// Path is the file the fallback fonts came from; empty for none.
	Path     string
	fallback []*sfnt.Font
}

// goFonts are the Go fonts, parsed when a face is first made: a command
// that draws nothing does not pay for them.
var goFonts = sync.OnceValues(func() (regular, bold *sfnt.Font) {
	return mustParse(goregular.TTF), mustParse(gobold.TTF)
})

func mustParse(ttf []byte) *sfnt.Font {
	f, err := opentype.Parse(ttf)
	if err != nil {
		panic("mail: the Go fonts: " + err.Error())
	}
	return f
}

// LoadFonts reads a font file, TrueType or OpenType (.ttf, .otf) or a
// collection of them (.ttc, .otc), as the fallback for what the Go fonts
// lack. An empty path gives the Go fonts alone.
func LoadFonts(path string) (*Fonts, error) {
	if path == "" {
		return &Fonts{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("chart font: %w", err)
	}
	fonts, err := ParseFonts(data)
	if err != nil {
		return nil, fmt.Errorf("chart font %s: %w", path, err)
	}
	fonts.Path = path
	return fonts, nil
}

// ParseFonts reads the fallback fonts from the bytes of a font file or
// collection.
func ParseFonts(data []byte) (*Fonts, error) {
	coll, err := opentype.ParseCollection(data)
	if err != nil {
		return nil, fmt.Errorf("not a TrueType or OpenType font or collection: %w", err)
	}
	f := &Fonts{}
	for i := range coll.NumFonts() {
		font, err := coll.Font(i)
		if err != nil {
			return nil, fmt.Errorf("font %d of the collection: %w", i, err)
		}
		f.fallback = append(f.fallback, font)
	}
	if len(f.fallback) == 0 {
		return nil, errors.New("the file holds no font")
	}
	return f, nil
}

// Has reports whether the fonts draw r: the Go fonts, or the fallback.
func (f *Fonts) Has(r rune) bool {
	face := f.face(12, false)
	defer face.Close()
	return face.pick(r) >= 0
}

// face is a face of size pixels (at 72 dpi a point is a pixel), bold or
// regular; the fallback fonts are always regular.
func (f *Fonts) face(size float64, bold bool) *chainFace {
	primary, boldFont := goFonts()
	if bold {
		primary = boldFont
	}
	fonts := []*sfnt.Font{primary}
	if f != nil {
		fonts = append(fonts, f.fallback...)
	}
	c := &chainFace{}
	for _, font := range fonts {
		face, err := opentype.NewFace(font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: fontHinting})
		if err != nil {
			continue // a size no font refuses; the Go font is always there
		}
		c.faces = append(c.faces, face)
	}
	return c
}

// fontHinting keeps the glyphs' shapes as drawn: the chart is drawn at
// twice the size it is shown.
const fontHinting = font.HintingNone

// chainFace draws each character with the first of its faces that has it.
type chainFace struct {
	faces []font.Face
}

var _ font.Face = (*chainFace)(nil)

// pick is the index of the first face that has r, or -1.
func (c *chainFace) pick(r rune) int {
	for i, f := range c.faces {
		if _, ok := f.GlyphAdvance(r); ok {
			return i
		}
	}
	return -1
}

// of is the face that draws r: the first that has it, else the first.
func (c *chainFace) of(r rune) font.Face {
	if i := c.pick(r); i >= 0 {
		return c.faces[i]
	}
	return c.faces[0]
}

func (c *chainFace) Close() error {
	var errs []error
	for _, f := range c.faces {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

func (c *chainFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	return c.of(r).Glyph(dot, r)
}

func (c *chainFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	return c.of(r).GlyphBounds(r)
}

func (c *chainFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	return c.of(r).GlyphAdvance(r)
}

// Kern is the kerning within one face; between two faces there is none.
func (c *chainFace) Kern(r0, r1 rune) fixed.Int26_6 {
	i, j := c.pick(r0), c.pick(r1)
	if i != j || i < 0 {
		return 0
	}
	return c.faces[i].Kern(r0, r1)
}

// Metrics are the Go font's, the line made tall enough for the fallback's.
func (c *chainFace) Metrics() font.Metrics {
	m := c.faces[0].Metrics()
	for _, f := range c.faces[1:] {
		fm := f.Metrics()
		m.Ascent = max(m.Ascent, fm.Ascent)
		m.Descent = max(m.Descent, fm.Descent)
		m.Height = max(m.Height, fm.Height)
	}
	return m
}
