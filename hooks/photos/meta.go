package photos

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"github.com/bbrks/go-blurhash"
)

// metaSide is the longest side of the picture the blurhash and the
// dominant colour are computed from: a blurhash has at most a few
// components a side, so more pixels only cost time.
const metaSide = 32

// describe returns the blurhash and the dominant colour of a small
// picture. Transparent pixels are composited over white for the blurhash
// (placeholders sit on light list backgrounds) and are not counted for the
// colour.
func describe(p *picture) (string, string, error) {
	src := p.image()
	nrgba := image.NewNRGBA(src.Bounds())
	draw.Draw(nrgba, nrgba.Rect, src, image.Point{}, draw.Src)

	hash, err := blurhash.Encode(blurComponents(p.w, p.h, nrgba))
	if err != nil {
		return "", "", fmt.Errorf("failed to encode blurhash: %w", err)
	}
	return hash, dominantColor(nrgba), nil
}

// blurComponents returns 4x3 components (3x4 for portrait pictures) and
// the picture over white.
func blurComponents(w, h int, m *image.NRGBA) (int, int, image.Image) {
	flat := image.NewNRGBA(m.Rect)
	for i := 0; i < len(m.Pix); i += 4 {
		a := uint32(m.Pix[i+3])
		for c := 0; c < 3; c++ {
			flat.Pix[i+c] = uint8((uint32(m.Pix[i+c])*a + 255*(255-a) + 127) / 255)
		}
		flat.Pix[i+3] = 0xff
	}
	if h > w {
		return 3, 4, flat
	}
	return 4, 3, flat
}

// dominantColor returns the mean colour of the most populated cell of a
// 8×8×8 colour cube, weighting pixels by their opacity: the colour most of
// the picture is, rather than an average no pixel has. A picture with no
// visible pixel is "#000000".
func dominantColor(m *image.NRGBA) string {
	type cell struct{ n, r, g, b uint64 }
	var cells [512]cell
	for i := 0; i < len(m.Pix); i += 4 {
		r, g, b, a := m.Pix[i], m.Pix[i+1], m.Pix[i+2], uint64(m.Pix[i+3])
		if a == 0 {
			continue
		}
		c := &cells[int(r>>5)<<6|int(g>>5)<<3|int(b>>5)]
		c.n += a
		c.r += uint64(r) * a
		c.g += uint64(g) * a
		c.b += uint64(b) * a
	}
	best := 0
	for i := range cells {
		if cells[i].n > cells[best].n {
			best = i
		}
	}
	c := cells[best]
	if c.n == 0 {
		return "#000000"
	}
	return hexColor(color.RGBA{uint8((c.r + c.n/2) / c.n), uint8((c.g + c.n/2) / c.n), uint8((c.b + c.n/2) / c.n), 0xff})
}

func hexColor(c color.RGBA) string {
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}
