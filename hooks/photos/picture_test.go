package photos

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"peerbase/hooks/photos/photostest"
	"testing"

	"github.com/disintegration/imaging"
)

// randomRGBA returns an opaque picture of random pixels.
func randomRGBA(w, h int, seed uint64) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	r := photostest.RNG(seed | 1)
	for i := range m.Pix {
		m.Pix[i] = uint8(r.Next())
		if i%4 == 3 {
			m.Pix[i] = 0xff
		}
	}
	return m
}

// TestOrientPlaneMatchesImaging checks every EXIF orientation against
// disintegration/imaging, which PocketBase uses to auto-orient.
func TestOrientPlaneMatchesImaging(t *testing.T) {
	t.Parallel()
	src := randomRGBA(7, 4, 9)
	want := map[int]*image.NRGBA{
		2: imaging.FlipH(src),
		3: imaging.Rotate180(src),
		4: imaging.FlipV(src),
		5: imaging.Transpose(src),
		6: imaging.Rotate270(src),
		7: imaging.Transverse(src),
		8: imaging.Rotate90(src),
	}
	p := pictureOf(src)
	for o, w := range want {
		got := p.orient(o)
		if got.w != w.Rect.Dx() || got.h != w.Rect.Dy() {
			t.Fatalf("orientation %d: %dx%d, want %v", o, got.w, got.h, w.Rect.Size())
		}
		for y := 0; y < got.h; y++ {
			for i, v := range got.planes[0].row(y) {
				if v != w.Pix[y*w.Stride+i] {
					t.Fatalf("orientation %d: pixel (%d,%d) differs", o, i/4, y)
				}
			}
		}
	}
	if p.orient(1) != p {
		t.Error("orientation 1 should return the picture itself")
	}
}

// TestOrientYCbCrKeepsChromaWithLuma turns a 4:2:0 picture whose chroma
// marks a corner and checks the mark follows the luma.
func TestOrientYCbCrKeepsChromaWithLuma(t *testing.T) {
	t.Parallel()
	m := image.NewYCbCr(image.Rect(0, 0, 8, 4), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = 100
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = 128, 128
	}
	m.Y[0], m.Cr[0] = 200, 250 // top-left is bright red
	p := pictureOf(m).orient(6)
	img := p.image().(*image.YCbCr)
	if img.Rect.Dx() != 4 || img.Rect.Dy() != 8 {
		t.Fatalf("size %v", img.Rect)
	}
	// a clockwise turn moves the top-left corner to the top-right
	c := img.YCbCrAt(3, 0)
	if c.Y != 200 || c.Cr != 250 {
		t.Fatalf("top-right = %v, want the red corner", c)
	}
	if c := img.YCbCrAt(0, 0); c.Cr != 128 {
		t.Fatalf("top-left = %v, want neutral", c)
	}
}

func TestPictureOfConvertsEveryType(t *testing.T) {
	t.Parallel()
	rect := image.Rect(0, 0, 5, 3)
	nrgba := image.NewNRGBA(rect)
	nrgba.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 128})
	nrgba.SetNRGBA(1, 0, color.NRGBA{10, 20, 30, 255})
	cmyk := image.NewCMYK(rect)
	cmyk.SetCMYK(0, 0, color.CMYK{0, 255, 255, 0}) // red
	pal := image.NewPaletted(rect, color.Palette{color.NRGBA{0, 0, 255, 255}, color.NRGBA{0, 0, 0, 0}})
	pal.SetColorIndex(0, 0, 1)
	gray16 := image.NewGray16(rect)
	gray16.SetGray16(0, 0, color.Gray16{0xffff})
	nycbcra := image.NewNYCbCrA(rect, image.YCbCrSubsampleRatio420)
	for i := range nycbcra.A {
		nycbcra.A[i] = 0xff
	}
	nycbcra.A[0] = 0

	tests := []struct {
		name   string
		img    image.Image
		layout layout
		alpha  bool
		at     color.RGBA // the premultiplied colour expected at (0, 0)
	}{
		{"nrgba is premultiplied in place", nrgba, layoutRGBA, true, color.RGBA{100, 50, 25, 128}},
		{"cmyk", cmyk, layoutRGBA, false, color.RGBA{255, 0, 0, 255}},
		{"paletted with a transparent index", pal, layoutRGBA, true, color.RGBA{0, 0, 0, 0}},
		{"gray16", gray16, layoutRGBA, false, color.RGBA{255, 255, 255, 255}},
		{"nycbcra", nycbcra, layoutRGBA, true, color.RGBA{0, 0, 0, 0}},
		{"gray", image.NewGray(rect), layoutGray, false, color.RGBA{0, 0, 0, 255}},
		{"ycbcr 4:2:2", image.NewYCbCr(rect, image.YCbCrSubsampleRatio422), layoutYCbCr, false, color.RGBA{0, 135, 0, 255}},
	}
	for _, tt := range tests {
		p := pictureOf(tt.img)
		if p.layout != tt.layout || p.alpha != tt.alpha || p.w != 5 || p.h != 3 {
			t.Errorf("%s: layout %v alpha %v %dx%d", tt.name, p.layout, p.alpha, p.w, p.h)
			continue
		}
		got := color.RGBAModel.Convert(p.image().At(0, 0)).(color.RGBA)
		if got != tt.at {
			t.Errorf("%s: (0,0) = %v, want %v", tt.name, got, tt.at)
		}
	}
}

