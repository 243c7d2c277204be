package photos

import (
	"image"
	"image/color"
	"image/draw"
)

// layout is how a picture keeps its samples.
type layout int

const (
	// layoutYCbCr is a luma plane and two chroma planes, the layout JPEG,
	// lossy WebP and HEIC decode to; the pipeline resizes it without ever
	// converting a full-size image to RGB.
	layoutYCbCr layout = iota
	// layoutGray is a single luma plane.
	layoutGray
	// layoutRGBA is one interleaved plane of premultiplied RGBA.
	layoutRGBA
)

// picture is an image in the pipeline's working form: planes that each
// cover the whole picture, the chroma planes at a lower resolution.
type picture struct {
	layout layout
	w, h   int
	planes []plane
	// div is each plane's subsampling: plane i has one sample per
	// div[i][0]×div[i][1] pixels.
	div [][2]int
	// alpha is true when an RGBA picture has a pixel that is not opaque.
	alpha bool
}

// ycbcrDiv returns the chroma subsampling of r as horizontal and vertical
// divisors.
func ycbcrDiv(r image.YCbCrSubsampleRatio) [2]int {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return [2]int{2, 1}
	case image.YCbCrSubsampleRatio420:
		return [2]int{2, 2}
	case image.YCbCrSubsampleRatio440:
		return [2]int{1, 2}
	case image.YCbCrSubsampleRatio411:
		return [2]int{4, 1}
	case image.YCbCrSubsampleRatio410:
		return [2]int{4, 2}
	default:
		return [2]int{1, 1}
	}
}

// pictureOf wraps a decoded image without copying where its layout allows
// it (YCbCr, Gray, RGBA, and NRGBA and CMYK converted in place), and
// converts any other image to RGBA.
func pictureOf(img image.Image) *picture {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		d := ycbcrDiv(m.SubsampleRatio)
		cw := (r.Max.X+d[0]-1)/d[0] - r.Min.X/d[0]
		chh := (r.Max.Y+d[1]-1)/d[1] - r.Min.Y/d[1]
		yo, co := m.YOffset(r.Min.X, r.Min.Y), m.COffset(r.Min.X, r.Min.Y)
		return &picture{
			layout: layoutYCbCr, w: w, h: h,
			planes: []plane{
				{pix: m.Y[yo:], w: w, h: h, stride: m.YStride, ch: 1},
				{pix: m.Cb[co:], w: cw, h: chh, stride: m.CStride, ch: 1},
				{pix: m.Cr[co:], w: cw, h: chh, stride: m.CStride, ch: 1},
			},
			div: [][2]int{{1, 1}, d, d},
		}
	case *image.Gray:
		return &picture{
			layout: layoutGray, w: w, h: h,
			planes: []plane{{pix: m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], w: w, h: h, stride: m.Stride, ch: 1}},
			div:    [][2]int{{1, 1}},
		}
	case *image.RGBA:
		return rgbaPicture(m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], w, h, m.Stride)
	case *image.NRGBA:
		// premultiply in place: the decoder's buffer is ours and a second
		// full-size copy is what the memory budget cannot afford
		pix := m.Pix[m.PixOffset(r.Min.X, r.Min.Y):]
		for y := 0; y < h; y++ {
			row := pix[y*m.Stride : y*m.Stride+w*4]
			for i := 0; i < len(row); i += 4 {
				a := uint32(row[i+3])
				if a == 0xff {
					continue
				}
				row[i] = uint8((uint32(row[i])*a + 127) / 255)
				row[i+1] = uint8((uint32(row[i+1])*a + 127) / 255)
				row[i+2] = uint8((uint32(row[i+2])*a + 127) / 255)
			}
		}
		return rgbaPicture(pix, w, h, m.Stride)
	case *image.CMYK:
		pix := m.Pix[m.PixOffset(r.Min.X, r.Min.Y):]
		for y := 0; y < h; y++ {
			row := pix[y*m.Stride : y*m.Stride+w*4]
			for i := 0; i < len(row); i += 4 {
				cr, cg, cb := color.CMYKToRGB(row[i], row[i+1], row[i+2], row[i+3])
				row[i], row[i+1], row[i+2], row[i+3] = cr, cg, cb, 0xff
			}
		}
		return rgbaPicture(pix, w, h, m.Stride)
	default:
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Rect, img, r.Min, draw.Src)
		return rgbaPicture(dst.Pix, w, h, dst.Stride)
	}
}

func rgbaPicture(pix []uint8, w, h, stride int) *picture {
	p := &picture{
		layout: layoutRGBA, w: w, h: h,
		planes: []plane{{pix: pix, w: w, h: h, stride: stride, ch: 4}},
		div:    [][2]int{{1, 1}},
	}
	p.alpha = hasAlpha(p.planes[0])
	return p
}

func hasAlpha(p plane) bool {
	for y := 0; y < p.h; y++ {
		row := p.row(y)
		for i := 3; i < len(row); i += 4 {
			if row[i] != 0xff {
				return true
			}
		}
	}
	return false
}

// ratioOf returns the standard subsampling ratio of chroma divisors, and
// false for a layout the standard library has no name for (a transposed
// 4:1:1).
func ratioOf(d [2]int) (image.YCbCrSubsampleRatio, bool) {
	for _, r := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		if ycbcrDiv(r) == d {
			return r, true
		}
	}
	return 0, false
}

