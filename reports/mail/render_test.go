package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentbill/agentbill/reports/mail/mailtest"
)

// chromium is the headless browser the mail is rendered in: $CHROMIUM, or
// Debian's chromium. Without one the test is skipped, saying so.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("CHROMIUM NOT INSTALLED: the mail is not rendered in a browser; apt-get install -y chromium (or set $CHROMIUM)")
	return ""
}

// browse runs headless Chromium on page with args, and returns what it
// prints.
func browse(t *testing.T, bin, page string, width, height int, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--hide-scrollbars", "--force-device-scale-factor=1",
		"--window-size=" + strconv.Itoa(width) + "," + strconv.Itoa(height)}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+page)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, errOut.String())
	}
	return out.Bytes()
}

// page writes the HTML body of a message as it arrived, its cid: pictures
// made data: URLs of the parts they name, and a script that draws a strip
// along the top, green when the page fits the window's width and red when
// it would scroll sideways (Chromium's headless screenshot lays the page
// out at the width asked for; its DOM dump would not go under 500 px).
func page(t *testing.T, p *mailtest.Message) string {
	t.Helper()
	html := p.HTML
	for _, part := range p.Parts {
		if part.ContentID == "" {
			continue
		}
		uri := "data:" + part.ContentType + ";base64," + base64.StdEncoding.EncodeToString(part.Data)
		html = strings.ReplaceAll(html, "cid:"+part.ContentID, uri)
	}
	if strings.Contains(html, "cid:") {
		t.Fatal("the HTML names a picture the message does not carry")
	}
	script := `<script>addEventListener("load", () => {
  const fits = document.documentElement.scrollWidth <= window.innerWidth;
  const strip = document.createElement("div");
  strip.style.cssText = "position: absolute; left: 0; top: 0; width: 100%; height: ` + strconv.Itoa(stripHeight) + `px; background: " + (fits ? "#00ff00" : "#ff0000");
  document.body.appendChild(strip);
});</script>`
	html = strings.Replace(html, "</body>", script+"</body>", 1)
	path := filepath.Join(t.TempDir(), "mail.html")
	if err := os.WriteFile(path, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// stripHeight is the height of the strip that says whether the page fits.
const stripHeight = 3

// screenshot renders path width pixels wide, checks that it fits that
// width, and returns the picture without the strip, cut below the last
// line that is not blank.
func screenshot(t *testing.T, bin, path string, width int, args ...string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "shot.png")
	browse(t, bin, path, width, 9000, append(args, "--screenshot="+out)...)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != width {
		t.Errorf("screenshot %d wide; asked for %d", img.Bounds().Dx(), width)
	}
	switch r, g, b, _ := img.At(1, 1).RGBA(); {
	case r < 0x2000 && g > 0xe000 && b < 0x2000:
	case r > 0xe000 && g < 0x2000 && b < 0x2000:
		t.Errorf("at %d px the mail is wider than the window: it scrolls sideways", width)
	default:
		t.Errorf("at %d px the page's check did not run", width)
	}
	bottom := img.Bounds().Min.Y
	for y := img.Bounds().Max.Y - 1; y >= img.Bounds().Min.Y && bottom == img.Bounds().Min.Y; y-- {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r < 0xf000 || g < 0xf000 || b < 0xf000 {
				bottom = y + 1
				break
			}
		}
	}
	if bottom >= img.Bounds().Max.Y-1 {
		t.Errorf("the mail is longer than the %d pixels rendered", img.Bounds().Dy())
	}
	cut := image.NewRGBA(image.Rect(0, 0, width, bottom+16))
	draw.Draw(cut, cut.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(cut, image.Rect(0, stripHeight, width, bottom), img, img.Bounds().Min.Add(image.Pt(0, stripHeight)), draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, cut); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRenderInChromium composes the mail of a small centre with Chinese
// and accented names (a day, against the day before, with a target and
// rejected records) and of a 1,000-agent week whose week before is not
// in the lake, sends each through the suite's SMTP server, and renders
// what arrived in headless Chromium at a phone's width (390 px) and a
// desktop's (1,200 px), and at the phone's width with pictures blocked.
// The pictures are kept (under $MAIL_PREVIEW_DIR when set) for people
// to look at; the test checks that no width needs scrolling sideways.
func TestRenderInChromium(t *testing.T) {
	bin := chromium(t)
	var fonts *Fonts
	for _, p := range cjkFonts {
		if _, err := os.Stat(p); err == nil {
			f, err := LoadFonts(p)
			if err != nil {
				t.Fatal(err)
			}
			fonts = f
			break
		}
	}
	if fonts == nil {
		t.Log("no CJK font installed: the chart draws Chinese names as boxes (apt-get install fonts-noto-cjk)")
	}
	dir := t.TempDir()
	dayFiles := centre{agents: agentNames(14), days: []string{"2026-03-10"}, end: "2026-03-11", seed: 1, mean: 0.72}.write(t, filepath.Join(dir, "day"))
	prevFiles := centre{agents: agentNames(13), days: []string{"2026-03-09"}, end: "2026-03-10", seed: 2, mean: 0.76}.write(t, filepath.Join(dir, "prev"))
	weekDays, weekEnd := week("2026-03-09")
	weekFiles := centre{agents: agentNames(1000), days: weekDays, end: weekEnd, seed: 3, mean: 0.75}.write(t, filepath.Join(dir, "week"))

	cases := []struct {
		name   string
		digest Digest
	}{
		{"day", Digest{Job: "nightly", Day: "2026-03-10", To: []string{"floor@example.com"},
			Sections: []Section{{Title: "2026-03-10", Files: dayFiles,
				Previous: &Previous{Title: "2026-03-09", Files: prevFiles},
				Rejects:  &Rejects{Total: 9, ByAgent: []AgentRejects{{"张三", 4}, {"Zoë Ångström", 2}}}}},
			Ingest: "12,345 records read, 9 rejected (0.1 %)", Target: 0.8, Fonts: fonts,
			Date: time.Date(2026, 3, 11, 2, 30, 0, 0, time.UTC), FirstDay: "2026-03-10", EndDay: "2026-03-11"}},
		{"week", Digest{Job: "weekly", Day: "2026-03-15", To: []string{"floor@example.com"},
			Sections: []Section{{Title: "week 2026-03-09 to 2026-03-15", Files: weekFiles,
				Previous: &Previous{Title: "week 2026-03-02 to 2026-03-08", Missing: "the week before, 2026-03-02 to 2026-03-08, is not in the lake (7 days missing)"},
				Rejects:  &Rejects{}}},
			Target: 0.85, Fonts: fonts, MaxAttachment: 5 << 20,
			Date: time.Date(2026, 3, 16, 2, 30, 0, 0, time.UTC), FirstDay: "2026-03-09", EndDay: "2026-03-16"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Compose(tc.digest)
			if err != nil {
				t.Fatal(err)
			}
			p := sendAndParse(t, m)
			path := page(t, p)
			for _, width := range []int{390, 1200} {
				name := "mail-" + tc.name + "-" + strconv.Itoa(width) + ".png"
				mailtest.SavePreview(t, name, screenshot(t, bin, path, width))
			}
			mailtest.SavePreview(t, "mail-"+tc.name+"-390-no-images.png",
				screenshot(t, bin, path, 390, "--blink-settings=imagesEnabled=false"))
			mailtest.SavePreview(t, "mail-"+tc.name+".html", []byte(p.HTML))
			mailtest.SavePreview(t, "mail-"+tc.name+".txt", []byte(p.Text))
			for _, part := range p.Parts {
				if part.ContentID != "" {
					mailtest.SavePreview(t, "mail-"+tc.name+"-"+part.ContentID, part.Data)
				}
			}
		})
	}
}