// TestPictureOfSubImage makes sure a decoded image whose bounds do not
// start at the origin is read from the right place.
func TestPictureOfSubImage(t *testing.T) {
	t.Parallel()
	full := randomRGBA(10, 10, 3)
	sub := full.SubImage(image.Rect(3, 4, 8, 9)).(*image.RGBA)
	p := pictureOf(sub)
	got := p.image().(*image.RGBA)
	for y := 0; y < 5; y++ {
		for x := 0; x < 5; x++ {
			if got.RGBAAt(x, y) != full.RGBAAt(x+3, y+4) {
				t.Fatalf("(%d,%d) differs", x, y)
			}
		}
	}
	// and a YCbCr one, through a resize that must see the same pixels
	yc := phonePhoto(40, 30, 4)
	ysub := yc.SubImage(image.Rect(10, 6, 30, 26)).(*image.YCbCr)
	ref := image.NewRGBA(image.Rect(0, 0, 20, 20))
	draw.Draw(ref, ref.Rect, ysub, ysub.Rect.Min, draw.Src)
	same := pictureOf(ysub).resize(box{0, 0, 20, 20}, 20, 20, catmullRomFilter)
	out := image.NewRGBA(ref.Rect)
	draw.Draw(out, out.Rect, same.image(), image.Point{}, draw.Src)
	if d := maxDiff(out.Pix, ref.Pix); d > 3 {
		t.Fatalf("sub-image resized at 1:1 differs by %d", d)
	}
}

func maxDiff(a, b []uint8) int {
	d := 0
	for i := range a {
		d = max(d, absInt(int(a[i])-int(b[i])))
	}
	return d
}

// meanSigned is the mean of a-b over the colour channels.
func meanSigned(a, b []uint8) float64 {
	var s, n float64
	for i := range a {
		if i%4 == 3 {
			continue
		}
		s += float64(a[i]) - float64(b[i])
		n++
	}
	return s / n
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestEverySubsamplingResizesAndTurns takes each chroma subsampling a JPEG
// can have through a 1:1 resize (which makes it 4:2:0) and a turn, and
// compares the colours with the standard library's conversion.
func TestEverySubsamplingResizesAndTurns(t *testing.T) {
	t.Parallel()
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		m := image.NewYCbCr(image.Rect(0, 0, 37, 23), ratio)
		for y := 0; y < 23; y++ {
			for x := 0; x < 37; x++ {
				m.Y[m.YOffset(x, y)] = uint8(60 + 4*x)
				m.Cb[m.COffset(x, y)] = uint8(100 + 2*x)
				m.Cr[m.COffset(x, y)] = uint8(90 + 3*y)
			}
		}
		ref := image.NewRGBA(m.Rect)
		draw.Draw(ref, ref.Rect, m, image.Point{}, draw.Src)

		p := pictureOf(m)
		if ok := p.encodable(); !ok {
			t.Fatalf("%v: not encodable", ratio)
		}
		same := p.resize(box{0, 0, 37, 23}, 37, 23, catmullRomFilter)
		got := image.NewRGBA(m.Rect)
		draw.Draw(got, got.Rect, same.image(), image.Point{}, draw.Src)
		if d := maxDiff(got.Pix, ref.Pix); d > 4 {
			t.Errorf("%v: 1:1 resize differs by %d", ratio, d)
		}

		if !p.orientable() {
			p = same
		}
		turned := p.orient(6)
		if turned.encodable() {
			img := turned.image()
			want := imaging.Rotate270(ref)
			out := image.NewRGBA(img.Bounds())
			draw.Draw(out, out.Rect, img, image.Point{}, draw.Src)
			// chroma sits on pixel pairs, so an odd side cannot match the
			// per-pixel reference exactly; what must not happen is a shift,
			// which shows as a bias of the whole picture
			if d, bias := maxDiff(out.Pix, want.Pix), meanSigned(out.Pix, want.Pix); d > 6 || math.Abs(bias) > 0.5 {
				t.Errorf("%v: turned picture differs by %d, bias %.2f", ratio, d, bias)
			}
		} else {
			t.Errorf("%v turned is not encodable", ratio)
		}
	}
}
