package photos

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/gen2brain/heic"
	"golang.org/x/image/webp"
)

// Info is what the header of an accepted image says.
type Info struct {
	Format Format
	// Width and Height are as stored, before any EXIF orientation.
	Width, Height int
}

// Guard checks an upload before anything is decoded: the magic bytes say
// it is a format we accept, the name claims nothing else, and the header
// (read with the format's DecodeConfig, never the pixels) declares a
// positive size under cfg.MaxPixels. An empty name skips the name check.
// Every rejection is an *Error.
func Guard(data []byte, name string, cfg Config) (Info, error) {
	cfg = cfg.WithDefaults()
	if len(data) == 0 {
		return Info{}, reject(ErrEmpty, nil, "the file is empty")
	}

	f := sniff(data)
	switch {
	case f == "":
		return Info{}, reject(ErrNotImage, nil, "not an image")
	case !f.accepted():
		return Info{}, reject(ErrUnsupported, nil, "unsupported format %s", f)
	case f == WebP && webpAnimated(data):
		return Info{}, reject(ErrUnsupported, nil, "unsupported format animated WebP")
	}

	if claimed, ext := claimedFormat(name); ext != "" && claimed != f {
		return Info{}, reject(ErrNameMismatch, nil, "content is %s but the name says %s", f, ext)
	}

	c, err := decodeConfig(f, data)
	if err != nil {
		return Info{}, reject(ErrCorrupt, err, "corrupt %s header", f)
	}
	info := Info{Format: f, Width: c.Width, Height: c.Height}
	if err := checkSize(info.Width, info.Height, cfg.MaxPixels); err != nil {
		return Info{}, err
	}
	if f == HEIC && info.Width < minHEICWidth {
		return Info{}, reject(ErrUnsupported, nil, "unsupported format: HEIC narrower than %d px", minHEICWidth)
	}
	return info, nil
}

// minHEICWidth is the narrowest HEIC that decodes right: gen2brain/heic
// v0.4.5 slices libheif's planes with rows padded to 16 bytes, but libheif
// pads every row to at least 64 samples, so the chroma of a 4:2:0 picture
// under 128 px wide (and everything under 64) is read from the wrong
// place. No phone takes such photos; refusing them beats storing wrong
// colours.
const minHEICWidth = 128

func checkSize(w, h, maxPixels int) error {
	if w <= 0 || h <= 0 {
		return reject(ErrDimensions, nil, "image is %dx%d, width and height must be positive", w, h)
	}
	if int64(w)*int64(h) > int64(maxPixels) {
		return reject(ErrTooLarge, nil, "image is %dx%d, over the %.3g MP limit", w, h, float64(maxPixels)/1e6)
	}
	return nil
}

// codec reads one accepted format.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// codecs are the decoders of the accepted formats; GIF decodes its first
// frame only.
var codecs = map[Format]codec{
	JPEG: {jpeg.DecodeConfig, jpeg.Decode},
	PNG:  {png.DecodeConfig, png.Decode},
	GIF:  {gif.DecodeConfig, gif.Decode},
	WebP: {webp.DecodeConfig, webp.Decode},
	HEIC: {heic.DecodeConfig, heic.Decode},
}

func decodeConfig(f Format, data []byte) (c image.Config, err error) {
	defer recoverInto(&err)
	cd, ok := codecs[f]
	if !ok {
		return image.Config{}, fmt.Errorf("failed to read the header: no decoder for %s", f)
	}
	return cd.config(bytes.NewReader(data))
}

// recoverInto turns a decoder panic into an error: x/image and the
// standard decoders have had panics on crafted input over the years.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("failed to decode: decoder panic: %v", r)
	}
}

// webpAnimated reports whether a WebP's VP8X header sets the animation
// flag; x/image/webp decodes no animation.
func webpAnimated(data []byte) bool {
	return len(data) >= 21 && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0
}

// WarmUp compiles the HEIC decoder's WebAssembly module now (about 0.4 s
// of one core, done once per process) instead of during the first HEIC
// upload's Guard. It is safe to call more than once, from any goroutine.
func WarmUp() {
	heic.Init()
}
