package photos

import (
	"fmt"
	"image"
	"math"
	"regexp"
	"strconv"
)

// DefaultThumbSize is the thumb PocketBase serves for every image field,
// whatever the field declares.
const DefaultThumbSize = "100x100"

// thumbSizeRegex is PocketBase's filesystem.ThumbSizeRegex.
var thumbSizeRegex = regexp.MustCompile(`^(\d+)x(\d+)(t|b|f)?$`)

// ThumbSize is a parsed PocketBase thumb size: "WxH" (fill, crop from the
// centre), "WxHt" and "WxHb" (fill, crop from the top or the bottom),
// "WxHf" (fit inside, never enlarged), "Wx0" and "0xH" (that width or
// height, aspect kept).
type ThumbSize struct {
	Width, Height int
	// Mode is 0, 't', 'b' or 'f'.
	Mode byte
}

// ParseThumbSize parses s with PocketBase's syntax.
func ParseThumbSize(s string) (ThumbSize, error) {
	m := thumbSizeRegex.FindStringSubmatch(s)
	if m == nil {
		return ThumbSize{}, fmt.Errorf("failed to parse thumb size %q: want WxH, WxHt, WxHb or WxHf", s)
	}
	w, errW := strconv.Atoi(m[1])
	h, errH := strconv.Atoi(m[2])
	if errW != nil || errH != nil || w >= 1<<16 || h >= 1<<16 {
		return ThumbSize{}, fmt.Errorf("failed to parse thumb size %q: sides must be under 65536", s)
	}
	if w == 0 && h == 0 {
		return ThumbSize{}, fmt.Errorf("failed to parse thumb size %q: width and height cannot both be zero", s)
	}
	t := ThumbSize{Width: w, Height: h}
	if m[3] != "" {
		t.Mode = m[3][0]
	}
	return t, nil
}

// String returns the size in PocketBase's syntax.
func (t ThumbSize) String() string {
	s := strconv.Itoa(t.Width) + "x" + strconv.Itoa(t.Height)
	if t.Mode != 0 {
		s += string(t.Mode)
	}
	return s
}

// ThumbPath returns the key under which PocketBase's file route looks for
// the thumb of filename (apis/file.go), so a thumb written there is served
// at once by ?thumb=size.
func ThumbPath(baseFilesPath, filename, size string) string {
	return baseFilesPath + "/thumbs_" + filename + "/" + size + "_" + filename
}

// aspectDims is imaging.Resize's handling of a zero side: keep the aspect
// ratio, rounding, at least 1 pixel.
func aspectDims(srcW, srcH, w, h int) (int, int) {
	if w == 0 {
		tmpW := float64(h) * float64(srcW) / float64(srcH)
		w = int(math.Max(1.0, math.Floor(tmpW+0.5)))
	}
	if h == 0 {
		tmpH := float64(w) * float64(srcH) / float64(srcW)
		h = int(math.Max(1.0, math.Floor(tmpH+0.5)))
	}
	return w, h
}

// anchored is imaging.CropAnchor's window: w×h placed in b at the anchor
// (t: top, b: bottom, otherwise centre) and clipped to b.
func anchored(b image.Rectangle, w, h int, mode byte) image.Rectangle {
	x := b.Min.X + (b.Dx()-w)/2
	y := b.Min.Y + (b.Dy()-h)/2
	switch mode {
	case 't':
		y = b.Min.Y
	case 'b':
		y = b.Max.Y - h
	}
	return image.Rect(x, y, x+w, y+h).Intersect(b)
}

// plan returns what PocketBase's CreateThumb makes of an original of
// w0×h0 (tools/filesystem with disintegration/imaging): the span of the
// original the thumb shows and the thumb's size. The arithmetic, float
// rounding included, is imaging's, so the sizes match to the pixel.
func (t ThumbSize) plan(w0, h0 int) (box, int, int) {
	full := box{0, 0, float64(w0), float64(h0)}
	if t.Width == 0 || t.Height == 0 {
		w, h := aspectDims(w0, h0, t.Width, t.Height)
		return full, w, h
	}
	if t.Mode == 'f' {
		if w0 <= t.Width && h0 <= t.Height {
			return full, w0, h0
		}
		srcAR := float64(w0) / float64(h0)
		maxAR := float64(t.Width) / float64(t.Height)
		var w, h int
		if srcAR > maxAR {
			w = t.Width
			h = int(float64(w) / srcAR)
		} else {
			h = t.Height
			w = int(float64(h) * srcAR)
		}
		w, h = aspectDims(w0, h0, w, h)
		return full, w, h
	}

	// fill
	if w0 == t.Width && h0 == t.Height {
		return full, w0, h0
	}
	srcAR := float64(w0) / float64(h0)
	dstAR := float64(t.Width) / float64(t.Height)
	bounds := image.Rect(0, 0, w0, h0)
	if w0 >= 100 && h0 >= 100 {
		// imaging crops the original to the aspect ratio, then resizes
		var r image.Rectangle
		if srcAR < dstAR {
			cropH := float64(w0) * float64(t.Height) / float64(t.Width)
			r = anchored(bounds, w0, int(math.Max(1, cropH)+0.5), t.Mode)
		} else {
			cropW := float64(h0) * float64(t.Width) / float64(t.Height)
			r = anchored(bounds, int(math.Max(1, cropW)+0.5), h0, t.Mode)
		}
		return rectBox(r), t.Width, t.Height
	}
	// small originals: imaging resizes to cover, then crops
	var tw, th int
	if srcAR < dstAR {
		tw, th = aspectDims(w0, h0, t.Width, 0)
	} else {
		tw, th = aspectDims(w0, h0, 0, t.Height)
	}
	r := anchored(image.Rect(0, 0, tw, th), t.Width, t.Height, t.Mode)
	sx, sy := float64(w0)/float64(tw), float64(h0)/float64(th)
	return rectBox(r).scale(sx, sy), r.Dx(), r.Dy()
}

func rectBox(r image.Rectangle) box {
	return box{float64(r.Min.X), float64(r.Min.Y), float64(r.Max.X), float64(r.Max.Y)}
}
