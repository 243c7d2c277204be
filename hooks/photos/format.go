package photos

import (
	"bytes"
	"path"
	"strings"
)

// Format is an image format the pipeline recognises by its magic bytes.
type Format string

// The formats accepted on upload, the two that are stored, and those that
// are recognised only to be refused by name.
const (
	JPEG Format = "JPEG"
	PNG  Format = "PNG"
	GIF  Format = "GIF"
	WebP Format = "WebP"
	HEIC Format = "HEIC"

	AVIF Format = "AVIF"
	BMP  Format = "BMP"
	TIFF Format = "TIFF"
	SVG  Format = "SVG"
	ICO  Format = "ICO"
	JXL  Format = "JPEG XL"
	PSD  Format = "PSD"
)

const pngMagic = "\x89PNG\r\n\x1a\n"

// accepted reports whether uploads in f are taken.
func (f Format) accepted() bool {
	switch f {
	case JPEG, PNG, GIF, WebP, HEIC:
		return true
	}
	return false
}

// ContentType returns the MIME type of f.
func (f Format) ContentType() string {
	switch f {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case GIF:
		return "image/gif"
	case WebP:
		return "image/webp"
	case HEIC:
		return "image/heic"
	case AVIF:
		return "image/avif"
	case BMP:
		return "image/bmp"
	case TIFF:
		return "image/tiff"
	case SVG:
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// Ext returns the usual file extension of f, with its dot.
func (f Format) Ext() string {
	switch f {
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	case GIF:
		return ".gif"
	case WebP:
		return ".webp"
	case HEIC:
		return ".heic"
	}
	return ""
}

// extFormats maps the extensions people give image files to what they
// claim the content is.
var extFormats = map[string]Format{
	".jpg": JPEG, ".jpeg": JPEG, ".jpe": JPEG, ".jfif": JPEG, ".pjpeg": JPEG, ".pjp": JPEG,
	".png": PNG, ".apng": PNG,
	".gif":  GIF,
	".webp": WebP,
	".heic": HEIC, ".heif": HEIC, ".hif": HEIC, ".heics": HEIC, ".heifs": HEIC,
	".avif": AVIF, ".bmp": BMP, ".dib": BMP, ".tif": TIFF, ".tiff": TIFF,
	".svg": SVG, ".svgz": SVG, ".ico": ICO, ".jxl": JXL, ".psd": PSD,
}

// heifBrands are the ftyp brands of HEIF files whose images are HEVC coded,
// which is what libheif with libde265 decodes.
var heifBrands = []string{"heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1", "mif2"}

// sniff identifies data by its magic bytes. It returns "" for content that
// is no image format it knows.
func sniff(data []byte) Format {
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		return JPEG
	case bytes.HasPrefix(data, []byte(pngMagic)):
		return PNG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return GIF
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return sniffFtyp(data)
	case bytes.HasPrefix(data, []byte("BM")) && len(data) >= 26:
		return BMP
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return TIFF
	case bytes.HasPrefix(data, []byte("\x00\x00\x01\x00")):
		return ICO
	case bytes.HasPrefix(data, []byte("\xff\x0a")), bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n")):
		return JXL
	case bytes.HasPrefix(data, []byte("8BPS")):
		return PSD
	case looksLikeSVG(data):
		return SVG
	}
	return ""
}

// sniffFtyp tells HEIC from AVIF and other ISO base media files by the
// major and compatible brands of the leading ftyp box. An AVIF file lists
// mif1 too, so avif is looked for first.
func sniffFtyp(data []byte) Format {
	size := int(uint32(data[0])<<24 | uint32(data[1])<<16 | uint32(data[2])<<8 | uint32(data[3]))
	if size < 16 || size > len(data) || size > 4096 {
		size = min(len(data), 4096)
	}
	var brands []string
	for i := 8; i+4 <= size; i += 4 {
		if i == 12 { // minor version
			continue
		}
		brands = append(brands, string(data[i:i+4]))
	}
	for _, b := range brands {
		if b == "avif" || b == "avis" {
			return AVIF
		}
	}
	for _, b := range brands {
		for _, h := range heifBrands {
			if b == h {
				return HEIC
			}
		}
	}
	return ""
}

func looksLikeSVG(data []byte) bool {
	head := data[:min(len(data), 512)]
	head = bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n")
	if !bytes.HasPrefix(head, []byte("<")) {
		return false
	}
	return bytes.Contains(bytes.ToLower(head), []byte("<svg"))
}

// claimedFormat returns what the name's extension says the file is, and
// the extension itself. An empty extension claims nothing.
func claimedFormat(name string) (Format, string) {
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return "", ""
	}
	if f, ok := extFormats[ext]; ok {
		return f, ext
	}
	return "", ext
}

// ReplaceExt returns name with its extension changed to the one of f, so
// that a sanitised photo is stored under a name that says what it is
// ("IMG_0001.HEIC" becomes "IMG_0001.jpg").
func ReplaceExt(name string, f Format) string {
	return strings.TrimSuffix(name, path.Ext(name)) + f.Ext()
}
