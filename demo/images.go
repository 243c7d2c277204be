package demo

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Sizes and quality of the generated pictures: a photo the size of a small
// phone picture, so the photo pipeline and the thumbs have real work to do.
const (
	photoWidth   = 1200
	photoHeight  = 900
	avatarSize   = 512
	jpegQuality  = 85
	pcgIncrement = 0x9e3779b97f4a7c15 // fixed second PCG word: one seed, one picture
)

// seedOf turns a stable key (an offer key and a photo index, a person's
// handle) into the seed of its picture, so every run draws the same pictures.
func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// photoJPEG draws a w×h offer photo from seed: a diagonal two-colour
// gradient, a few translucent discs and blocks in neighbouring hues, and a
// band in the complementary hue across the lower third.
func photoJPEG(seed uint64, w, h int) ([]byte, error) {
	rng := rand.New(rand.NewPCG(seed, pcgIncrement))
	hue := rng.Float64() * 360

	img := image.NewRGBA(image.Rect(0, 0, w, h))
	diagonalGradient(img, hsv(hue, 0.45, 0.97), hsv(hue+35, 0.75, 0.55))

	for range 3 + rng.IntN(4) {
		c := hsv(hue+rng.Float64()*90-45, 0.35+rng.Float64()*0.5, 0.5+rng.Float64()*0.5)
		c.A = uint8(150 + rng.IntN(90))
		if rng.IntN(2) == 0 {
			r := h/10 + rng.IntN(h/4)
			disc(img, image.Pt(rng.IntN(w), rng.IntN(h*2/3)), r, c)
		} else {
			x, y := rng.IntN(w*4/5), rng.IntN(h/2)
			rect := image.Rect(x, y, x+w/10+rng.IntN(w/4), y+h/10+rng.IntN(h/3))
			draw.Draw(img, rect, image.NewUniform(c), image.Point{}, draw.Over)
		}
	}

	band := hsv(hue+180, 0.8, 0.35)
	band.A = 225
	top := h*2/3 + rng.IntN(h/12)
	draw.Draw(img, image.Rect(0, top, w, top+h/7), image.NewUniform(band), image.Point{}, draw.Over)
	draw.Draw(img, image.Rect(0, top+h/7, w, top+h/7+h/90+1), image.NewUniform(color.RGBA{255, 255, 255, 255}), image.Point{}, draw.Src)

	return encodeJPEG(img)
}

// avatarJPEG draws a size×size avatar from seed: a gradient with a light
// head-and-shoulders silhouette, the usual "no photo yet" picture, in a
// colour of its own for each person.
func avatarJPEG(seed uint64, size int) ([]byte, error) {
	rng := rand.New(rand.NewPCG(seed, pcgIncrement))
	hue := rng.Float64() * 360

	img := image.NewRGBA(image.Rect(0, 0, size, size))
	diagonalGradient(img, hsv(hue, 0.55, 0.9), hsv(hue+50, 0.7, 0.5))

	figure := hsv(hue+180, 0.12, 0.97)
	disc(img, image.Pt(size/2, size*2/5), size/5, figure)
	disc(img, image.Pt(size/2, size*21/20), size*9/20, figure)

	return encodeJPEG(img)
}

// encodeJPEG encodes img as an ordinary baseline JPEG.
func encodeJPEG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("failed to encode a demo JPEG: %w", err)
	}
	return buf.Bytes(), nil
}

// diagonalGradient fills img from "from" at the top-left corner to "to" at
// the bottom-right one (both taken as opaque), writing the pixels directly
// from one colour per diagonal: a per-pixel Set would be several times
// slower at photo size.
func diagonalGradient(img *image.RGBA, from, to color.NRGBA) {
	b := img.Bounds()
	span := max(b.Dx()+b.Dy()-2, 1)
	ramp := make([][3]uint8, span+1)
	for d := range ramp {
		t := float64(d) / float64(span)
		ramp[d] = [3]uint8{lerp(from.R, to.R, t), lerp(from.G, to.G, t), lerp(from.B, to.B, t)}
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			c := ramp[x+y-b.Min.Y]
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c[0], c[1], c[2], 255
		}
	}
}

// disc draws a filled circle of colour c (non-premultiplied alpha) over an
// opaque img, one span of pixels per row.
func disc(img *image.RGBA, center image.Point, r int, c color.NRGBA) {
	b := img.Bounds()
	a := uint32(c.A)
	for dy := -r; dy <= r; dy++ {
		y := center.Y + dy
		if y < b.Min.Y || y >= b.Max.Y {
			continue
		}
		half := int(math.Sqrt(float64(r*r - dy*dy)))
		x0, x1 := max(center.X-half, b.Min.X), min(center.X+half+1, b.Max.X)
		if x0 >= x1 {
			continue
		}
		px := img.Pix[img.PixOffset(x0, y):img.PixOffset(x1, y)]
		for i := 0; i < len(px); i += 4 {
			px[i] = blend(px[i], c.R, a)
			px[i+1] = blend(px[i+1], c.G, a)
			px[i+2] = blend(px[i+2], c.B, a)
		}
	}
}

// blend lays src over dst with alpha a (0 to 255).
func blend(dst, src uint8, a uint32) uint8 {
	return uint8((uint32(src)*a + uint32(dst)*(255-a) + 127) / 255)
}

// hsv converts a hue in degrees (any value, wrapped) and a saturation and
// value in [0,1] to an opaque colour.
func hsv(h, s, v float64) color.NRGBA {
	h = math.Mod(h, 360)
	if h < 0 {
		h += 360
	}
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := v - c
	var r, g, b float64
	switch {
	case h < 60:
		r, g, b = c, x, 0
	case h < 120:
		r, g, b = x, c, 0
	case h < 180:
		r, g, b = 0, c, x
	case h < 240:
		r, g, b = 0, x, c
	case h < 300:
		r, g, b = x, 0, c
	default:
		r, g, b = c, 0, x
	}
	return color.NRGBA{R: unit8(r + m), G: unit8(g + m), B: unit8(b + m), A: 255}
}

// unit8 maps [0,1] to [0,255], rounding and clamping.
func unit8(f float64) uint8 {
	return uint8(math.Round(math.Max(0, math.Min(1, f)) * 255))
}

// lerp interpolates between two channel values.
func lerp(a, b uint8, t float64) uint8 {
	return uint8(math.Round(float64(a) + (float64(b)-float64(a))*t))
}