// image returns the picture as a standard image sharing its samples, in
// the types the encoders have fast paths for. It must be encodable.
func (p *picture) image() image.Image {
	rect := image.Rect(0, 0, p.w, p.h)
	switch p.layout {
	case layoutYCbCr:
		ratio, _ := ratioOf(p.div[1])
		return &image.YCbCr{
			Y: p.planes[0].pix, Cb: p.planes[1].pix, Cr: p.planes[2].pix,
			YStride: p.planes[0].stride, CStride: p.planes[1].stride,
			SubsampleRatio: ratio, Rect: rect,
		}
	case layoutGray:
		return &image.Gray{Pix: p.planes[0].pix, Stride: p.planes[0].stride, Rect: rect}
	default:
		return &image.RGBA{Pix: p.planes[0].pix, Stride: p.planes[0].stride, Rect: rect}
	}
}

// encodable reports whether the picture's layout is one image() can
// express with the standard library's types.
func (p *picture) encodable() bool {
	if p.layout != layoutYCbCr {
		return true
	}
	_, ok := ratioOf(p.div[1])
	return ok
}

// resize returns the span b (in pixels of p) scaled to w×h. YCbCr comes
// out as 4:2:0, the only subsampling JPEG encoding produces anyway.
func (p *picture) resize(b box, w, h int, f *filter) *picture {
	out := &picture{layout: p.layout, w: w, h: h, alpha: p.alpha}
	sx, sy := b.dx()/float64(w), b.dy()/float64(h)
	for i, src := range p.planes {
		dd := [2]int{1, 1}
		if p.layout == layoutYCbCr && i > 0 {
			dd = [2]int{2, 2}
		}
		pw, ph := (w+dd[0]-1)/dd[0], (h+dd[1]-1)/dd[1]
		sd := p.div[i]
		// the destination plane spans pw*dd[0] output pixels, which for
		// an odd size is half a pixel past the picture
		pb := box{
			x0: b.x0 / float64(sd[0]),
			y0: b.y0 / float64(sd[1]),
			x1: (b.x0 + float64(pw*dd[0])*sx) / float64(sd[0]),
			y1: (b.y0 + float64(ph*dd[1])*sy) / float64(sd[1]),
		}
		out.planes = append(out.planes, resizePlane(src, pb, pw, ph, f))
		out.div = append(out.div, dd)
	}
	return out
}

// orient applies an EXIF orientation (1..8) and returns a new picture, or
// p itself for 1.
func (p *picture) orient(o int) *picture {
	if o <= 1 || o > 8 {
		return p
	}
	out := &picture{layout: p.layout, w: p.w, h: p.h, alpha: p.alpha}
	if o >= 5 {
		out.w, out.h = p.h, p.w
	}
	// the axes of the result that run backwards through the source
	revX := o == 2 || o == 3 || o == 6 || o == 7
	revY := o == 3 || o == 4 || o == 7 || o == 8
	for i, src := range p.planes {
		d := p.div[i]
		if o >= 5 {
			d = [2]int{d[1], d[0]}
		}
		pl := orientPlane(src, o)
		// a subsampled chroma plane spans one pixel past an odd side; run
		// backwards, that pixel lands before the picture's start and every
		// chroma sample sits a pixel off, so resample it half a sample on
		sx, sy := 0.0, 0.0
		if revX && d[0] == 2 && out.w%2 == 1 {
			sx = 0.5
		}
		if revY && d[1] == 2 && out.h%2 == 1 {
			sy = 0.5
		}
		if sx != 0 || sy != 0 {
			shifted := newPlane(pl.w, pl.h, pl.ch)
			resample(shifted, pl, box{sx, sy, float64(pl.w) + sx, float64(pl.h) + sy}, catmullRomFilter)
			pl = shifted
		}
		out.planes = append(out.planes, pl)
		out.div = append(out.div, d)
	}
	return out
}

// orientable reports whether orient keeps the picture encodable: 4:2:0,
// 4:4:4, gray and RGBA turn into themselves, other subsamplings are made
// 4:2:0 first.
func (p *picture) orientable() bool {
	if p.layout != layoutYCbCr {
		return true
	}
	d := p.div[1]
	return d == [2]int{2, 2} || d == [2]int{1, 1}
}

// orientPlane returns src transformed so that it displays upright, for
// the EXIF orientation o. Each destination pixel (dx, dy) reads the source
// at an affine index base + dx*stepX + dy*stepY.
func orientPlane(src plane, o int) plane {
	w, h, ch := src.w, src.h, src.ch
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := newPlane(dw, dh, ch)
	s := src.stride
	var base, stepX, stepY int
	switch o {
	case 2: // mirrored horizontally
		base, stepX, stepY = (w-1)*ch, -ch, s
	case 3: // rotated 180°
		base, stepX, stepY = (h-1)*s+(w-1)*ch, -ch, -s
	case 4: // mirrored vertically
		base, stepX, stepY = (h-1)*s, ch, -s
	case 5: // transposed
		base, stepX, stepY = 0, s, ch
	case 6: // needs a 90° clockwise turn
		base, stepX, stepY = (h-1)*s, -s, ch
	case 7: // transversed
		base, stepX, stepY = (h-1)*s+(w-1)*ch, -s, -ch
	case 8: // needs a 90° counter-clockwise turn
		base, stepX, stepY = (w-1)*ch, s, -ch
	default:
		base, stepX, stepY = 0, ch, s
	}
	for dy := 0; dy < dh; dy++ {
		out := dst.row(dy)
		si := base + dy*stepY
		if ch == 1 {
			for dx := range out {
				out[dx] = src.pix[si]
				si += stepX
			}
			continue
		}
		for dx := 0; dx < len(out); dx += ch {
			copy(out[dx:dx+ch], src.pix[si:si+ch])
			si += stepX
		}
	}
	return dst
}
